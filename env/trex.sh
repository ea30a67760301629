#!/usr/bin/env bash
# Make the TRex server available to the test suite: use the install or cached build
# `lwtbench trex show` finds; else build one from a trex-core source, cached in
# /var/cache/lwtbench/trex/<version>-<cpu>[-<profile>] for every later run; else say plainly
# that the TRex tests will not run (pytest then deselects them and repeats it).
#
# The build's profile is $LWTBENCH_TREX_PROFILE, default `veth`: the af_packet driver the
# tests drive veth interfaces with, plus the few NIC drivers TRex's own code calls into, and
# no debug information; it compiles about half of what the `full` profile does (see
# `lwtbench trex build --help` and the README's TRex section for the measured times).
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
profile="${LWTBENCH_TREX_PROFILE:-veth}"
echo "[trex] building TRex (profile $profile) from $src"
start=$(date +%s)
"$PY" -m lwtbench trex build --source "$src" --profile "$profile"
echo "[trex] built in $(( $(date +%s) - start )) s; TRex tests will run: $("$PY" -m lwtbench trex show)"
