"""The memory estimate (sim/memory.py) against the measured peak of real runs, each in a fresh process.

    python benchmarks/bench_memory.py

For each configuration: the estimate of the engine's arrays and the growth of the process's peak resident memory
during the run, after a warm-up on the same configuration at one replicate (so that no compilation falls inside
the measurement). The estimate should lie between 1x and 4x the measured growth. A measurement, not a test: it
depends on the allocator, the numba cache and what else the process has loaded (moved out of the test suite after
it measured ~760 MB of growth in a full CI run against ~270 MB alone).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = (["replicates=16", "scenario.organisations.count=5000"],
           ["replicates=16", "scenario.agenda_items=2000"],
           ["replicates=32", "scenario.organisations.count=20000", "variants=none"])
MEASURE = """
import gc, json, resource, numpy as np
from experiments.config import load
from sim.runner import run_replicates
from sim.scenario import build_world
from sim import memory
cfg = load({over!r})
one = load({over!r} + ["replicates=1"])
run_replicates(build_world(one.scenario, 1), one.params, one.rules, 1, np.arange(1), one.variants, one.chunk_size)
gc.collect()
before = int(open("/proc/self/statm").read().split()[1]) * 4096
w = build_world(cfg.scenario, cfg.seed)
run_replicates(w, cfg.params, cfg.rules, cfg.seed, np.arange(cfg.replicates), cfg.variants, cfg.chunk_size)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"grown": peak - before, "arrays": memory.estimate(cfg).total - memory.BASE_BYTES}}))
"""


def main() -> list[dict]:
    rows = []
    for over in CONFIGS:
        done = subprocess.run([sys.executable, "-c", MEASURE.format(over=over)], cwd=ROOT, capture_output=True,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
        found = json.loads(done.stdout.strip().splitlines()[-1])
        found["ratio"] = round(found["arrays"] / max(found["grown"], 1), 2)
        rows.append({"config": " ".join(over), **found})
        print(f"{' '.join(over):60s} estimate {found['arrays'] / 2**20:8.0f} MB  grown {found['grown'] / 2**20:8.0f} MB"
              f"  ratio {found['ratio']}")
    return rows


if __name__ == "__main__":
    main()
