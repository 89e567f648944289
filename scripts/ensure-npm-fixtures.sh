#!/usr/bin/env bash
# The npm packages that test fixtures import (pinned in each fixture's package.json and
# package-lock.json), installed from the npm registry into the fixture's node_modules before the
# tests: the app itself never fetches anything. Idempotent (a fixture whose lock file has not
# changed since it was installed is left alone). Without npm it says so, and the tests that need
# the packages fail saying to run this script.
set -euo pipefail
cd "$(dirname "$0")/.."
# tests/clock.rs: GSAP and three.js on the frame clock; tests/modules.rs and the React template's
# render (tests/desktop): React, a CommonJS package.
FIXTURES=(tests/fixtures/clock tests/fixtures/modules)
if ! command -v npm >/dev/null; then
  echo "ensure-npm-fixtures: npm is not installed: the fixtures ${FIXTURES[*]} have no packages" >&2
  exit 0
fi
for dir in "${FIXTURES[@]}"; do
  stamp="$dir/node_modules/.bazaar-lock.sha256"
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "ensure-npm-fixtures: $dir up to date"
    continue
  fi
  # `npm ci`: exactly the lock file's versions, checked against its integrity hashes; no scripts.
  npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --silent
  echo "$want" >"$stamp"
  echo "ensure-npm-fixtures: $dir installed"
done
