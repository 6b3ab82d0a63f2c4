"""Sweep benchmark (issues 3 and 14): the full ``cosp_access`` preset (4 x 4 x 5 = 80 cells, 200 paired replicates
each, leave-one-type-out: 8 variants per replicate) through ``plenary sweep`` on the cores of this machine, once with
Hydra's joblib launcher and once with ``engine=dask`` (a LocalCluster), from an empty sweep folder each time.

For each: the wall time of the whole ``sweep()`` call (plan, start-up, cells, table), the compute time (the sum of
the cells' own ``seconds`` in ``cell.json``: the simulation itself), and the per-cell overhead, counted in worker
time: (wall x workers - compute) / cells, i.e. what each cell costs beyond its simulation, with the fixed start-up
spread over the cells. On a loaded machine wall times stretch, so the same overhead is also given in CPU time,
which load does not stretch: (CPU of this process and its workers during the sweep - CPU of the same cells run
one after the other in one warm process) / cells. Also: one Hydra compose (what the Hydra launchers pay per job,
in the launching process), the machine, its load before and after, and the date.

    python benchmarks/bench_sweep.py                 # both engines, full size (a few minutes on 2 cores)
    python benchmarks/bench_sweep.py --quick         # 20 replicates per cell
    python benchmarks/bench_sweep.py --per-agent     # also the mesa.batch_run per-agent estimate (issue 3)
    python benchmarks/bench_sweep.py --no-cpu        # skip the one-process CPU reference of the cells
    python benchmarks/bench_sweep.py --posterior 20,50 --engines joblib --no-cpu
        # issue 12's target: 20 posterior draws x 50 replicates per cell (under 10 minutes on 2 cores)

Prints a table and writes benchmarks/results/bench_sweep.json (with --posterior: bench_sweep_posterior.json).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.config import compose_config  # noqa: E402
from experiments.sweep import sweep  # noqa: E402

ENGINES = {"joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs={workers}"],
           "dask_local": ["engine=dask", "dask.workers={workers}"]}
COMPOSE_REPEATS = 5


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def _design(quick: bool, posterior: tuple[int, int] | None) -> list[str]:
    """The overrides of the benchmarked design: full size, ``--quick`` (20 replicates) or D draws x R replicates."""
    if posterior:
        return [f"posterior.draws={posterior[0]}", f"replicates={posterior[1]}"]
    return ["replicates=20"] if quick else []


def one(engine: str, workers: int, quick: bool, posterior: tuple[int, int] | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cosp_access"
        overrides = ["experiment=cosp_access", *(o.format(workers=workers) for o in ENGINES[engine]),
                     f"sweep.dir={folder}"] + _design(quick, posterior)
        load_before = os.getloadavg()
        cpu0 = _cpu()
        t0 = time.perf_counter()
        out = sweep(overrides, progress=False)
        wall = time.perf_counter() - t0
        _reap_joblib_workers()
        cpu = _cpu() - cpu0
        load_after = os.getloadavg()
        cells = sorted(out.table["cell"].unique())
        compute = sum(json.loads((folder / "cells" / c / "cell.json").read_text())["seconds"] for c in cells)
    n = len(cells)
    return {"engine": engine, "workers": workers, "cells": n, "replicates": len(out.table),
            "wall_s": round(wall, 1), "compute_s": round(compute, 1),
            "overhead_per_cell_s": round((wall * workers - compute) / n, 3), "cpu_s": round(cpu, 1),
            "replicates_per_s": round(len(out.table) / wall, 1),
            "load_1min_before": round(load_before[0], 2), "load_1min_after": round(load_after[0], 2)}


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the workers, once shut down)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _reap_joblib_workers() -> None:
    """Shut down joblib's reusable loky workers so that their CPU time is counted (dask's end with the sweep)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def cells_cpu_seconds(quick: bool, posterior: tuple[int, int] | None = None) -> float:
    """CPU seconds of every cosp_access cell run one after the other in this (warm) process: the simulation only."""
    from experiments import sweep as sw
    from experiments.dask_engine import configs

    p = sw.plan(["experiment=cosp_access"] + _design(quick, posterior))
    todo = list(configs(p, {c.id for c in p.cells}))
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        sw.run_cell(todo[0][1], todo[0][0], Path(tmp) / "warm-up")          # world built, kernels loaded
        for cell, cfg in todo:
            t0 = time.process_time()
            sw.run_cell(cfg, cell, Path(tmp) / cell.id)
            total += time.process_time() - t0
    return total


def hydra_compose_seconds() -> float:
    """One Hydra compose of a cosp_access cell (the joblib launcher does one per job, in the launching process)."""
    job = ["experiment=cosp_access", "rules.accreditation.procedure=open", "rules.informal_share=0.2",
           "rules.speaking_minutes=0"]
    compose_config(job)
    t0 = time.perf_counter()
    for _ in range(COMPOSE_REPEATS):
        compose_config(job)
    return round((time.perf_counter() - t0) / COMPOSE_REPEATS, 3)


def per_agent(sample_variants: int = 8) -> dict:
    import mesa

    from benchmarks.per_agent import PerAgentRun

    params = {"procedure": ["open", "non_objection_vote", "single_state_veto", "ecosoc_only"], "informal_share": 0.6,
              "speaking_minutes": 15.0, "replicate": 0, "variant": list(range(sample_variants))}
    t0 = time.perf_counter()
    results = mesa.batch_run(PerAgentRun, params, rng=[None], max_steps=20, number_processes=os.cpu_count(),
                             data_collection_period=-1, display_progress=False)
    seconds = time.perf_counter() - t0
    rate = len(results) / seconds
    return {"runs": len(results), "seconds": round(seconds, 1), "runs_per_second": round(rate, 3),
            "extrapolated_hours_for_full_sweep": round(80 * 200 * 8 / rate / 3600, 1)}


def main(quick: bool = False, with_per_agent: bool = False, posterior: tuple[int, int] | None = None,
         engines: list[str] | None = None) -> dict:
    workers = os.cpu_count() or 1
    design = " ".join(_design(quick, posterior))
    res = {"date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"), "machine": machine(),
           "preset": "cosp_access" + (f" ({design})" if design else ""),
           "hydra_compose_per_job_s": hydra_compose_seconds(),
           "runs": [one(engine, workers, quick, posterior) for engine in engines or ENGINES]}
    if "--no-cpu" not in sys.argv:
        cells_cpu = cells_cpu_seconds(quick, posterior)
        res["cells_cpu_s_one_process"] = round(cells_cpu, 1)
        for r in res["runs"]:
            r["cpu_overhead_per_cell_s"] = round((r["cpu_s"] - cells_cpu) / r["cells"], 3)
    if with_per_agent:
        res["mesa_batch_run_per_agent_sample"] = per_agent()
    return res


def table(res: dict) -> str:
    m = res["machine"]
    lines = [f"{res['preset']} on {m['cores']} cores ({m['cpu']}), {res['date_utc']} UTC",
             f"one Hydra compose: {res['hydra_compose_per_job_s']} s",
             f"the cells alone, one after the other in one process: {res.get('cells_cpu_s_one_process', '-')} CPU s",
             "| engine | workers | cells | wall s | compute s | overhead per cell s | CPU s | CPU overhead per cell s "
             "| replicates/s | load before/after |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['engine']} | {r['workers']} | {r['cells']} | {r['wall_s']} | {r['compute_s']} | "
              f"{r['overhead_per_cell_s']} | {r['cpu_s']} | {r.get('cpu_overhead_per_cell_s', '-')} | "
              f"{r['replicates_per_s']} | {r['load_1min_before']} / {r['load_1min_after']} |" for r in res["runs"]]
    return "\n".join(lines)


def _option(name: str) -> str | None:
    """The value after ``name`` on the command line, or None."""
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv[:-1] else None


if __name__ == "__main__":
    post = _option("--posterior")
    draws = tuple(int(v) for v in post.split(",")) if post else None
    chosen = _option("--engines")
    engines = chosen.split(",") if chosen else None
    if engines and not set(engines) <= set(ENGINES):
        sys.exit(f"--engines: {chosen!r}; allowed: {', '.join(ENGINES)}")
    result = main(quick="--quick" in sys.argv, with_per_agent="--per-agent" in sys.argv, posterior=draws,
                  engines=engines)
    if draws:
        result["posterior_draws"], result["replicates_per_draw"] = draws
    print(table(result))
    print(json.dumps(result, indent=2))
    path = Path(__file__).parent / "results" / ("bench_sweep_posterior.json" if draws else "bench_sweep.json")
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
