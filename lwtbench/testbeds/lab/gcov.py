"""Exact head reallocations per packet, per call site, from GCOV line counts of a lab kernel.

The counting build of a lab kernel profiles only ``net/core/skbuff.o``,
``net/ipv6/ip6_output.o`` and the three ``*_iptunnel.o`` (issue 4). Before and after a
measurement the lab copies each object's ``.gcda`` out of debugfs (counts are differences of
the two snapshots), and this module reads them with ``gcov --json-format --stdout`` against the
``.gcno`` files cached with that very kernel binary (they must match it).

Call sites are found by searching the kernel source text, never by line number, so the same
code works on vanilla, Debian 6.12, fixed and Debian 6.1 trees whose lines differ.

Why header lines: ``skb_cow_head``/``skb_cow`` are ``static inline`` and end in
``__skb_cow``'s ``return pskb_expand_head(...)`` (include/linux/skbuff.h). After inlining, GCC
attributes that statement to the header line, summed over every inline copy in the object
(checked with gcc 12: gcov's JSON gives no per-caller split of inlined lines). So a
``skb_cow_head`` site is per object: in ``seg6_iptunnel.o`` it counts the encap's own
``skb_cow_head`` and the L2 one in the output path together, which is what "reallocations in
the lwt" means; in ``ip6_output.o`` the only ``skb_cow``/``skb_cow_head`` is ``ip6_forward``'s
(checked against the source when reading, or the count is refused). ``skb_expand_head`` in
``ip6_finish_output2`` is a real call on its own line. ``pskb_expand_head``'s own execution
count in ``skbuff.o`` is the total of every reallocation, whoever made it (a cross-check).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputFileError

SKBUFF_H = "include/linux/skbuff.h"


@dataclass(frozen=True)
class CallSite:
    """A place in the kernel where a forwarded packet's head can be reallocated."""

    name: str
    """Key in results: ``<where>:<call>``, e.g. ``seg6_iptunnel:skb_cow_head``."""
    obj: str
    """Profiled object whose ``.gcda`` holds the count, without suffix (``net/ipv6/ip6_output``)."""
    source: str
    """Source file of the counted line, relative to the kernel tree."""
    function: str
    """Function whose body holds the counted line (``__skb_cow`` for the inlined sites)."""
    needle: str
    """Text that appears on the counted line, and on exactly one line of ``function``."""


def _cow_site(name: str, obj: str) -> CallSite:
    return CallSite(name, obj, SKBUFF_H, "__skb_cow", "pskb_expand_head(")


CALL_SITES: tuple[CallSite, ...] = (
    _cow_site("seg6_iptunnel:skb_cow_head", "net/ipv6/seg6_iptunnel"),
    CallSite(
        "seg6_do_srh:pskb_expand_head",
        "net/ipv6/seg6_iptunnel",
        "net/ipv6/seg6_iptunnel.c",
        "seg6_do_srh",
        "pskb_expand_head(",
    ),
    _cow_site("ioam6_iptunnel:skb_cow_head", "net/ipv6/ioam6_iptunnel"),
    _cow_site("rpl_iptunnel:skb_cow_head", "net/ipv6/rpl_iptunnel"),
    _cow_site("ip6_forward:skb_cow", "net/ipv6/ip6_output"),
    CallSite(
        "ip6_finish_output2:skb_expand_head",
        "net/ipv6/ip6_output",
        "net/ipv6/ip6_output.c",
        "ip6_finish_output2",
        "skb_expand_head(",
    ),
)
"""Every site a forwarded IPv6 packet can be reallocated at on the lwt paths."""

TOTAL_SITE = CallSite(
    "pskb_expand_head", "net/core/skbuff", "net/core/skbuff.c", "pskb_expand_head", ""
)
"""Entries into pskb_expand_head itself: all reallocations (cross-check of the sites)."""

PROFILED_OBJECTS: tuple[str, ...] = tuple(sorted({s.obj for s in CALL_SITES} | {TOTAL_SITE.obj}))
"""Objects whose ``.gcda`` the lab copies out after each measurement."""

_FUNC_START = re.compile(r"^[A-Za-z_].*?\b(?P<name>[A-Za-z_]\w*)\s*\(")


def function_span(lines: list[str], function: str, source: str = "?") -> tuple[int, int]:
    """1-based first and last line of the definition of ``function`` in ``lines``.

    A kernel-style definition starts at column 0 (``static int name(``) and ends at the first
    ``}`` in column 0 after its opening brace.
    """
    for i, line in enumerate(lines):
        match = _FUNC_START.match(line)
        if not match or match.group("name") != function or line.rstrip().endswith(";"):
            continue
        # Skip prototypes spanning several lines: a definition reaches "{" before any ";".
        j = i
        while j < len(lines) and "{" not in lines[j] and not lines[j].rstrip().endswith(";"):
            j += 1
        if j >= len(lines) or "{" not in lines[j]:
            continue
        for k in range(j, len(lines)):
            if lines[k].startswith("}"):
                return i + 1, k + 1
    raise InputFileError(
        source,
        f"no definition of {function}() found",
        "is this the tree the kernel was built from?",
    )


def find_site_line(source_text: str, site: CallSite) -> int:
    """1-based number of the line that holds ``site.needle`` inside ``site.function``."""
    lines = source_text.splitlines()
    first, last = function_span(lines, site.function, site.source)
    if not site.needle:
        return first
    hits = [n for n in range(first, last + 1) if site.needle in lines[n - 1]]
    if len(hits) != 1:
        raise InputFileError(
            site.source,
            f"{site.function}() has {len(hits)} lines containing {site.needle!r}, expected 1",
            "the call-site table in lwtbench/testbeds/lab/gcov.py needs updating for this kernel",
        )
    return hits[0]


def count_calls(source_text: str, calls: Iterable[str]) -> int:
    """How many times any of ``calls`` (e.g. ``skb_cow(``) appears in ``source_text``."""
    return sum(len(re.findall(rf"\b{re.escape(c)}\s*\(", source_text)) for c in calls)


@dataclass(frozen=True)
class SiteLines:
    """The resolved line of every call site for one kernel source tree."""

    lines: Mapping[str, int]
    """Site name -> 1-based line in its source file."""


def resolve_sites(source_root: Path, sites: Iterable[CallSite] = CALL_SITES) -> SiteLines:
    """Find every site's line in the tree at ``source_root`` by its text.

    Also refuses a tree where ``ip6_output.c`` has more than one ``skb_cow``/``skb_cow_head``
    call, because then the header count could not be attributed to ``ip6_forward``.
    """
    resolved: dict[str, int] = {}
    cache: dict[str, str] = {}
    for site in (*sites, TOTAL_SITE):
        if site.source not in cache:
            path = source_root / site.source
            try:
                cache[site.source] = path.read_text(errors="replace")
            except OSError as exc:
                raise InputFileError(path, f"cannot read kernel source ({exc})") from exc
        resolved[site.name] = find_site_line(cache[site.source], site)
    ip6 = (source_root / "net/ipv6/ip6_output.c").read_text(errors="replace")
    cows = count_calls(ip6, ("skb_cow", "skb_cow_head"))
    if cows != 1:
        raise InputFileError(
            source_root / "net/ipv6/ip6_output.c",
            f"{cows} skb_cow/skb_cow_head calls, expected only ip6_forward's",
            "split the ip6_forward:skb_cow site before counting on this kernel",
        )
    return SiteLines(resolved)


def run_gcov(gcda_files: Iterable[Path], gcov: str = "gcov") -> list[dict]:
    """``gcov --json-format --stdout`` on each ``.gcda`` (its ``.gcno`` next to it)."""
    docs = []
    for gcda in gcda_files:
        proc = subprocess.run(
            [gcov, "--json-format", "--stdout", gcda.name],
            cwd=gcda.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not proc.stdout.strip():
            raise InputFileError(
                gcda, f"gcov failed ({proc.stderr.strip()[:300]})", "is its .gcno next to it?"
            )
        docs.append(json.loads(proc.stdout))
    return docs


def line_count(doc: dict, source_suffix: str, line: int) -> int:
    """Execution count of ``line`` of the file ending in ``source_suffix`` in a gcov JSON doc.

    A line absent from the output holds no code (0 executions would still be listed).
    """
    for entry in doc["files"]:
        if entry["file"].endswith(source_suffix):
            return sum(x["count"] for x in entry["lines"] if x["line_number"] == line)
    return 0


def function_count(doc: dict, source_suffix: str, function: str) -> int:
    """Execution count of ``function`` (an out-of-line definition) in a gcov JSON doc."""
    for entry in doc["files"]:
        if entry["file"].endswith(source_suffix):
            for func in entry["functions"]:
                if func["name"] == function:
                    return int(func["execution_count"])
    raise InputFileError(source_suffix, f"gcov data has no function {function}()")


def site_counts(docs_by_obj: Mapping[str, dict], site_lines: SiteLines) -> dict[str, int]:
    """Reallocations counted at every call site, plus ``pskb_expand_head`` (the total)."""
    counts: dict[str, int] = {}
    for site in CALL_SITES:
        doc = docs_by_obj.get(site.obj)
        counts[site.name] = (
            0 if doc is None else line_count(doc, site.source, site_lines.lines[site.name])
        )
    total_doc = docs_by_obj.get(TOTAL_SITE.obj)
    if total_doc is not None:
        counts[TOTAL_SITE.name] = function_count(total_doc, TOTAL_SITE.source, "pskb_expand_head")
    return counts


def read_window(window_dir: Path, gcno_dir: Path, site_lines: SiteLines, gcov: str = "gcov"):
    """Counts per site during a window: ``after/`` minus ``before/`` snapshots in the folder."""
    before = read_counts(window_dir / "before", gcno_dir, site_lines, gcov)
    after = read_counts(window_dir / "after", gcno_dir, site_lines, gcov)
    return {k: after[k] - before.get(k, 0) for k in after}


def read_counts(gcda_dir: Path, gcno_dir: Path, site_lines: SiteLines, gcov: str = "gcov"):
    """Counts per site from the ``.gcda`` files under ``gcda_dir`` (laid out as objects).

    ``gcno_dir`` holds the kernel's ``.gcno`` files in the same layout; each is linked next
    to its ``.gcda`` so gcov reads the pair.
    """
    docs: dict[str, dict] = {}
    for obj in PROFILED_OBJECTS:
        gcda = gcda_dir / f"{obj}.gcda"
        if not gcda.exists():
            continue
        gcno = gcda.with_suffix(".gcno")
        if not gcno.exists():
            gcno.symlink_to((gcno_dir / f"{obj}.gcno").resolve())
        docs[obj] = run_gcov([gcda], gcov)[0]
    if not docs:
        raise InputFileError(gcda_dir, "no .gcda files copied out of the lab kernel")
    return site_counts(docs, site_lines)
