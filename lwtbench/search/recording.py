"""A Measurer wrapper that commits every trial as it finishes and replays them on resume.

Both controllers are deterministic functions of the trial results they see (MLRsearch's
selectors and the stepped sweep alike), so a search interrupted after k trials is resumed by
answering its first k requests from the stored rows and measuring from k on: no finished
trial is repeated and none is lost. A request that differs from the stored one means the
controller or its settings changed between runs; that stops the resume with an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

from .trial import Measurer, TrialResult


class ReplayMismatchError(RuntimeError):
    """A resumed search asked for a different trial than the one recorded."""


class RecordingMeasurer:
    """Wraps a testbed's Measurer: replays ``replay`` first, then measures and reports."""

    def __init__(
        self,
        inner: Measurer,
        on_trial: Callable[[int, TrialResult], None],
        replay: Sequence[TrialResult] = (),
    ) -> None:
        self.inner = inner
        self.on_trial = on_trial
        self.replay = list(replay)
        self.trials: list[TrialResult] = []
        self.next_is_warmup = False

    @property
    def replayed(self) -> int:
        return min(len(self.trials), len(self.replay))

    def measure(self, intended_load_pps: float, duration_s: float) -> TrialResult:
        index = len(self.trials)
        warmup = self.next_is_warmup
        self.next_is_warmup = False
        if index < len(self.replay):
            stored = self.replay[index]
            if not (
                math.isclose(stored.intended_load_pps, intended_load_pps, rel_tol=1e-9)
                and math.isclose(stored.duration_s, duration_s, rel_tol=1e-9)
                and stored.warmup == warmup
            ):
                raise ReplayMismatchError(
                    f"trial {index}: the search now asks for {intended_load_pps} pps for "
                    f"{duration_s} s (warmup={warmup}) but the run recorded "
                    f"{stored.intended_load_pps} pps for {stored.duration_s} s "
                    f"(warmup={stored.warmup}); the search settings changed since the run "
                    "began: start a new run instead of --resume"
                )
            self.trials.append(stored)
            return stored
        trial = self.inner.measure(intended_load_pps, duration_s)
        if warmup:
            trial = replace(trial, warmup=True)
        self.trials.append(trial)
        self.on_trial(index, trial)
        return trial
