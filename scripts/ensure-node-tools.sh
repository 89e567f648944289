#!/usr/bin/env bash
# The TypeScript compiler for tests/types.rs (type-checks compositions against
# types/composition.d.ts), from the npm registry into target/node-tools. Idempotent. Without npm
# it says so and the types test says why it cannot run.
#
# Also the packages tests/modules.rs renders with (tests/fixtures/modules: React, a CommonJS
# package), pinned by that folder's package-lock.json (`npm ci`, again when the lock changes).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "ensure-node-tools: npm is not installed: tests/types.rs and tests/modules.rs cannot run" >&2
  exit 0
fi
fixture=tests/fixtures/modules
if ! cmp -s "$fixture/package-lock.json" "$fixture/node_modules/.bazaar-installed-lock" 2>/dev/null; then
  (cd "$fixture" && npm ci --no-audit --no-fund --silent)
  cp "$fixture/package-lock.json" "$fixture/node_modules/.bazaar-installed-lock"
  echo "ensure-node-tools: $fixture's packages installed"
fi
if [ -x target/node-tools/node_modules/.bin/tsc ]; then
  echo "ensure-node-tools: tsc present"
  exit 0
fi
mkdir -p target/node-tools
npm install --prefix target/node-tools --no-audit --no-fund --silent typescript@5
echo "ensure-node-tools: $(target/node-tools/node_modules/.bin/tsc --version)"
