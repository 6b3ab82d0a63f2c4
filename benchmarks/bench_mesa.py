"""The batched core against three Mesa baselines on the same session step and the same input (issue 17).

Baselines: ``naive`` = benchmarks/per_agent.py (lists of lists, loops over states x provisions x organisations);
``agents`` = benchmarks/mesa_agents.py (Mesa agents with numpy attributes, ``agents.do``, blocs grouped once);
``vectorised`` = benchmarks/mesa_vectorised.py (a Mesa model holding the state as model arrays). All four are tested
equal to the engine in tests/test_per_agent.py.

Timing: interleaved (round-robin over the four, ``--repeat`` rounds, min of each), process CPU time and wall.
Set-up is excluded on both sides the same way: each round builds a fresh Negotiation / fresh Mesa model untimed,
then times only session ``--session``. The engine's time is per replicate of a 256-row batch.
Run: python benchmarks/bench_mesa.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import mesa_common as mc  # noqa: E402
from benchmarks.mesa_agents import AgentSessionModel  # noqa: E402
from benchmarks.mesa_vectorised import VectorisedSessionModel  # noqa: E402
from benchmarks.per_agent import LoopingSessionModel  # noqa: E402
from sim import presets  # noqa: E402
from sim.engine import Negotiation  # noqa: E402
from sim.scenario import build_world  # noqa: E402

ROWS = 256
NAMES = ("engine", "vectorised", "agents", "naive")


def machine() -> dict:
    """CPU model, cores, load (uptime's three averages) and the UTC date-time."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return {"cpu": cpu, "cores": os.cpu_count(), "load": load,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def _timed(fn) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def _round(world, params, rules, t: int) -> dict[str, tuple[float, float]]:
    """One round-robin pass: fresh set-up (untimed) then one timed session t for each implementation."""
    out = {}
    neg = Negotiation(world, params, rules, 1, np.arange(ROWS))
    cpu, wall = _timed(lambda: neg._session(np.arange(ROWS), t))
    out["engine"] = (cpu / ROWS, wall / ROWS)
    one = Negotiation(world, params, rules, 1, [0])
    makers = {"vectorised": VectorisedSessionModel, "agents": AgentSessionModel,
              "naive": lambda r: LoopingSessionModel(one, replicate=r)}
    for name, make in makers.items():
        model = make(mc.Replicate.take(one, 0))
        out[name] = _timed(lambda m=model: m.session(t))
    return out


def main(repeat: int = 5, t: int = 0) -> dict:
    world = build_world(presets.scenario(), 1)
    params, rules = presets.params(), presets.rules()
    _round(world, params, rules, t)                                    # warm-up: numba cache, imports
    rounds = [_round(world, params, rules, t) for _ in range(repeat)]
    res = {"machine": machine(), "repeat": repeat, "session": t, "rows": ROWS, "ms": {}}
    for name in NAMES:
        res["ms"][name] = {"cpu": min(r[name][0] for r in rounds) * 1e3,
                           "wall": min(r[name][1] for r in rounds) * 1e3}
    res["decide"] = decide_row()
    return res


def decide_row() -> dict:
    """The Decide comparison (``plenary compare`` on Decide-format data) when it can run here, else why not."""
    from sim import bargaining
    if bargaining.decide_python() is None:
        return {"skipped": "no Python with decide-exchange-model (PLENARY_DECIDE_PYTHON / python3.13 on PATH), "
                           "and no Decide-format input shipped in the project (the test data live outside it)"}
    return {"skipped": "Decide-format input not shipped in the project"}


def report(res: dict) -> str:
    ms, m = res["ms"], res["machine"]
    eng = ms["engine"]["cpu"]
    lines = [f"# {m['cpu']}, {m['cores']} cores, load {m['load']}, {m['date']}; session {res['session']}, "
             f"min of {res['repeat']} interleaved; engine per replicate of {res['rows']}",
             f"{'implementation':<12} {'cpu_ms':>10} {'wall_ms':>10} {'cpu_ratio':>10}"]
    for name in NAMES:
        lines.append(f"{name:<12} {ms[name]['cpu']:>10.4f} {ms[name]['wall']:>10.4f} "
                     f"{ms[name]['cpu'] / eng:>10.1f}")
    lines.append(f"decide: {res['decide'].get('skipped', res['decide'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--session", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = main(a.repeat, a.session)
    print(json.dumps(out, indent=2) if a.json else report(out))
    subprocess.run(["uptime"], check=False)
