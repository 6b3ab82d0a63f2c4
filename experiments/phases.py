"""Wall seconds of each phase of the last command in this process (imports and compose are measured by the command
line, the rest by ``experiments.run``); written to a run's manifest as timings, not results (benchmarks/bench_cli.py
reads them). A module of its own so that the command line can time its compose without importing the model."""

from __future__ import annotations

import time
from contextlib import contextmanager

PHASES: dict[str, float] = {}


@contextmanager
def phase(name: str):
    """Time the block as PHASES[name] (wall seconds, replacing an earlier value of that name)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] = round(time.perf_counter() - started, 3)
