#!/usr/bin/env bash
# The project's own .deb kernels switched by grub in the virtual DUT (`make test-vm-kernels`),
# counted by `vm count`'s grub path, and TRex driving it (env/test_vm_kernels.sh runs the two side
# by side), run by CI when their packages are cached (a warm machine:
# 8 min at load 2.4-4.6, 24 min at load 5-9.5 beside two other VMs). On a new machine
# the two .deb builds alone take 40-65 min on 2 cores, which does not fit CI's 75-minute
# budget beside the UML kernels and TRex, so there it says plainly that they did not run and
# how to run them. `make test` always runs the same grub switch with Debian's generic kernel
# (tests/vm/test_vm_grub.py), so the hardware path itself is tested on every machine.
# LWTBENCH_VM_KERNELS=build runs them anyway (building what is missing); =skip never.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mode="${LWTBENCH_VM_KERNELS:-cached}"
if [ "$mode" = skip ]; then
    echo "[vm-kernels] not run: LWTBENCH_VM_KERNELS=skip"
    exit 0
fi
missing=$("$PY" - <<'PY'
from lwtbench.kernel.deb import cached_deb
print(" ".join(v for v in ("vanilla", "fixed") if cached_deb(v) is None))
PY
)
if [ -n "$missing" ] && [ "$mode" != build ]; then
    echo "[vm-kernels] NOT RUN: no cached .deb for: $missing (a cold build takes 40-65 min on"
    echo "[vm-kernels] 2 cores). Run 'make test-vm-kernels' (it builds them), or set"
    echo "[vm-kernels] LWTBENCH_VM_KERNELS=build for CI. The grub switch itself ran in 'make test'."
    exit 0
fi
echo "[vm-kernels] running make test-vm-kernels (vanilla and fixed .deb in the virtual DUT)"
start=$(date +%s)
make test-vm-kernels
echo "[vm-kernels] done in $(( $(date +%s) - start )) s"
