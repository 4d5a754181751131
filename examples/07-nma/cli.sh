#!/bin/sh
# 7. Network meta-analysis of smoking-cessation interventions: league table and P-score ranking.
cd "$(dirname "$0")/../.." && mkdir -p examples/07-nma/out && \
node bin/glmm.js nma --data examples/data/hasselblad1998.csv --study study --treatment trt --events xi --n ni \
  --reference no_contact --small-values bad --plot examples/07-nma/out/network.svg
