"""Engine benchmarks (issue 2): one full default run, batched throughput, and the batched core against a per-agent
Mesa implementation of the same session step. Run: python benchmarks/bench_engine.py  (writes results as JSON)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.per_agent import LoopingSessionModel  # noqa: E402
from sim import presets  # noqa: E402
from sim.engine import Negotiation  # noqa: E402
from sim.runner import variant_masks  # noqa: E402
from sim.scenario import build_world  # noqa: E402


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def main() -> dict:
    world = build_world(presets.scenario(), 1)
    params, rules = presets.params(), presets.rules()
    Negotiation(world, params, rules, 1, [0]).run()                          # compile / load the numba cache
    out = {}
    best, med = best_of(lambda: Negotiation(world, params, rules, 1, [0]).run(), 30)
    out["single_run_ms"] = {"best": best * 1e3, "median": med * 1e3}
    r_ = 512
    best, _ = best_of(lambda: Negotiation(world, params, rules, 1, np.arange(r_)).run(), 3)
    out["batched_replicates_per_s"] = r_ / best
    _, masks = variant_masks(world, "leave_one_type_out")
    r_ = 64
    best, _ = best_of(lambda: Negotiation(world, params, rules, 1, np.arange(r_), masks).run(), 3)
    out["batched_replicate_runs_per_s_with_8_variants"] = r_ * len(masks) / best
    # one session step: batched core (per row) vs per-agent Mesa loops
    neg = Negotiation(world, params, rules, 1, np.arange(256))
    rows = np.arange(256)
    best, _ = best_of(lambda: neg._session(rows, 0), 5)
    batched_per_row = best / 256
    one = Negotiation(world, params, rules, 1, [0])
    loop_best, _ = best_of(lambda: LoopingSessionModel(one, 0).step(), 2)
    out["session_step_ms"] = {"batched_per_replicate": batched_per_row * 1e3, "per_agent_mesa": loop_best * 1e3,
                              "speed_up": loop_best / batched_per_row}
    return out


if __name__ == "__main__":
    res = main()
    print(json.dumps(res, indent=2))
    path = Path(__file__).parent / "results" / "bench_engine.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(res, indent=2))
