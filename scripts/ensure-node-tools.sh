#!/usr/bin/env bash
# The TypeScript compiler for tests/types.rs (type-checks compositions against
# types/composition.d.ts), from the npm registry into target/node-tools. Idempotent. Without npm
# it says so and the types test says why it cannot run.
# The npm packages test fixtures import are scripts/ensure-npm-fixtures.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "ensure-node-tools: npm is not installed: tests/types.rs cannot type-check compositions" >&2
  exit 0
fi
if [ -x target/node-tools/node_modules/.bin/tsc ]; then
  echo "ensure-node-tools: tsc present"
  exit 0
fi
mkdir -p target/node-tools
npm install --prefix target/node-tools --no-audit --no-fund --silent typescript@5
echo "ensure-node-tools: $(target/node-tools/node_modules/.bin/tsc --version)"
