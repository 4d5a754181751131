#!/bin/sh
# 8. Phylogenetic GLMM: severe disease vs a gene, strain effects correlated along the strains' tree.
cd "$(dirname "$0")/../.." && node bin/glmm.js fit --data examples/data/strains.csv --family binomial \
  --formula "severe ~ gene + (1 | strain)" --covariance strain=phylo:examples/data/strains.nwk
