"""The production proof runs the real topology: `kokreasi serve` processes on PostgreSQL and
Redis. Its machinery lives in ``bench/faults`` (shared with the scripts that print the full
figures), so the repository root must be importable."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
