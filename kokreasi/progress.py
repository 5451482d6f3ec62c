"""The one progress bar of the command line: ``label [#####-----]  50% 130/260 events
41,000/s 0:00:03 left`` redrawn on one line of stderr, at most ten times a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_EVERY_S = 0.1  # redrawing more often only slows the work it reports on


class ProgressBar:
    def __init__(
        self, label: str = "", stream: TextIO | None = None, *, unit: str = "",
        force: bool = False,
    ) -> None:
        # Looked up when the bar is made, not when this module was imported: stderr may
        # have been replaced since (a test's capture, a redirecting caller).
        self.stream = stream if stream is not None else sys.stderr
        self.label = f"{label} " if label else ""
        self.unit = f" {unit}" if unit else ""
        # A log file or a pipe gets no bar: carriage returns would fill it with lines.
        self.enabled = force or self.stream.isatty()
        self.started = time.monotonic()
        self._last_drawn = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last_drawn < REDRAW_EVERY_S:
            return
        self._last_drawn = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        fraction = done / total if total else 1.0
        left = (total - done) / rate if rate > 0 else 0.0
        filled = int(WIDTH * fraction)
        self.stream.write(
            f"\r{self.label}[{'#' * filled}{'-' * (WIDTH - filled)}] {fraction:4.0%} "
            f"{done}/{total}{self.unit}  {rate:,.0f}/s  "
            f"{time.strftime('%H:%M:%S', time.gmtime(left))} left"
        )
        self.stream.flush()
        self._shown = True

    def close(self, summary: str = "") -> None:
        """End the bar's line; ``summary`` (e.g. "rebuilt from 11 events in 0.3 s") follows."""
        if self._shown:
            self.stream.write("\n")
        if summary and self.enabled:
            self.stream.write(summary + "\n")
        self.stream.flush()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started
