#!/usr/bin/env python3
"""Install one kernel source package from Debian's ``sid`` suite without adding sid to apt.

    env/fetch_sid_kernel_source.py            # linux-source-7.2 7.2.13-1 (run as root)
    env/fetch_sid_kernel_source.py --check    # exit 0 if it is installed, 1 if not

The package (``linux-source-7.2``: one tarball in /usr/src, depending only on binutils and
xz-utils) comes from the same Debian mirror the system's apt sources use, through a private
apt configuration under the kernel cache (its own sources list, lists and archive folders):
the system's sources, lists and pins are never changed, so no other package can come from sid.
The mirror is read from /etc/apt/sources.list{,.d} at run time; nothing names a host here.
Idempotent: nothing is fetched when that version is already installed.

System python3 only (it runs before the project's virtual environment exists).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = "linux-source-7.2"
VERSION = "7.2.13-1"
"""The Debian version the project's kernel variant was made and checked against."""

SUITE = "sid"
APT_SOURCES = Path("/etc/apt/sources.list")
APT_SOURCES_D = Path("/etc/apt/sources.list.d")
DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


class FetchError(Exception):
    """One clear message: what failed and what to do."""


def installed_version(package: str) -> str | None:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Status}|${Version}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    status, _, version = out.stdout.partition("|")
    return version if out.returncode == 0 and status.endswith("install ok installed") else None


def _deb822_stanzas(text: str) -> list[dict[str, str]]:
    stanzas, current, key = [], {}, None
    for line in text.splitlines():
        if not line.strip():
            if current:
                stanzas.append(current)
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line[0] in " \t" and key:
            current[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def system_debian_sources() -> list[tuple[str, str, str]]:
    """(uri, suite, keyring) of every enabled ``deb`` source with the ``main`` component."""
    found: list[tuple[str, str, str]] = []
    for path in sorted(APT_SOURCES_D.glob("*.sources")):
        for st in _deb822_stanzas(path.read_text(encoding="utf-8", errors="replace")):
            if "deb" not in st.get("types", "").split() or st.get("enabled", "yes") == "no":
                continue
            if "main" not in st.get("components", "").split():
                continue
            for uri in st.get("uris", "").split():
                for suite in st.get("suites", "").split():
                    found.append((uri, suite, st.get("signed-by", DEFAULT_KEYRING)))
    one_line = [APT_SOURCES, *sorted(APT_SOURCES_D.glob("*.list"))]
    for path in one_line:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            m = re.match(r"\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)", line)
            if not m or "main" not in m.group(4).split():
                continue
            opts = dict(o.split("=", 1) for o in (m.group(1) or "").split() if "=" in o)
            found.append((m.group(2), m.group(3), opts.get("signed-by", DEFAULT_KEYRING)))
    return found


def debian_mirror() -> tuple[str, str]:
    """The URI and keyring of the system's main Debian archive (not security, not updates)."""
    for uri, suite, keyring in system_debian_sources():
        if "-" not in suite and uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/"), keyring
    raise FetchError(
        f"no Debian archive with the main component in {APT_SOURCES} or {APT_SOURCES_D}: "
        "add the Debian mirror this machine uses, or install "
        f"{PACKAGE} {VERSION} by hand (dpkg -i)"
    )


def apt_options(home: Path) -> list[str]:
    """apt options that make every list, cache and source private to ``home``."""
    return [
        "-o",
        f"Dir::Etc::SourceList={home / 'sources.list'}",
        "-o",
        f"Dir::Etc::SourceParts={home / 'sources.list.d'}",
        "-o",
        f"Dir::State::Lists={home / 'lists'}",
        "-o",
        f"Dir::Cache={home / 'cache'}",
        "-o",
        "APT::Sandbox::User=root",
    ]


def fetch(home: Path) -> Path:
    """Download PACKAGE=VERSION from sid into ``home``; the .deb's path."""
    uri, keyring = debian_mirror()
    for sub in ("sources.list.d", "lists/partial", "cache/archives/partial"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "sources.list").write_text(f"deb [signed-by={keyring}] {uri} {SUITE} main\n")
    opts = apt_options(home)
    update = subprocess.run(["apt-get", *opts, "-q", "update"], capture_output=True, text=True)
    if update.returncode != 0:
        raise FetchError(f"apt-get update of {uri} {SUITE} failed: {update.stderr.strip()}")
    download = subprocess.run(
        ["apt-get", *opts, "-q", "download", f"{PACKAGE}={VERSION}"],
        cwd=home,
        capture_output=True,
        text=True,
    )
    if download.returncode != 0:
        raise FetchError(
            f"{PACKAGE} {VERSION} is not in {uri} {SUITE} ({download.stderr.strip()}); if sid "
            "moved on, update VERSION here and the variant in lwtbench/kernel/variants.py"
        )
    deb = home / f"{PACKAGE}_{VERSION.replace(':', '%3a')}_all.deb"
    if not deb.is_file():
        raise FetchError(f"apt-get download left no {deb.name} in {home}")
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is installed")
    args = parser.parse_args(argv)
    have = installed_version(PACKAGE)
    if have == VERSION:
        print(f"{PACKAGE} {VERSION} installed", file=sys.stderr)
        return 0
    if args.check:
        print(f"{PACKAGE} {VERSION} not installed (have: {have or 'none'})", file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print(f"installing {PACKAGE} needs root: run {sys.argv[0]} as root", file=sys.stderr)
        return 1
    home = Path(os.environ.get("LWTBENCH_CACHE") or "/var/cache/lwtbench") / "apt-sid"
    try:
        deb = fetch(home)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    subprocess.run(["dpkg", "-i", str(deb)], check=True, stdout=subprocess.DEVNULL)
    print(f"{PACKAGE} {VERSION} installed from {SUITE} ({deb})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
