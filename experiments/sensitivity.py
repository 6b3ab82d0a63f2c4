"""``plenary sensitivity``: Morris elementary-effects screening of the behavioural parameters (SALib).

Which assumptions drive the headline outcomes? Every parameter of ``Params`` with a plausible range (lo < hi, in
docs/ODD.md) is a factor, sampled over its plausible range on a 4-level grid (Morris 1991; Campolongo et al.
2007 mu*). Each model evaluation runs R paired replicates (all vs none) of the default scenario under the
configured rules and records the replicate means of the outcomes. Writes ``morris.csv`` (mu*, its bootstrap 95%
interval, sigma per factor and outcome) and ``morris_<outcome>`` charts (mu* against sigma).

Sobol indices (Saltelli 2002; Jansen estimators in SALib) only with an explicit budget and a chosen set of
factors: ``--method sobol --budget N --factors a,b,c`` costs N x (D + 2) evaluations (first and total order, no
second order), and every index comes with its bootstrap 95% interval (``sobol.csv``, ``sobol_<outcome>`` charts).
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim import io, plotting
from sim.config import ConfigError, Params, RunConfig
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
    results = _evaluate(cfg, names, sample, replicates)
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


def _evaluate(cfg: RunConfig, names, sample, replicates: int) -> np.ndarray:
    world = build_world(cfg.scenario, cfg.seed)
    results = np.empty((len(sample), len(OUTCOMES)))
    for i, row in enumerate(sample):
        t = run_replicates(world, _params(cfg.params, names, row), cfg.rules, cfg.seed, np.arange(replicates),
                           "all_vs_none").table
        results[i] = [t[o].mean() for o in OUTCOMES]
    return results


def sobol(cfg: RunConfig, budget: int | None, chosen: list[str], replicates: int = 8, out=None, seed: int = 1):
    """First- and total-order Sobol indices with bootstrap intervals for the ``chosen`` factors (see above)."""
    names, bounds = factors()
    if budget is None or budget < 2 or budget & (budget - 1):
        raise ConfigError("--budget", f"{budget!r}", "an explicit base sample size N, a power of two >= 2 "
                          "(evaluations = N x (D + 2))")
    unknown = [c for c in chosen if c not in names]
    if not chosen or unknown:
        raise ConfigError("--factors", f"{unknown or 'none given'}", "a comma list of parameters with a plausible "
                          "range: " + ", ".join(names))
    problem = {"num_vars": len(chosen), "names": chosen, "bounds": [bounds[names.index(c)] for c in chosen]}
    sample = sobol_sample.sample(problem, budget, calc_second_order=False, seed=seed)
    results = _evaluate(cfg, chosen, sample, replicates)
    rows = []
    for j, outcome in enumerate(OUTCOMES):
        y = results[:, j]
        if np.ptp(y) == 0:                       # the outcome does not depend on these factors at all
            si = {key: np.zeros(len(chosen)) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        rows += [{"outcome": outcome, "parameter": c, "S1": si["S1"][k], "S1_conf": si["S1_conf"][k],
                  "ST": si["ST"][k], "ST_conf": si["ST_conf"][k]} for k, c in enumerate(chosen)]
    table = pd.DataFrame(rows)
    dest = Path(out) if out else Path("outputs") / "sensitivity"
    dest.mkdir(parents=True, exist_ok=True)
    io.write_atomic(dest / "sobol.csv", lambda p: table.to_csv(p, index=False))
    for outcome, label in OUTCOMES.items():
        fig = plotting.sobol(table[table["outcome"] == outcome], label, len(sample), replicates)
        plotting.save(fig, dest, f"sobol_{outcome}", (
            f"Sobol indices (first order S1 and total ST, bars: bootstrap 95% intervals) of {len(chosen)} parameters "
            f"over their plausible ranges for {label}: base sample N = {budget}, {len(sample)} evaluations of R = "
            f"{replicates} paired replicates, root seed {cfg.seed}, sampling seed {seed}. Git {io.git_commit()}."))
    print(table.to_string(index=False))
    print(f"\n{len(sample)} evaluations; results in {dest}")
    return dest, table
