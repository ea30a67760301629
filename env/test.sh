#!/usr/bin/env bash
# `make test`'s pytest part. The virtual DUT tests (marker vm) spend their time in one QEMU
# thread (the guest under emulation) while the rest of the suite mostly needs one core too, so
# on a two-core machine the two halves run side by side, in two pytest processes: the VM half's
# output is kept in a file and printed when both are done, the other half prints as it goes.
# Arguments go to pytest; with any (a chosen test, a -k, a -m) one pytest runs them as given.
#
# First the lab's UML kernels (every variant, counting flavour: what the suite boots) are built
# into the cache if absent. Tests build a missing kernel themselves, but within their own time
# limits: on a new machine the first cold build outlasted the 900 s of the first lab test that
# needed it. The two halves start after the build, not beside it: a guest under emulation
# beside `make -j2` gets about a third of a core (a CI run's grub test, one install and three
# reboots, went past its 900 s there), while beside the non-VM half each gets about a core
# (the same test: 541-620 s on a new 2-core machine).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

if [ "$#" -gt 0 ]; then
    exec "$PY" -m pytest "$@"
fi

log=$(mktemp /tmp/lwtb-test-vm.XXXXXX)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
echo "[test] the lab's UML kernels: building those the cache lacks (lwtbench kernel build --kernel all)"
"$PY" -m lwtbench kernel build --kernel all
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "[test] the UML kernel build failed (exit $rc, its log is named above): no test was run"
    exit "$rc"
fi
echo "[test] UML kernels ready in $(($(date +%s) - start)) s"
echo "[test] two pytest processes side by side: 'not vm' (below, live) and 'vm' (printed at the end)"
"$PY" -m pytest -m vm >"$log" 2>&1 &
vm=$!
"$PY" -m pytest -m "not vm"
rest_rc=$?
wait "$vm"
vm_rc=$?
echo "[test] ---- the virtual DUT tests (-m vm) ----"
cat "$log"
echo "[test] tests not marked vm: exit $rest_rc; virtual DUT tests: exit $vm_rc;" \
    "$(($(date +%s) - start)) s wall"
[ "$rest_rc" -eq 0 ] && [ "$vm_rc" -eq 0 ]
