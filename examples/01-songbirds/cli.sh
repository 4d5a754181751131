#!/bin/sh
# 1. Songbirds: aggression (0/1) vs testosterone split into within-bird and between-bird parts.
cd "$(dirname "$0")/../.." && node bin/glmm.js fit --data examples/data/songbirds.csv --family binomial \
  --formula "aggressive ~ within(testosterone, bird) + between(testosterone, bird) + (1 | bird)"
