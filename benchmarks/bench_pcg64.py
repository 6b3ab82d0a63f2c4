"""Issue 15: the hand-written LLVM PCG64 (sim/core/pcg64.py) against numba's own np.random.Generator support (numpy's
numbers drawn inside jitted code). Prints ns per uniform for both, whether the numbers are identical, the machine,
load and date. Run: python -m benchmarks.bench_pcg64"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime

import numpy as np
from numba import njit

from sim.core.pcg64 import fill_uniform
from sim.core.seeds import Purpose, state_words, streams

REPLICATES, NUMBERS, REPEAT = 64, 38_600, 7    # the accreditation draw's size per replicate (N x O)


@njit(cache=True)
def _numba_fill(gen, out):
    """One stream's uniforms through numba's Generator support (numpy's algorithm, its bit generator)."""
    for j in range(out.shape[0]):
        out[j] = gen.random()


def _library(reps, out):
    for j, gen in enumerate(streams(1, Purpose.ACCREDITATION, reps)):
        _numba_fill(gen, out[j])


def _compiled(reps, out):
    fill_uniform(state_words(1, Purpose.ACCREDITATION, reps), out)


def main() -> dict:
    reps = np.arange(REPLICATES)
    a, b = np.empty((REPLICATES, NUMBERS)), np.empty((REPLICATES, NUMBERS))
    _library(reps, a)
    _compiled(reps, b)
    best = {"numba Generator": np.inf, "pcg64.py": np.inf}
    for _ in range(REPEAT):                     # interleaved, process CPU time, min of REPEAT
        for name, fn, out in (("numba Generator", _library, a), ("pcg64.py", _compiled, b)):
            t0 = time.process_time()
            fn(reps, out)
            best[name] = min(best[name], time.process_time() - t0)
    return {"ns_per_uniform": {k: v / (REPLICATES * NUMBERS) * 1e9 for k, v in best.items()},
            "identical_numbers": bool(np.array_equal(a, b)),
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
            "load": os.getloadavg(), "date": datetime.now(UTC).isoformat(timespec="minutes")}


if __name__ == "__main__":
    print(main())
