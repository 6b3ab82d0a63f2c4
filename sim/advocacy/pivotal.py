"""Pivotal delegations: where one more unit of stakeholder engagement moves an outcome most, and whose absence or
abstention decides the COSP's access rule.

**Engagement.** One more unit of engagement with delegation i multiplies its susceptibility to what stakeholders
tell it (lambda_i in sim/engine.py: the weight of stakeholder messages in its update) by ``1 + step``. This stands
in for more corridor contacts, briefings and side events with that delegation [ASSUMP: the engine plans lobbying by
bloc (sim/lobbying.py), so a delegation-level contact is represented by its effect, a delegation that listens
more; Hall & Deardorff 2006, lobbying as a subsidy that raises a legislator's uptake]. ``step`` is a parameter
(default 0.25, documented range 0.05-1: a quarter more uptake is a campaign, not a meeting).

**Paired finite differences.** Each delegation's engaged run uses the replicate numbers of the baseline run, so
replicate r of both shares every random draw (common random numbers, sim.core.seeds); the effect of engaging i is
the mean over replicates of (outcome engaged - outcome baseline), with the Student-t 95% interval of that mean
(sim.analysis.mean_ci). Outcomes are in points of the 0-100 scale: the final text of one provision, signed
towards a target position (by default the mean ideal of the organisations asking for it), or the COSP chair's
draft on the access scale (0 none .. 100 open).

**Deciders.** For the COSP access rule (sim/cosp.py: the texts that beat draft rule 17(2) under the COSP's
decision rule, the chair picks the closest), a delegation decides the outcome in a replicate when its absence
(or, under a vote, its abstention) alone changes the rule adopted; P(decides) is the share of replicates where it
does. Under consensus only presence matters (an absent state cannot object); under two-thirds both do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import cosp
from sim.analysis import mean_ci
from sim.config import ACCESS_RULES, CospSpec, Params, Rules
from sim.engine import Negotiation
from sim.scenario import World

STEP = 0.25          # default engagement step: +25% susceptibility (module docstring; range 0.05-1)
STEP_RANGE = (0.05, 1.0)


@dataclass
class Pivotal:
    """The ranking (one row per delegation, best first) and what it is a ranking of."""

    table: pd.DataFrame      # iso, name, bloc, effect, lo, hi, n (points towards the target per unit engagement)
    outcome: str             # plain words: what moved, towards what
    baseline: float          # the outcome's mean at the baseline, points
    step: float
    replicates: int


def _check_step(step: float) -> float:
    if not STEP_RANGE[0] <= step <= STEP_RANGE[1]:
        raise ValueError(f"engagement step {step} is outside its documented range {STEP_RANGE} (sim.advocacy.pivotal)")
    return float(step)


def _rank(world: World, diffs: np.ndarray, candidates: np.ndarray) -> pd.DataFrame:
    """diffs (C,R) paired differences for the candidate delegations -> the ranking table."""
    rows = []
    for c, i in enumerate(candidates):
        m, lo, hi, n = mean_ci(diffs[c])
        rows.append({"iso": str(world.state_iso[i]), "name": str(world.state_name[i]),
                     "bloc": world.bloc_keys[int(world.bloc[i])], "effect": m, "lo": lo, "hi": hi, "n": n})
    return pd.DataFrame(rows).sort_values("effect", ascending=False, kind="stable").reset_index(drop=True)


def target_position(world: World, provision: str, org_types=None) -> float:
    """The position the engagement pushes for on ``provision``: the focus-weighted mean ideal of the organisations
    of ``org_types`` (OrgType keys; default every organisation)."""
    from sim.enums import OrgType

    k = world.issue_keys.index(provision)
    sel = np.ones(world.n_orgs, bool) if not org_types else np.isin(world.org_type, [OrgType[t.upper()] for t in org_types])
    if not sel.any():
        raise ValueError(f"no organisation of types {org_types} in the world")
    w = world.sigma[sel, k]
    return float((world.y[sel, k] * w).sum() / w.sum()) if w.sum() > 0 else float(world.y[sel, k].mean())


def provision_pivots(world: World, params: Params, rules: Rules, seed: int, replicates, provision: str,
                     step: float = STEP, target: float | None = None, candidates=None) -> Pivotal:
    """Rank delegations by how far engaging each moves the final text of ``provision`` towards ``target``
    (points; default target_position over every organisation). ``candidates`` (indices) limits the search."""
    step = _check_step(step)
    if provision not in world.issue_keys:
        raise ValueError(f"unknown provision {provision!r}; the world has {', '.join(world.issue_keys)}")
    k = world.issue_keys.index(provision)
    replicates = np.asarray(replicates, dtype=np.int64)
    target = target_position(world, provision) if target is None else float(target)
    base = Negotiation(world, params, rules, seed, replicates).run().d[:, k]
    sign = 1.0 if target >= base.mean() else -1.0
    candidates = np.arange(world.n_states) if candidates is None else np.asarray(candidates)
    diffs = np.empty((len(candidates), len(replicates)))
    for c, i in enumerate(candidates):
        scale = np.ones(world.n_states)
        scale[i] = 1.0 + step
        diffs[c] = sign * (Negotiation(world, params, rules, seed, replicates, engagement=scale).run().d[:, k] - base)
    label = world.issue_labels[k]
    return Pivotal(_rank(world, diffs, candidates), f"final text of '{label}', points towards {target:.0f}",
                   float(base.mean()), step, len(replicates))


def access_pivots(world: World, params: Params, ahc_rules: Rules, spec: CospSpec, seed: int, replicates,
                  step: float = STEP, candidates=None) -> Pivotal:
    """Rank delegations by how far engaging each moves the COSP chair's draft access rule towards open (points of
    the access scale, 0 none .. 100 open), in the negotiation of the COSP's rules of procedure."""
    step = _check_step(step)
    replicates = np.asarray(replicates, dtype=np.int64)
    base, _ = cosp.access_negotiation(world, params, ahc_rules, spec, seed, replicates)
    candidates = np.arange(world.n_states) if candidates is None else np.asarray(candidates)
    diffs = np.empty((len(candidates), len(replicates)))
    for c, i in enumerate(candidates):
        scale = np.ones(world.n_states)
        scale[i] = 1.0 + step
        diffs[c] = cosp.access_negotiation(world, params, ahc_rules, spec, seed, replicates, engagement=scale)[0] - base
    return Pivotal(_rank(world, diffs, candidates), "COSP chair's draft access rule, points towards open",
                   float(base.mean()), step, len(replicates))


def deciders_from(e, chair, spec: CospSpec, params: Params, u_abs, u_abst) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per state, in which replicates its absence or its abstention alone changes the rule adopted.

    e (R,N) access positions, chair (R,) the chair's draft, u_abs/u_abst (R,N) the decision's uniforms (sim.cosp).
    Returns the adopted rule (R,) and two (R,N) bool arrays: absence decides, abstention decides.
    """
    e, u_abs, u_abst = np.asarray(e, float), np.asarray(u_abs, float), np.asarray(u_abst, float)
    adopted = cosp.decide_rule(e, chair, spec, params, u_abs, u_abst)
    r_, n_ = e.shape
    by_absence, by_abstention = np.zeros((r_, n_), bool), np.zeros((r_, n_), bool)
    away = -1.0          # a uniform below any probability in [0, 1]: the state is absent (abstains)
    for i in range(n_):
        ua = u_abs.copy()
        ua[:, i] = away
        by_absence[:, i] = cosp.decide_rule(e, chair, spec, params, ua, u_abst) != adopted
        ub = u_abst.copy()
        ub[:, i] = away
        by_abstention[:, i] = cosp.decide_rule(e, chair, spec, params, u_abs, ub) != adopted
    return adopted, by_absence, by_abstention


def access_deciders(world: World, params: Params, ahc_rules: Rules, spec: CospSpec, seed: int, replicates) -> pd.DataFrame:
    """The delegations whose absence or abstention decides the COSP's access rule, most often first: P(decides)
    over the replicates (with the rule adopted at the baseline and the rule each one's absence would give)."""
    replicates = np.asarray(replicates, dtype=np.int64)
    chair, e = cosp.access_negotiation(world, params, ahc_rules, spec, seed, replicates)
    _, u_abs, u_abst = cosp.cosp_draws(world, seed, replicates)
    adopted, by_absence, by_abstention = deciders_from(e, chair, spec, params, u_abs, u_abst)
    rows = []
    for i in range(world.n_states):
        rows.append({"iso": str(world.state_iso[i]), "name": str(world.state_name[i]),
                     "bloc": world.bloc_keys[int(world.bloc[i])], "p_absence_decides": float(by_absence[:, i].mean()),
                     "p_abstention_decides": float(by_abstention[:, i].mean()),
                     "p_decides": float((by_absence[:, i] | by_abstention[:, i]).mean())})
    out = pd.DataFrame(rows).sort_values(["p_decides", "iso"], ascending=[False, True], kind="stable")
    out.attrs["adopted"] = {r: float((adopted == r).mean()) for r in ACCESS_RULES}
    return out.reset_index(drop=True)
