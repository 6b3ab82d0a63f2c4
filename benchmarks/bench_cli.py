"""What a command-line user waits for (issue 16): ``plenary --help``, an error message, and a warm default
``plenary run`` end to end, each timed as whole commands (min and median of N), then the warm run's breakdown
in-process (imports, compose, world, engine, summary, the run's charts written one by one and side by side as
``plenary run`` writes them, writing).

    python benchmarks/bench_cli.py [--repeat 3]

Prints the machine, its load and the date beside the numbers, and writes benchmarks/results/cli.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "experiments.cli"]


def timed(cmd: list[str], repeat: int, expect: int) -> dict:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode
        times.append(time.perf_counter() - t0)
        if rc != expect:
            raise SystemExit(f"{' '.join(cmd)} exited {rc}, expected {expect}")
    times.sort()
    return {"min_s": round(times[0], 3), "median_s": round(times[len(times) // 2], 3)}


def breakdown() -> dict:
    """One warm default run, phase by phase, in this process (imports measured first, cold for this process)."""
    phases = {}
    t = time.perf_counter()
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from experiments.config import load
    from experiments.run import _charts, summarise
    from sim import io
    from sim.runner import run_replicates
    from sim.scenario import build_world
    phases["imports"] = time.perf_counter() - t
    t = time.perf_counter()
    cfg = load([])
    phases["compose"] = time.perf_counter() - t
    t = time.perf_counter()
    world = build_world(cfg.scenario, cfg.seed)
    phases["world"] = time.perf_counter() - t
    run_replicates(world, cfg.params, cfg.rules, cfg.seed, np.arange(2), cfg.variants)   # load the compiled kernels
    t = time.perf_counter()
    results = run_replicates(world, cfg.params, cfg.rules, cfg.seed, np.arange(cfg.replicates), cfg.variants,
                             cfg.chunk_size, cfg.attribution)
    phases["engine_and_after_adoption"] = time.perf_counter() - t
    t = time.perf_counter()
    summarise(results, cfg)
    phases["summary"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        for label, jobs in (("charts_one_by_one", 1), ("charts", None)):     # the run's 3 charts x 3 formats
            t = time.perf_counter()
            _charts(results, cfg, Path(tmp) / label, jobs)
            phases[label] = time.perf_counter() - t
        t = time.perf_counter()
        results.table.to_parquet(Path(tmp) / "results.parquet", index=False)
        io.write_manifest(Path(tmp), {"command": "bench"})
        phases["tables"] = time.perf_counter() - t
    return {k: round(v, 3) for k, v in phases.items()}


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*CLI, "run", f"run_dir={tmp}/warmup", "replicates=2"], cwd=ROOT, capture_output=True,
                       check=True)                                        # compile once: this measures warm runs
        out = {"help": timed([*CLI, "--help"], args.repeat, 0),
               "error": timed([*CLI, "run", "rules.accreditation.procedure=lottery"], args.repeat, 2),
               "warm_run": {"min_s": None}}
        runs = []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run([*CLI, "run", f"run_dir={tmp}/run{i}"], cwd=ROOT, capture_output=True, check=True)
            runs.append(time.perf_counter() - t0)
        runs.sort()
        out["warm_run"] = {"min_s": round(runs[0], 3), "median_s": round(runs[len(runs) // 2], 3)}
    sys.path.insert(0, str(ROOT))
    out["warm_run_breakdown_s"] = breakdown()
    out["machine"] = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                      "load_1min": round(os.getloadavg()[0], 2), "python": platform.python_version(),
                      "date": datetime.now(UTC).isoformat(timespec="seconds")}
    print(json.dumps(out, indent=2))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "cli.json").write_text(json.dumps(out, indent=2) + "\n")
    return out


if __name__ == "__main__":
    main()
