"""Engine benchmarks (issue 2): one full default run, batched throughput, and the batched core against a per-agent
Mesa implementation of the same session step. Run: python benchmarks/bench_engine.py  (writes the results as JSON and
the side-by-side chart as benchmarks/results/session_step.{png,svg,pdf} with a caption)."""

from __future__ import annotations

import json
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.per_agent import LoopingSessionModel  # noqa: E402
from sim import plotting, presets  # noqa: E402
from sim.engine import Negotiation  # noqa: E402
from sim.runner import variant_masks  # noqa: E402
from sim.scenario import build_world  # noqa: E402


def best_of(fn, repeat, clock=time.perf_counter):
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times), float(np.median(times))


TARGET_PER_CPU_S = 2000        # issue 17: replicate-runs per second per core
BATCHES = (16, 64, 256)         # replicates per batch (x 8 leave-one-type-out variants)


def throughput(repeat: int = 3) -> dict:
    """Replicate-runs per CPU second of the default scenario with its 8 leave-one-type-out variants, batched, at
    each size of BATCHES (min over ``repeat`` of process CPU time, which a shared machine's other processes do not
    inflate), and one single run's wall time; with the machine, load and date (benchmarks/tables.py prints it)."""
    from benchmarks.bench_mesa import machine

    world = build_world(presets.scenario(), 1)
    params, rules = presets.params(), presets.rules()
    Negotiation(world, params, rules, 1, [0]).run()                          # compile / load the numba cache
    _, masks = variant_masks(world, "leave_one_type_out")
    out = {"machine": machine(), "repeat": repeat, "variants": len(masks), "target_per_cpu_s": TARGET_PER_CPU_S,
           "per_cpu_s": {}}
    for r_ in BATCHES:
        best, _ = best_of(lambda r_=r_: Negotiation(world, params, rules, 1, np.arange(r_), masks).run(), repeat,
                          time.process_time)
        out["per_cpu_s"][r_] = r_ * len(masks) / best
    best, _ = best_of(lambda: Negotiation(world, params, rules, 1, [0]).run(), 10 * repeat)
    out["single_run_ms"] = best * 1e3
    out["machine"]["load_after"] = " ".join(f"{v:.2f}" for v in __import__("os").getloadavg())
    return out


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
    # the same in process CPU time: on a shared machine wall time also counts other processes' time slices
    best, _ = best_of(lambda: Negotiation(world, params, rules, 1, np.arange(r_), masks).run(), 5, time.process_time)
    out["batched_replicate_runs_per_cpu_s_with_8_variants"] = r_ * len(masks) / best
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


def chart(res: dict, folder: Path) -> None:
    step = res["session_step_ms"]
    machine = f"{platform.processor() or platform.machine()}, one core, {date.today().isoformat()}"
    fig = plotting.speed_comparison({"per-agent Mesa model\n(agents looping in Python)": step["per_agent_mesa"],
                                     "batched core\n(256 replicates at once)": step["batched_per_replicate"]},
                                    note=f"default scenario, session 1 of 8; {machine}")
    plotting.save(fig, folder, "session_step",
                  f"Time per replicate of one session step of the default scenario (accreditation done; plenary, "
                  f"informals, persuasion, the chair's draft): a straightforward per-agent Mesa implementation "
                  f"(benchmarks/per_agent.py) against the batched core (sim.engine.Negotiation, 256 replicates at "
                  f"once); best of repeated runs on {machine}. Speed-up {step['speed_up']:,.0f}x. "
                  f"Produced by benchmarks/bench_engine.py.")


if __name__ == "__main__":
    res = main()
    print(json.dumps(res, indent=2))
    folder = Path(__file__).parent / "results"
    folder.mkdir(exist_ok=True)
    (folder / "bench_engine.json").write_text(json.dumps(res, indent=2))
    chart(res, folder)
