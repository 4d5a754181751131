// The @stdlib special functions the families use. At build time (scripts/vendor-stdlib.mjs) the
// compiled form of this module is replaced by a bundle holding the five functions themselves, so that
// the installed package does not pull @stdlib's ~170 small packages (they are devDependencies).
export { default as gammaln } from "@stdlib/math-base-special-gammaln";
export { default as digamma } from "@stdlib/math-base-special-digamma";
export { default as trigamma } from "@stdlib/math-base-special-trigamma";
export { default as erfc } from "@stdlib/math-base-special-erfc";
export { default as erfcinv } from "@stdlib/math-base-special-erfcinv";
