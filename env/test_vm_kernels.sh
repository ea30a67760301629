#!/usr/bin/env bash
# `make test-vm-kernels`: the tests that need the project's vanilla and fixed .deb packages
# (marker deb_build), built first when the cache lacks them. The two modules each run a
# virtual DUT of their own under one TCG thread, so they run side by side on a two-core
# machine, each in its own pytest, and their outputs are printed one after the other.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export LWTBENCH_DEB_BUILD=1
"$PY" - <<'PY' || exit 1
from lwtbench.kernel.deb import ensure_deb
for variant in ("vanilla", "fixed"):
    print(f"[vm-kernels] {variant}: {ensure_deb(variant).image.name}", flush=True)
PY
logs=$(mktemp -d /tmp/lwtb-vm-kernels.XXXXXX)
trap 'rm -rf "$logs"' EXIT
"$PY" -m pytest tests/vm -m deb_build "$@" >"$logs/grub-counts.log" 2>&1 &
counts=$!
"$PY" -m pytest tests/testbeds/test_trex_vm.py -m deb_build "$@" >"$logs/trex-vm.log" 2>&1 &
trex=$!
wait "$counts"; counts_rc=$?
wait "$trex"; trex_rc=$?
for name in grub-counts trex-vm; do
    echo "[vm-kernels] ---- $name ----"
    cat "$logs/$name.log"
done
echo "[vm-kernels] grub counts: exit $counts_rc; TRex -> virtual DUT: exit $trex_rc"
if [ "$trex_rc" -eq 5 ]; then
    # pytest's "no test selected": tests/testbeds/conftest.py deselected it for want of a TRex
    # build and its log above says so; the grub counts still decide
    echo "[vm-kernels] TRex -> virtual DUT NOT RUN: no TRex build (env/trex.sh builds one)"
    trex_rc=0
fi
[ "$counts_rc" -eq 0 ] && [ "$trex_rc" -eq 0 ]
