#!/usr/bin/env bash
# `make test`'s pytest part. The virtual DUT tests (marker vm) spend their time in one QEMU
# thread (the guest under emulation) while the rest of the suite mostly needs one core too, so
# on a two-core machine the two halves run side by side, in two pytest processes: the VM half's
# output is kept in a file and printed when both are done, the other half prints as it goes.
# Arguments go to pytest; with any (a chosen test, a -k, a -m) one pytest runs them as given.
#
# Before the non-VM half starts, the lab's UML kernels (every variant, counting flavour: what
# the suite boots) are built into the cache if absent. Tests build a missing kernel themselves,
# but within their own time limits, and on a new machine the first build (cold ccache, one core
# taken by the VM half's guest) outlasted the 900 s of the first lab test that needed it.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

if [ "$#" -gt 0 ]; then
    exec "$PY" -m pytest "$@"
fi

log=$(mktemp /tmp/lwtb-test-vm.XXXXXX)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
echo "[test] two pytest processes side by side: 'not vm' (below, live) and 'vm' (printed at the end)"
"$PY" -m pytest -m vm >"$log" 2>&1 &
vm=$!
kstart=$(date +%s)
echo "[test] the lab's UML kernels: building those the cache lacks (lwtbench kernel build --kernel all)"
if "$PY" -m lwtbench kernel build --kernel all; then
    echo "[test] UML kernels ready in $(($(date +%s) - kstart)) s"
    "$PY" -m pytest -m "not vm"
    rest_rc=$?
else
    rest_rc=$?
    echo "[test] the UML kernel build failed (exit $rest_rc, its log is named above):" \
        "the tests not marked vm were not run"
fi
wait "$vm"
vm_rc=$?
echo "[test] ---- the virtual DUT tests (-m vm) ----"
cat "$log"
echo "[test] tests not marked vm: exit $rest_rc; virtual DUT tests: exit $vm_rc;" \
    "$(($(date +%s) - start)) s wall"
[ "$rest_rc" -eq 0 ] && [ "$vm_rc" -eq 0 ]
