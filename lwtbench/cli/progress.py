"""Progress of long commands on stderr, with elapsed time and an estimate of the time left.

The runners report progress as text lines (``[3/40] <search>: ...``, ``vanilla: 26/200 ...``,
``fixed: 4/30 rounds``); a count ``DONE/TOTAL`` in a line is what the estimate is made from,
per label (the text before the count: a kernel variant, or the command's own name). On a
terminal each label gets a tqdm bar; elsewhere (a log file, CI) each line is printed with
``[elapsed, left]`` appended, so nothing depends on carriage returns. stdout is never used:
a ``--json`` report there stays one clean document.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from tqdm import tqdm

COUNT_RE = re.compile(r"(?:^|(?<=[\s\[]))(\d+)/(\d+)(?=[\]\s:,]|$)")
"""``DONE/TOTAL`` as the runners write it (a path such as ``a/b`` has no digits on both sides)."""


@dataclass
class _Track:
    """One label's count: when its first count arrived, and at which value."""

    start: float
    first_done: int
    total: int
    bar: tqdm | None = None


def remaining_s(done: int, total: int, first_done: int, elapsed_s: float) -> float | None:
    """Seconds left at the rate seen since the first count, None until there is a rate."""
    if done <= first_done or elapsed_s <= 0:
        return None
    rate = (done - first_done) / elapsed_s
    return max(total - done, 0) / rate


@dataclass
class Progress:
    """Callable given to the runners as their ``progress``: ``Progress("run")(line)``."""

    name: str
    """Label of counts whose line has no text before them (``[3/40] ...``)."""
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    bars: bool | None = None
    """tqdm bars (True), plain lines (False), or bars only when ``stream`` is a terminal."""
    started: float = field(default_factory=lambda: time.monotonic())
    tracks: dict[str, _Track] = field(default_factory=dict)
    last: float | None = None
    """When the previous line arrived (None: none yet, the start counts)."""

    def __post_init__(self) -> None:
        if self.bars is None:
            self.bars = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, line: str) -> None:
        now = time.monotonic()
        before, self.last = (self.started if self.last is None else self.last), now
        m = COUNT_RE.search(line)
        if m is None:
            self._write(f"{line}  [{tqdm.format_interval(now - self.started)}]")
            return
        done, total = int(m.group(1)), int(m.group(2))
        label = line[: m.start()].strip(" [:") or self.name
        track = self.tracks.get(label)
        if track is None or track.total != total or done < track.first_done:
            if track is not None and track.bar is not None:
                track.bar.close()
            # A label's first count is the work done since the line before it (the runners
            # count what is left to do, from 0).
            track = self.tracks[label] = _Track(before, 0, total)
            if self.bars:
                track.bar = tqdm(
                    total=total, initial=track.first_done, desc=label, file=self.stream
                )
        if track.bar is not None:
            track.bar.set_postfix_str(line[m.end() :].strip(" ]:")[:40], refresh=False)
            track.bar.update(done - track.bar.n)
            return
        left = remaining_s(done, total, track.first_done, now - track.start)
        eta = "?" if left is None else tqdm.format_interval(left)
        self._write(f"{line}  [{tqdm.format_interval(now - self.started)} elapsed, {eta} left]")

    def _write(self, text: str) -> None:
        if any(t.bar is not None for t in self.tracks.values()):
            tqdm.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        for track in self.tracks.values():
            if track.bar is not None:
                track.bar.close()
        self.tracks.clear()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
