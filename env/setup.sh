#!/usr/bin/env bash
# Create or refresh everything the project needs on a Debian machine:
# the Debian packages in env/apt-packages.txt (as root) and a virtual environment in .venv
# holding exactly the versions of requirements.lock (hash-checked, from PyPI) and the project
# itself (editable).
#
#   env/setup.sh            apt packages + venv (what `make test` and the lab need; root)
#   env/setup.sh --no-apt   venv only (what `make figures` and `make lab` need; no root)
#
# Idempotent: once the venv matches pyproject.toml and requirements.lock, a second call
# touches no network. PYTHON chooses the interpreter (Python 3.11: the TRex client,
# lbr-trex-client 3.4, imports on 3.11 only); LWTBENCH_VENV the venv folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
venv="${LWTBENCH_VENV:-$top/.venv}"
python="${PYTHON:-python3}"
lock="$top/requirements.lock"
stamp_dir="$venv/.lwtbench-stamps"
want_python="3.11"

want_apt=1
case "${1:-}" in
    "") ;;
    --no-apt) want_apt=0 ;;
    *) printf 'usage: env/setup.sh [--no-apt]\n' >&2; exit 2 ;;
esac

log() { printf '[setup] %s\n' "$*" >&2; }

python_version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

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
            log "(--no-apt is enough for make figures and make lab)"
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
    if ! command -v "$python" >/dev/null; then
        log "no interpreter '$python': install Python $want_python or set PYTHON=/path/to/python$want_python"
        exit 1
    fi
    found="$(python_version "$python")"
    if [ "$found" != "$want_python" ]; then
        log "'$python' is Python $found; the project is pinned to $want_python (pyproject.toml requires-python)"
        log "set PYTHON=/path/to/python$want_python (Debian 12: apt-get install python3 python3-venv)"
        exit 1
    fi
    log "creating virtual environment $venv (Python $found)"
    "$python" -m venv "$venv"
fi
found="$(python_version "$venv/bin/python")"
if [ "$found" != "$want_python" ]; then
    log "$venv is Python $found, not $want_python: remove it (rm -r $venv) and run env/setup.sh again"
    exit 1
fi

mkdir -p "$stamp_dir"
# Reinstall only when the dependency declaration or the lock changed.
digest="$(cat "$top/pyproject.toml" "$lock" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp_dir/$digest" ]; then
    log "installing requirements.lock and the project into $venv"
    "$venv/bin/python" -m pip install -q --require-hashes -r "$lock"
    "$venv/bin/python" -m pip install -q --no-deps -e "$top"
    "$venv/bin/python" -m pip check >/dev/null
    "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
    rm -f "$stamp_dir"/*
    touch "$stamp_dir/$digest"
fi
log "environment ready: $venv"
