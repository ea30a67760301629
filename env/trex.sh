#!/usr/bin/env bash
# Make the TRex server available to the test suite: use the install or cached build
# `lwtbench trex show` finds; else build one from a trex-core source (~15-25 min on 2 cores,
# cached in /var/cache/lwtbench/trex/<version>-<cpu> for every later run); else say plainly
# that the TRex tests will not run (pytest then deselects them and repeats it).
#
# The source: $LWTBENCH_TREX_SOURCE (a trex-core checkout or git directory), else the first
# existing of $LWTBENCH_TREX_MIRRORS (space-separated; default: where this project's
# development machines keep a mirror of trex-core).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
read -r -a CANDIDATES <<< "${LWTBENCH_TREX_MIRRORS:-/work/.mirror/cisco-system-traffic-generator+trex-core/repo}"

if found=$("$PY" -m lwtbench trex show); then
    echo "[trex] TRex tests will run: $found"
    exit 0
fi
src="${LWTBENCH_TREX_SOURCE:-}"
if [ -z "$src" ]; then
    for candidate in "${CANDIDATES[@]}"; do
        if [ -e "$candidate" ]; then src=$candidate; break; fi
    done
fi
if [ -z "$src" ]; then
    echo "[trex] TRex tests not run: no trex-core source (set LWTBENCH_TREX_SOURCE to a"
    echo "[trex] trex-core checkout, or 'lwtbench trex use DIR' for an installed release)"
    exit 0
fi
echo "[trex] building TRex from $src"
start=$(date +%s)
"$PY" -m lwtbench trex build --source "$src"
echo "[trex] built in $(( $(date +%s) - start )) s; TRex tests will run: $("$PY" -m lwtbench trex show)"
