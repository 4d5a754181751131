#!/bin/sh
# 4. Single-cell DE: an NB GLMM per gene with a patient random intercept, then the volcano plot.
cd "$(dirname "$0")/../.." && mkdir -p examples/04-singlecell/out && \
node bin/glmm.js de --counts examples/data/pbmc200 --cells examples/data/pbmc200/cells.csv \
  --formula "~ disease + (1 | patient)" --offset "log(total_umi)" --out examples/04-singlecell/out/results.csv && \
node bin/glmm.js plot --de examples/04-singlecell/out/results.csv --term diseasedisease --out examples/04-singlecell/out
