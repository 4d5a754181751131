#!/bin/sh
# 6. One-stage meta-analysis of the BCG trials (and, below, the zero-event catheter trials).
cd "$(dirname "$0")/../.." && mkdir -p examples/06-meta/out && \
node bin/glmm.js meta --data examples/data/bcg.csv --ai tpos --bi tneg --ci cpos --di cneg --slab author \
  --model UM.FS --plot examples/06-meta/out/bcg-forest.svg && \
node bin/glmm.js meta --data examples/data/nielweise2007.csv --ai ai --n1i n1i --ci ci --n2i n2i --slab author --model UM.RS
