#!/bin/sh
# 5. Conditional vs marginal: the GLMM's conditional and marginalized effects, then GEE's.
cd "$(dirname "$0")/../.." && \
node bin/glmm.js marginal --data examples/data/ohio.csv --family binomial --formula "resp ~ age + smoke + (1 | id)" && \
node bin/glmm.js gee --data examples/data/ohio.csv --family binomial --formula "resp ~ age + smoke" --id id --corstr exchangeable
