"""Sweep benchmark (issue 3): the full ``cosp_access`` preset (4 x 4 x 5 = 80 cells, 200 paired replicates each,
leave-one-type-out: 8 variants per replicate) through ``plenary sweep`` with the joblib launcher on the cores of
this machine, beside the same cells run through ``mesa.batch_run`` with the per-agent model (a sample of runs,
extrapolated to the whole sweep). Run: python benchmarks/bench_sweep.py [--quick]  (writes results as JSON)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mesa  # noqa: E402

from benchmarks.per_agent import PerAgentRun  # noqa: E402
from experiments.sweep import sweep  # noqa: E402


def batched(folder: Path, quick: bool) -> dict:
    overrides = ["experiment=cosp_access", "hydra/launcher=joblib", f"hydra.launcher.n_jobs={os.cpu_count()}",
                 f"sweep.dir={folder}"] + (["replicates=20"] if quick else [])
    t0 = time.perf_counter()
    out = sweep(overrides, progress=False)
    seconds = time.perf_counter() - t0
    cells, reps = out.table["cell"].nunique(), len(out.table)
    return {"cells": cells, "replicates": reps, "variants_per_replicate": 8, "runs": reps * 8,
            "seconds": round(seconds, 1), "runs_per_second": round(reps * 8 / seconds, 1), "cores": os.cpu_count()}


def per_agent(sample_variants: int = 8) -> dict:
    params = {"procedure": ["open", "non_objection_vote", "single_state_veto", "ecosoc_only"], "informal_share": 0.6,
              "speaking_minutes": 15.0, "replicate": 0, "variant": list(range(sample_variants))}
    t0 = time.perf_counter()
    results = mesa.batch_run(PerAgentRun, params, rng=[None], max_steps=20, number_processes=os.cpu_count(),
                             data_collection_period=-1, display_progress=False)
    seconds = time.perf_counter() - t0
    return {"runs": len(results), "seconds": round(seconds, 1), "runs_per_second": round(len(results) / seconds, 3),
            "cores": os.cpu_count()}


def main(quick: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        fast = batched(Path(tmp) / "cosp_access", quick)
    slow = per_agent()
    full_runs = 80 * 200 * 8
    return {"plenary_sweep_joblib": fast, "mesa_batch_run_per_agent_sample": slow,
            "mesa_batch_run_extrapolated_hours_for_full_sweep": round(full_runs / slow["runs_per_second"] / 3600, 1),
            "speed_up": round(fast["runs_per_second"] / slow["runs_per_second"], 0)}


if __name__ == "__main__":
    res = main(quick="--quick" in sys.argv)
    print(json.dumps(res, indent=2))
    path = Path(__file__).parent / "results" / "bench_sweep.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(res, indent=2))
