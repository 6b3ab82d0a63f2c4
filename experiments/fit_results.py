"""What a fit yields: the posterior table, its posterior-predictive check, identification (posterior vs prior
widths) and the ``params=posterior`` preset (split from ``experiments.calibrate``, which re-exports them)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import Params, RunConfig
from sim.priors import meta as _meta  # one place for the priors
from sim.runner import run_replicates
from sim.scenario import build_world


def posterior_table(history, names: list[str], base: Params, custom: dict | None = None) -> pd.DataFrame:
    """The last generation as the parameter values the model ran with (on the prior ranges, ``custom`` where
    given), and a normalised ``weight`` column."""
    frame, w = history.get_distribution(m=0, t=history.max_t)
    used = [_cal().to_params(base, _cal().from_unit(row, custom), custom) for row in frame[names].to_dict("records")]
    out = pd.DataFrame({n: [getattr(p, n) for p in used] for n in names})
    out["weight"] = np.asarray(w, float) / np.sum(w)
    return out


def predictive(cfg: RunConfig, table: pd.DataFrame, names: list[str], draws: int, replicates: int,
               custom: dict | None = None) -> pd.DataFrame:
    """Posterior-predictive check: each statistic over ``draws`` weighted draws, against the record (``custom``:
    the fit's ``--prior`` ranges, inside which its whole-number values lie)."""
    from experiments.statistics import BY_NAME, observed_statistics, summary_statistics
    from sim.posterior import resample

    world, observed = build_world(cfg.scenario, cfg.seed), observed_statistics()
    rows = [summary_statistics(run_replicates(world, _cal().to_params(cfg.params, v, custom), cfg.rules, cfg.seed,
                                              np.arange(replicates), "none"), list(observed))
            for v in resample(table, draws, cfg.seed)[names].to_dict("records")]
    sims = pd.DataFrame(rows)
    return pd.DataFrame([{"statistic": k, "record": v, "mean": sims[k].mean(), "lo": sims[k].quantile(0.05),
                          "hi": sims[k].quantile(0.95), "doc": BY_NAME[k].doc} for k, v in observed.items()])


def identification(posterior) -> pd.DataFrame:
    """Per fitted parameter: prior and posterior mean and sd, and the posterior sd as a share of the prior's (near 1:
    the record leaves the parameter at its prior)."""
    rows = []
    w = posterior.samples["weight"].to_numpy()
    for k in posterior.parameters:
        lo, hi = posterior.provenance["priors"][k]["uniform"]
        if _meta()[k]["integer"]:          # discrete uniform on lo .. hi - 1 (the values the model runs with)
            n = hi - lo
            prior_mean, prior_sd = lo + (n - 1) / 2, math.sqrt((n * n - 1) / 12)
        else:
            prior_mean, prior_sd = (lo + hi) / 2, (hi - lo) / math.sqrt(12)
        v = posterior.samples[k].to_numpy(float)
        mean = float(np.sum(w * v))
        sd = float(np.sqrt(np.sum(w * (v - mean) ** 2)))
        rows.append({"parameter": k, "prior_mean": prior_mean, "prior_sd": prior_sd, "posterior_mean": mean,
                     "posterior_sd": sd, "sd_ratio": sd / prior_sd})
    return pd.DataFrame(rows)


def write_mean_preset(posterior, dest: Path) -> None:
    """``configs/params/posterior.yaml``: the weighted mean of the default posterior (``params=posterior``)."""
    from sim import io

    meta = _meta()
    mean = {k: (int(round(v)) if meta[k]["integer"] else round(v, 6)) for k, v in posterior.mean().items()}
    lines = [f"# The weighted mean of the posterior {posterior.name!r} (configs/params/posterior/{posterior.name}/), "
             f"written by plenary calibrate --install on {posterior.provenance['date']}.",
             "# Use with: plenary run params=posterior. For parameter uncertainty: plenary run posterior.draws=50.",
             "defaults:", "  - default", "  - _self_", ""] + [f"{k}: {v}" for k, v in mean.items()]
    io.write_atomic(dest, lambda p: p.write_text("\n".join(lines) + "\n"))




def _cal():
    from experiments import calibrate

    return calibrate
