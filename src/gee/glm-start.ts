// Starting values for β: the ordinary GLM fit, by IRLS as R's glm.fit does it (same starting μ, same
// convergence rule |dev − dev_old| / (|dev| + 0.1) < 1e-8, same step halving). geeglm starts geese
// from glm's coefficients, so matching them keeps the GEE iterations on geepack's path.
import type { Family } from "../families/index.js";
import { lstsq } from "../linalg/lu.js";

export interface GlmStart {
  readonly beta: Float64Array;
  readonly converged: boolean;
  readonly iterations: number;
}

export function glmStart(
  X: Float64Array, n: number, p: number, y: Float64Array, w: Float64Array, offset: Float64Array, family: Family,
  maxit = 25, epsilon = 1e-8,
): GlmStart {
  const link = family.link;
  const eta = new Float64Array(n);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    eta[i] = link.linkfun(family.muStart(y[i], w[i]));
    mu[i] = link.linkinv(eta[i]);
  }
  const deviance = () => {
    let d = 0;
    for (let i = 0; i < n; i++) d += family.devResid(y[i], mu[i], w[i]);
    return d;
  };
  let devold = deviance();
  let beta: Float64Array | null = null;
  let converged = false;
  let iter = 0;
  for (iter = 1; iter <= maxit; iter++) {
    const good: number[] = [];
    for (let i = 0; i < n; i++) if (w[i] > 0 && link.muEta(eta[i]) !== 0) good.push(i);
    const ng = good.length;
    const xw = new Float64Array(ng * p);
    const zw = new Float64Array(ng);
    for (let g = 0; g < ng; g++) {
      const i = good[g];
      const me = link.muEta(eta[i]);
      const z = eta[i] - offset[i] + (y[i] - mu[i]) / me;
      const wt = Math.sqrt((w[i] * me * me) / family.variance(mu[i]));
      zw[g] = z * wt;
      for (let j = 0; j < p; j++) xw[g + j * ng] = X[i + j * n] * wt;
    }
    const start = lstsq(xw, zw, ng, p);
    if (!start) break; // rank problems are reported by the GEE step
    const setEta = (b: Float64Array) => {
      for (let i = 0; i < n; i++) {
        let e = offset[i];
        for (let j = 0; j < p; j++) e += X[i + j * n] * b[j];
        eta[i] = e;
        mu[i] = link.linkinv(e);
      }
    };
    setEta(start);
    let dev = deviance();
    // step halving towards the previous coefficients when the deviance is not finite or μ leaves its range
    let halvings = 0;
    const invalid = () => !Number.isFinite(dev) || mu.some((m) => !family.validMu(m));
    while (beta && invalid() && halvings < maxit) {
      for (let j = 0; j < p; j++) start[j] = (start[j] + beta[j]) / 2;
      setEta(start);
      dev = deviance();
      halvings++;
    }
    beta = start;
    if (Math.abs(dev - devold) / (Math.abs(dev) + 0.1) < epsilon) { converged = true; break; }
    devold = dev;
  }
  return { beta: beta ?? new Float64Array(p), converged, iterations: Math.min(iter, maxit) };
}
