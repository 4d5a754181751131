#!/bin/sh
# 3. Counselling sessions: Poisson counts, clinicians nested in clinics, a training effect.
cd "$(dirname "$0")/../.." && node bin/glmm.js fit --data examples/data/counselling.csv --family poisson \
  --formula "sessions ~ trained + (1 | clinic/clinician)"
