#!/bin/sh
# 9. Three batches: the mixed model and its few-levels warning, then batch as a fixed effect (lm).
cd "$(dirname "$0")/../.." && node bin/glmm.js fit --data examples/data/batches.csv --formula "expression ~ group + (1 | batch)" &&
  node bin/glmm.js fit --data examples/data/batches.csv --formula "expression ~ group + batch"
