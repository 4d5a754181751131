/**
 * `glmm/families`: distributions and links (log-densities, variance functions, inverse links) and
 * the special functions behind them.
 * @packageDocumentation
 */
export { makeFamily, pnorm, qnorm, dnorm, lgamma, digamma, lchoose } from "../families/index.js";
export type { Family, FamilyName, Link, LinkName } from "../families/index.js";
