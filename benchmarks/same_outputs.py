"""Do two ``lwtbench figures`` output folders hold the same claims and byte-identical figures?

    .venv/bin/python benchmarks/same_outputs.py REFERENCE [CANDIDATE]

Without CANDIDATE, ``lwtbench figures --data data`` is run into a temporary folder first.
Compares every PNG byte for byte and the claims table (``claims.md``, ``claims.json``); PDFs
and executed notebooks carry dates and are not compared. Used to check that a refactoring
changed no result: make REFERENCE from the commit before it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

COMPARED = ("*.png", "claims.md", "claims.json")


def compared_files(root: Path) -> set[Path]:
    """Files under ``root`` that must be identical, relative to it (notebooks/ excluded)."""
    out = set()
    for pattern in COMPARED:
        for path in root.rglob(pattern):
            rel = path.relative_to(root)
            if rel.parts[0] != "notebooks":
                out.add(rel)
    return out


def differences(reference: Path, candidate: Path) -> list[str]:
    """One line per file that is missing on either side or differs."""
    ref, cand = compared_files(reference), compared_files(candidate)
    lines = [f"only in {reference}: {p}" for p in sorted(ref - cand)]
    lines += [f"only in {candidate}: {p}" for p in sorted(cand - ref)]
    for rel in sorted(ref & cand):
        if (reference / rel).read_bytes() != (candidate / rel).read_bytes():
            lines.append(f"differs: {rel}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reference", type=Path, help="output folder of the reference commit")
    parser.add_argument("candidate", type=Path, nargs="?", help="default: a fresh figures run")
    parser.add_argument("--data", default="data", help="data folder for the fresh run")
    args = parser.parse_args(argv)
    if not compared_files(args.reference):
        print(f"{args.reference}: no figures or claims table here", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="lwtb-same-") as tmp:
        candidate = args.candidate
        if candidate is None:
            candidate = Path(tmp)
            cmd = [sys.executable, "-m", "lwtbench", "figures", "--data", args.data]
            subprocess.run([*cmd, "--output-dir", str(candidate)], check=True)
        diff = differences(args.reference, candidate)
        count = len(compared_files(args.reference))
    for line in diff:
        print(line)
    print(f"{count} files compared, {len(diff)} differences")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
