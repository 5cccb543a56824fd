#!/usr/bin/env bash
# `npm test`'s second run: the whole suite again on Node 24, the current LTS (Node 20, which runs the first, is
# the floor), in a copy of this checkout (scripts/with-node24.sh). SKIP_NODE24=1 skips it (quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_NODE24:-}" = "1" ]; then
  echo "SKIP_NODE24=1: the suite did not run on Node 24."
  exit 0
fi
exec bash scripts/with-node24.sh npx vitest run
