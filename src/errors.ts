/**
 * An error caused by the user's input (data, formula, flags). The CLI prints its message as one
 * line and exits non-zero, without a stack trace. Anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** A feature that is specified but not built yet: a user-facing one-line error. */
export class NotImplementedError extends UserError {
  constructor(what: string) {
    super(`${what} is not implemented yet`);
    this.name = "NotImplementedError";
  }
}

/** A model too large for the direct (Cholesky) solvers: the iterative route may still take it. */
export class TooLargeError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "TooLargeError";
  }
}
