export { makeFamily, canonicalLink, NB_POISSON_LIMIT } from "./family.js";
export type { Family, FamilyName } from "./family.js";
export { links } from "./link.js";
export type { Link, LinkName } from "./link.js";
export * from "./special.js";
