#!/bin/sh
# 2. Senescence: reproductive success vs age, split into the individual's mean age and the deviation from it.
cd "$(dirname "$0")/../.." && node bin/glmm.js fit --data examples/data/senescence.csv --family binomial \
  --formula "success ~ within(age, id) + between(age, id) + (1 | id)"
