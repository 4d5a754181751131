#!/usr/bin/env bash
# Regenerate docs/img: one SVG per plot type with `glmm plot`, and the playground screenshots
# (needs /usr/bin/chromium). Run from anywhere after `npm run build`; takes about three minutes
# (InstEval is fitted twice: for the binned residual plot and in the playground).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/img
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
glmm() { node bin/glmm.js "$@" >/dev/null; }
ex=test/plots/fixtures
data=test/fixtures/data

glmm plot --data $data/sleepstudy.csv --formula "Reaction ~ Days + (Days | Subject)" --out "$tmp/sleep"
cp "$tmp/sleep/caterpillar.svg" "$tmp/sleep/residuals.svg" "$tmp/sleep/qq.svg" "$out/"
glmm plot --data $data/cbpp.csv --family binomial --formula "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)" --out "$tmp/cbpp"
cp "$tmp/cbpp/residuals.svg" "$out/residuals-glmm.svg"
glmm plot --data $data/insteval.csv --ml --formula "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)" --out "$tmp/inst"
cp "$tmp/inst/residuals.svg" "$out/residuals-binned.svg"
glmm plot --profile $ex/profile-sleepstudy.csv --forest $ex/forest-bcg.csv --exp --xtitle "Risk ratio (log scale)" \
  --network $ex/network-smoking.csv --de $ex/de-simulated.csv --term treatment --out "$tmp/misc"
cp "$tmp/misc/"{profile,forest,network,volcano,pvalues}.svg "$out/"

if [ -x /usr/bin/chromium ]; then
  npm run build:web >/dev/null
  GLMM_SCREENSHOT=$out/playground.png GLMM_E2E_INSTEVAL=1 GLMM_SCREENSHOT_INSTEVAL=$out/playground-insteval.png \
    node --test test/web/e2e.mjs | grep -E "InstEval:|^# (pass|fail)"
  node test/web/screenshot-progress.mjs "$out/playground-fitting.png"
fi
ls -la "$out"
