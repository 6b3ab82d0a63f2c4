"""How long a calibration takes (issue 12: the default budget should finish in under 15 minutes on 2 cores), its
throughput in simulations per second and its time per generation, with the machine's load beside every number.

    python benchmarks/bench_calibrate.py [--budget default] [--cores 2] [--parameters screened] [--engine local]
                                         [--keep DIR]

Fits into a temporary folder (nothing in configs/ is touched; ``--keep DIR`` keeps the posterior there), prints
the load (``os.getloadavg``) before and after, wall and CPU seconds (this process and its workers), and ε,
acceptance, ESS and seconds per generation; writes benchmarks/results/calibrate.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="default")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--parameters", default="screened")
    parser.add_argument("--engine", default="local")
    parser.add_argument("--keep", default=None, help="copy the fitted posterior folder here")
    args = parser.parse_args()
    from experiments.calibrate import calibrate
    from experiments.config import load
    from sim import posterior

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu = time.perf_counter(), _cpu()
        folder = calibrate(load([]), args.parameters, args.budget, "bench", cores=args.cores, engine=args.engine,
                           out=Path(tmp) / "post", work=Path(tmp) / "work")
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        prov = posterior.load("bench", folder.parent).provenance
        if args.keep:
            shutil.copytree(folder, Path(args.keep), dirs_exist_ok=False)
    sims = sum(d["simulations"] for d in prov["diagnostics"])
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
              "cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg(),
              "budget": prov["budget"], "parameters": len(prov["parameters"]), "engine": args.engine,
              "cores": args.cores, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
              "simulations": sims, "simulations_per_s": round(sims / seconds, 2),
              "replicates_per_s": round(sims * prov["budget"]["replicates"] / seconds, 1),
              "under_15_min": seconds < 900, "generations": prov["diagnostics"]}
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "calibrate.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
