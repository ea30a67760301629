"""The lab's UML kernels: built (or taken from the cache), booted, and asked who they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from lwtbench.errors import ParameterError
from lwtbench.kernel.build import ensure_uml_kernel
from lwtbench.kernel.uml import boot, command_line, write_init_script
from lwtbench.kernel.variants import VARIANT_NAMES, get_variant


def test_command_line_passes_env_as_kernel_arguments():
    args = command_line(Path("/k/linux"), Path("/t/init"), {"variant": "vanilla", "n": "13"})
    assert args[:8] == [
        "/k/linux",
        "mem=512M",
        "rootfstype=hostfs",
        "rootflags=/",
        "rw",
        "init=/t/init",
        "con=null",
        "con0=null,fd:1",
    ]
    assert args[-2:] == ["variant=vanilla", "n=13"]


@pytest.mark.parametrize("env", [{"a b": "1"}, {"x": "two words"}, {"x": ""}, {"x": "'q'"}])
def test_command_line_refuses_what_the_kernel_would_split(env):
    with pytest.raises(ParameterError):
        command_line(Path("/k/linux"), Path("/t/init"), env)


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_uml_kernel_builds_boots_reports_its_variant_and_powers_off(variant, tmp_path):
    kernel = ensure_uml_kernel(variant, "counting")
    assert kernel.release == get_variant(variant).release
    assert kernel.gcno_dir is not None
    assert (kernel.gcno_dir / "net/ipv6/seg6_iptunnel.gcno").is_file()
    script = write_init_script(
        tmp_path / "init",
        'echo "lwtb-release=$(uname -r) lwtb-arg=$lwtb_arg"\n'
        'grep -q " /run tmpfs" /proc/mounts && echo lwtb-run-is-tmpfs\n'
        'ls "/sys/kernel/debug/gcov$gcov_dir/net/ipv6/seg6_iptunnel.gcda" && echo lwtb-gcov\n',
    )
    build_dir = kernel.manifest["build_dir"]
    result = boot(kernel, script, {"lwtb_arg": variant, "gcov_dir": build_dir}, timeout_s=120)
    assert f"lwtb-release={kernel.release} lwtb-arg={variant}" in result.output, result.output
    assert "lwtb-run-is-tmpfs" in result.output
    assert "lwtb-gcov" in result.output
    assert result.powered_off and result.returncode == 0, result.output[-2000:]
