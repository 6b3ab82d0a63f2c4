"""How long a calibration takes (issue 12: the default budget should finish in under 15 minutes on 2 cores), and
its throughput in simulations per second.

    python benchmarks/bench_calibrate.py [--budget default] [--cores 2] [--parameters a,b]

Fits into a temporary folder (nothing in configs/ is touched), prints the machine, its load and the date beside
the numbers, and writes benchmarks/results/calibrate.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="default")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--parameters", default=None)
    args = parser.parse_args()
    from experiments.calibrate import calibrate
    from experiments.config import load
    from sim import posterior

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        folder = calibrate(load([]), args.parameters, args.budget, "bench", cores=args.cores, out=Path(tmp) / "post",
                           work=Path(tmp) / "work")
        seconds = time.perf_counter() - started
        prov = posterior.load("bench", folder.parent).provenance
    sims = sum(d["simulations"] for d in prov["diagnostics"])
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
              "cpus": os.cpu_count(), "load_1min": os.getloadavg()[0], "budget": prov["budget"],
              "parameters": len(prov["parameters"]), "cores": args.cores, "seconds": round(seconds, 1),
              "simulations": sims, "simulations_per_s": round(sims / seconds, 2),
              "replicates_per_s": round(sims * prov["budget"]["replicates"] / seconds, 1),
              "under_15_min": seconds < 900}
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "calibrate.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
