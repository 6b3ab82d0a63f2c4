"""``plenary sensitivity``: Morris elementary-effects screening of the behavioural parameters (SALib).

Which assumptions drive the headline outcomes? Every parameter of ``Params`` with a plausible range (lo < hi, in
docs/ODD.md) is a factor, sampled over its plausible range on a 4-level grid (Morris 1991; Campolongo et al.
2007 mu*). Each model evaluation runs R paired replicates (all vs none) of the default scenario under the
configured rules and records the replicate means of the outcomes. Writes ``morris.csv`` (mu*, its bootstrap 95%
interval, sigma per factor and outcome) and ``morris_<outcome>`` charts (mu* against sigma). Sobol indices are not
computed: at ~30 factors they need a sample budget of thousands of evaluations, with intervals to match.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

from sim import io, plotting
from sim.config import Params, RunConfig
from sim.runner import run_replicates
from sim.scenario import build_world

OUTCOMES = {"influence_all": "influence of all stakeholders (weighted scale points)",
            "distance_to_compromise": "distance of the text from CM(x) (scale points)",
            "accredited": "accredited organisations (count)"}
LEVELS = 4


def factors() -> tuple[list[str], list[list[float]]]:
    names, bounds = [], []
    for f in fields(Params):
        lo, hi = f.metadata.get("plausible", (0, 0))
        if lo < hi:
            names.append(f.name)
            bounds.append([float(lo), float(hi)])
    return names, bounds


def _params(base: Params, names, row) -> Params:
    values = {}
    for name, v in zip(names, row, strict=True):
        values[name] = int(round(v)) if isinstance(getattr(base, name), int) else float(v)
    if "admission_yes" in values and "admission_no" in values:     # keep the thresholds ordered (no > yes is void)
        values["admission_no"] = min(values["admission_no"], values["admission_yes"])
    return replace(base, **values)


def sensitivity(cfg: RunConfig, trajectories: int = 10, replicates: int = 16, out=None, seed: int = 1):
    names, bounds = factors()
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    sample = morris_sample.sample(problem, trajectories, num_levels=LEVELS, seed=seed)
    world = build_world(cfg.scenario, cfg.seed)
    results = np.empty((len(sample), len(OUTCOMES)))
    for i, row in enumerate(sample):
        t = run_replicates(world, _params(cfg.params, names, row), cfg.rules, cfg.seed, np.arange(replicates),
                           "all_vs_none").table
        results[i] = [t[o].mean() for o in OUTCOMES]
    rows = []
    for j, outcome in enumerate(OUTCOMES):
        si = morris_analyze.analyze(problem, sample, results[:, j], num_levels=LEVELS, seed=seed,
                                    print_to_console=False)
        for k, name in enumerate(names):
            rows.append({"outcome": outcome, "parameter": name, "mu_star": si["mu_star"][k],
                         "mu_star_conf": si["mu_star_conf"][k], "sigma": si["sigma"][k], "mu": si["mu"][k]})
    table = pd.DataFrame(rows)
    dest = Path(out) if out else Path("outputs") / "sensitivity"
    dest.mkdir(parents=True, exist_ok=True)
    io.write_atomic(dest / "morris.csv", lambda p: table.to_csv(p, index=False))
    for outcome, label in OUTCOMES.items():
        part = table[table["outcome"] == outcome]
        fig = plotting.morris(part, label, len(sample), replicates)
        plotting.save(fig, dest, f"morris_{outcome}", (
            f"Morris screening of {len(names)} behavioural parameters over their plausible ranges ({trajectories} "
            f"trajectories, {LEVELS} levels, {len(sample)} model evaluations of R = {replicates} paired replicates, "
            f"root seed {cfg.seed}, sampling seed {seed}): mu* (mean absolute elementary effect, bars: bootstrap 95% "
            f"interval) against sigma for {label}. Git {io.git_commit()}."))
    top = table.sort_values("mu_star", ascending=False).groupby("outcome").head(5)
    print(top.to_string(index=False))
    print(f"\n{len(sample)} evaluations; results in {dest}")
    return dest, table
