#!/usr/bin/env bash
# CI: the playground's end-to-end test in headless Chromium — Debian's package driven by
# playwright-core, no browser download. Installs chromium with apt-get when it is missing (as root,
# or with passwordless sudo); without it the test reports itself skipped instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }; then
    echo "ci-browser: could not install chromium; the browser test will be skipped" >&2
  fi
fi

npm run build:web
node --test --test-reporter=spec test/web/e2e.mjs test/web/snippets.mjs
