import { UserError } from "../errors.js";

// How much of the variation the phylogeny (or pedigree) explains: the share of the phylogenetic
// variance in the total variance on the latent scale (phylogenetic signal, Pagel's λ / heritability
// in the sense of Nakagawa & Schielzeth 2010). The latent residual variance is the link's
// distribution variance: π²/3 for logit (logistic), 1 for probit (normal), π²/6 for cloglog
// (Gumbel), σ² for a gaussian model. With K scaled to height 1 (phylo:), σ² is the variance at the tips.

/** Residual variance on the latent scale for a family and link; σ² for gaussian. */
export function latentResidualVariance(family: string, link: string, sigma = 1): number {
  if (family === "gaussian") return sigma * sigma;
  if (family === "binomial") {
    if (link === "logit") return (Math.PI * Math.PI) / 3;
    if (link === "probit") return 1;
    if (link === "cloglog") return (Math.PI * Math.PI) / 6;
  }
  throw new UserError(`no latent-scale residual variance for family ${family} with link ${link} (binomial logit/probit/cloglog and gaussian are supported)`);
}

/**
 * σ²_phylo / (σ²_phylo + Σ other random-effect variances + latent residual variance).
 * `otherVariances`: variances of further random effects that count as non-phylogenetic.
 */
export function phylogeneticSignal(varPhylo: number, family: string, link: string, options: { sigma?: number; otherVariances?: readonly number[] } = {}): number {
  const other = (options.otherVariances ?? []).reduce((a, b) => a + b, 0);
  return varPhylo / (varPhylo + other + latentResidualVariance(family, link, options.sigma ?? 1));
}
