// Public library API of `glmm`. The core (everything exported here) runs in Node and in browsers.
export { Frame } from "./data/frame.js";
export type { Column, NumericColumn, TextColumn } from "./data/frame.js";
export { UserError } from "./errors.js";
export type { ModelStructure, ReTerm, Response, BuildOptions } from "./formula/types.js";
