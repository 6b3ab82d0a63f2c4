"""``plenary calibrate``: fit the decision-stage parameters to the Ad Hoc Committee's recorded outcome.

Procedure (documented, reproducible, no tuning by hand):

- The observation: the text was adopted at the reconvened concluding session (August 2024), by consensus after
  forced deletion votes on the human-rights clause and the safeguards failed (A/AC.291/L.15 and the recorded votes
  on Iran's proposals). O_full = that outcome in that session; O_part = the same outcome in any session.
- The free parameters the observation pins down: ``objection_threshold`` (how far below its reservation utility
  a state objects to the text), ``provision_threshold`` (how much loss on one provision makes a state demand its
  deletion) and ``objection_noise``; grid in ``GRID``, every other parameter at its configured value.
- Then the signature threshold nu_sig is set so that the mean number of signatories equals the 65 signatures at
  the Hanoi opening (one number, not a list of states: the model only knows what it knew before signature), and
  the ratification baseline beta_0 so that the median time to entry into force equals that of UNTOC and UNCAC.
- The objective, per grid point, over R replicates with common random numbers: maximise P(O_full), then
  P(O_part); ties go to the point nearest the configured values (distance in units of each parameter's plausible
  range). The best point is written as a params preset (``configs/params/calibrated.yaml`` by default) that
  records the objective, R, the seed and the commit; use it with ``params=calibrated``.
"""

from __future__ import annotations

import itertools
from dataclasses import fields, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sim import io
from sim.config import Params, RunConfig
from sim.presets import config_dir
from sim.runner import run_replicates
from sim.scenario import build_world

HANOI_SIGNATURES = 65      # signatures at the opening in Hanoi, 25 October 2025 (UN News; LITERATURE.md)
GRID = {"objection_threshold": [1.0, 2.0, 3.0, 4.0, 6.0, 8.0],
        "provision_threshold": [15.0, 20.0, 27.0, 35.0],
        "objection_noise": [0.5, 1.0, 2.0]}
RIGHTS = ("hr_clause", "safeguards")


def observed(table: pd.DataFrame, n_sessions: int) -> tuple[np.ndarray, np.ndarray]:
    """Per replicate: the recorded outcome in any session (O_part) and at the resumed session (O_full)."""
    part = (table["mode"] == "consensus_after_votes").to_numpy().copy()
    for k in RIGHTS:
        part &= (table[f"deletion_vote_{k}"] == 1).to_numpy()
    return part, part & (table["sessions"] == n_sessions).to_numpy()


def _plausible_span(name: str) -> float:
    meta = {f.name: f.metadata for f in fields(Params)}[name]
    lo, hi = meta["plausible"]
    return (hi - lo) or 1.0


def signature_threshold(cfg: RunConfig, replicates: int = 64, target: float = HANOI_SIGNATURES) -> float:
    """The signature threshold nu_sig at which the mean number of signatories equals ``target``, by bisection
    (the count falls monotonically as the threshold rises; the negotiation and the shocks stay fixed)."""
    from sim.aftermath import signatures
    from sim.core.seeds import Purpose, draw_normal
    from sim.engine import Negotiation
    from sim.enums import AdoptionMode

    world = build_world(cfg.scenario, cfg.seed)
    reps = np.arange(replicates)
    neg = Negotiation(world, cfg.params, cfg.rules, cfg.seed, reps).run()
    shock = draw_normal(cfg.seed, Purpose.SIGNATURE, reps, (world.n_states,))
    adopted = neg.mode != int(AdoptionMode.FAILED)

    def count(threshold):
        p = replace(cfg.params, signature_threshold=threshold)
        return (signatures(world, p, neg.d, neg.x, neg.u_reserve, shock) & adopted[:, None]).sum(axis=1).mean()

    lo, hi = -50.0, 50.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if count(mid) > target else (lo, mid)
    return round(0.5 * (lo + hi), 2)


# days from the opening for signature to entry into force: UNTOC 12 Dec 2000 -> 29 Sep 2003 (1,021 days), UNCAC
# 9 Dec 2003 -> 14 Dec 2005 (736 days); their mean is the target (LITERATURE.md §6, calibration benchmarks)
EIF_TARGET_DAYS = 878.0


def ratification_base(cfg: RunConfig, replicates: int = 64, target: float = EIF_TARGET_DAYS) -> float:
    """The baseline log-hazard beta_0 at which the median time to entry into force equals ``target`` days, by
    bisection (EIF comes later as beta_0 falls; every draw stays fixed)."""
    world = build_world(cfg.scenario, cfg.seed)

    def median_days(base):
        t = run_replicates(world, replace(cfg.params, ratify_base=base), cfg.rules, cfg.seed,
                           np.arange(replicates), "none").table
        return np.nanmedian(np.where(np.isfinite(t["eif_days"]), t["eif_days"], np.inf))

    lo, hi = -10.0, 2.0
    for _ in range(20):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if median_days(mid) > target else (lo, mid)
    return round(0.5 * (lo + hi), 2)


def calibrate(cfg: RunConfig, replicates: int = 64, out=None) -> tuple[Path, pd.DataFrame]:
    world = build_world(cfg.scenario, cfg.seed)
    rows = []
    for values in itertools.product(*GRID.values()):
        point = dict(zip(GRID, values, strict=True))
        params = replace(cfg.params, **point)
        t = run_replicates(world, params, cfg.rules, cfg.seed, np.arange(replicates), "none").table
        part, full = observed(t, world.n_sessions)
        distance = sum(abs(v - getattr(cfg.params, k)) / _plausible_span(k) for k, v in point.items())
        rows.append({**point, "p_full": full.mean(), "p_part": part.mean(), "distance_to_prior": distance})
    grid = pd.DataFrame(rows).sort_values(["p_full", "p_part", "distance_to_prior"], ascending=[False, False, True],
                                          kind="stable").reset_index(drop=True)
    best = grid.iloc[0]
    best_cfg = replace(cfg, params=replace(cfg.params, **{k: float(best[k]) for k in GRID}))
    nu_sig = signature_threshold(best_cfg, replicates)
    beta0 = ratification_base(replace(best_cfg, params=replace(best_cfg.params, signature_threshold=nu_sig)),
                              replicates)
    dest = Path(out) if out else config_dir() / "params" / "calibrated.yaml"
    lines = [f"# Calibrated by `plenary calibrate` ({date.today().isoformat()}, git {io.git_commit()}), R = "
             f"{replicates} replicates, root seed {cfg.seed}.",
             "# Objective: P(adopted at the resumed session by consensus after failed deletion votes on the human-",
             f"# rights clause and safeguards) = {best.p_full:.3f}; the same outcome in any session = {best.p_part:.3f}."
             f" Grid: {', '.join(f'{k} {v}' for k, v in GRID.items())}.",
             f"# signature_threshold: the mean number of signatories equals the {HANOI_SIGNATURES} signatures at Hanoi"
             f" (bisection); ratify_base: median days to entry into force = {EIF_TARGET_DAYS:g} (UNTOC/UNCAC).",
             "# See experiments/calibrate.py for the procedure. Use with: plenary run params=calibrated",
             "defaults:", "  - default", "  - _self_", ""]
    lines += [f"{k}: {float(best[k])}" for k in GRID] + [f"signature_threshold: {nu_sig}", f"ratify_base: {beta0}"]
    io.write_atomic(dest, lambda p: p.write_text("\n".join(lines) + "\n"))
    print(grid.head(10).to_string(index=False))
    print(f"\nBest: {', '.join(f'{k}={best[k]:g}' for k in GRID)} (P full {best.p_full:.2f}, any session "
          f"{best.p_part:.2f}); signature_threshold={nu_sig:g} ({HANOI_SIGNATURES} signatories), "
          f"ratify_base={beta0:g}; written to {dest}")
    return dest, grid
