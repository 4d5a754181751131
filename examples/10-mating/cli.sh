#!/bin/sh
# 10. Mating success: NB GLMM vs tail length, and the repeatability of male attractiveness.
cd "$(dirname "$0")/../.." && node bin/glmm.js icc --data examples/data/mating.csv --family negative_binomial \
  --formula "matings ~ tail + (1 | male)"
