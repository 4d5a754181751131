// The core reads `process.env.GLMM_DEBUG` behind a `typeof process` guard; declare it for the
// browser-only type check (no Node types here, so any other Node API use in the core still fails).
declare const process: { env?: Record<string, string | undefined> } | undefined;
