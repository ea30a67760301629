#!/usr/bin/env bash
# Create or refresh everything the project needs on a Debian machine, as root:
# the Debian packages in env/apt-packages.txt and a virtual environment in .venv
# with the project installed (editable) and its test/notebook extras.
#
#   env/setup.sh            apt packages + venv (idempotent; fast when nothing changed)
#   env/setup.sh --no-apt   venv only (no root needed)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
venv="${LWTBENCH_VENV:-$top/.venv}"
python="${PYTHON:-python3}"
stamp_dir="$venv/.lwtbench-stamps"

want_apt=1
[ "${1:-}" = "--no-apt" ] && want_apt=0

log() { printf '[setup] %s\n' "$*" >&2; }

if [ "$want_apt" = 1 ]; then
    mapfile -t pkgs < <(grep -vE '^\s*(#|$)' "$here/apt-packages.txt")
    missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "$(id -u)" != 0 ]; then
            log "missing Debian packages: ${missing[*]}"
            log "run env/setup.sh as root, or install them with apt-get, or use --no-apt"
            exit 1
        fi
        log "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # Debian's newest kernel source (linux-source-7.2) is in sid only: fetched through a
    # private apt configuration, never by adding sid to this system's sources.
    if ! python3 "$here/fetch_sid_kernel_source.py" --check 2>/dev/null; then
        if [ "$(id -u)" != 0 ]; then
            log "missing linux-source-7.2: run env/setup.sh (or env/fetch_sid_kernel_source.py) as root"
            exit 1
        fi
        log "installing linux-source-7.2 from Debian sid (private apt lists)"
        python3 "$here/fetch_sid_kernel_source.py"
    fi
fi

if [ ! -x "$venv/bin/python" ]; then
    log "creating virtual environment $venv"
    "$python" -m venv "$venv"
fi
mkdir -p "$stamp_dir"
# Reinstall only when the dependency declaration changed.
digest="$(sha256sum "$top/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp_dir/$digest" ]; then
    log "installing the project and its extras into $venv"
    "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$venv/bin/python" -m pip install -q -e "$top[dev,trex]"
    "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
    rm -f "$stamp_dir"/*
    touch "$stamp_dir/$digest"
fi
log "environment ready: $venv"
