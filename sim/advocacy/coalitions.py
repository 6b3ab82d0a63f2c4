"""What organisations gain by speaking jointly, and Shapley values over coalitions (issue 13).

Two questions an advocate asks of a coalition:

- **Joint versus separate.** The same organisations, the same rules and the same random draws (common random
  numbers, sim.core.seeds), once with the named coalitions as the scenario has them (joint statements through a
  spokesperson, cross-sector premium: sim.lobbying) and once with every member of those coalitions speaking for
  itself. The difference, replicate by replicate, is the value of speaking jointly. Outcomes are the stakeholder
  effect on each provision (|text with all organisations - text without any|, metrics.text_effect, points), the
  signed movement of each provision towards each coalition's members' mean ideal (points) and the share of the
  members' gap to their ideals that the text closed (metrics.gap_closed, after Dür 2008).
- **Shapley values over coalitions.** The players are the named coalitions plus one player "unaffiliated" (every
  solo organisation); v(S) is the influence of all stakeholders (metrics.counterfactual_influence over every
  organisation, against the run with none; Dahl/Nagel causal power, Betsill & Corell 2008) when only the members
  of S are present, and the Shapley value (Shapley 1953) attributes v(all) to the players. All 2^n presence masks
  are variants of one Negotiation batch, so every coalition of players sees the same draws.

Intervals are Student-t intervals of the mean over replicates (sim.analysis.mean_ci), at sim.analysis.LEVEL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim import metrics
from sim.analysis import mean_ci
from sim.config import Params, Rules
from sim.engine import Negotiation
from sim.scenario import World

SOLO_PREFIX = "solo_"          # coalition keys of organisations that speak for themselves (sim.scenario._coalitions)
UNAFFILIATED = "unaffiliated"  # the Shapley player made of every solo organisation
ALL = "all"                    # the provision / coalition label of a row that is not about one of them


def named_coalitions(world: World) -> list[str]:
    """The keys of the named coalitions (every coalition key that does not start with ``solo_``), in index order."""
    return [k for k in world.coalition_keys if not k.startswith(SOLO_PREFIX)]


def separate(world: World, coalitions: Sequence[str] | None = None) -> World:
    """A copy of ``world`` in which every member of the named ``coalitions`` (default: all of them) is solo.

    The engine wants the named coalitions first (indices 0..n_named-1) and then one coalition per solo
    organisation keyed ``solo_<o>`` (sim.scenario._coalitions; sim.engine reads n_named from the keys), so the
    coalitions that stay are renumbered in their order and every solo organisation gets a fresh index.

    Raises:
        ValueError: a name in ``coalitions`` is not a named coalition of the world.
    """
    named = named_coalitions(world)
    split = set(named if coalitions is None else coalitions)
    unknown = sorted(split - set(named))
    if unknown:
        raise ValueError(f"no named coalition {unknown} in the world (named: {named})")
    keep = [k for k in named if k not in split]
    index = {world.coalition_keys.index(k): i for i, k in enumerate(keep)}
    coalition = np.full(world.n_orgs, -1, dtype=np.asarray(world.coalition).dtype)
    for o, c in enumerate(world.coalition):
        coalition[o] = index.get(int(c), -1)
    solo = np.flatnonzero(coalition < 0)
    coalition[solo] = len(keep) + np.arange(len(solo))
    keys = tuple(keep) + tuple(f"{SOLO_PREFIX}{o}" for o in solo)
    return dataclasses.replace(world, coalition=coalition, coalition_keys=keys)


def _all_vs_none(world: World, params: Params, rules: Rules, seed: int, replicates: np.ndarray):
    """Final texts with every organisation and with none, (R,K) each, from one batch."""
    masks = np.array([np.ones(world.n_orgs, bool), np.zeros(world.n_orgs, bool)])
    neg = Negotiation(world, params, rules, seed, replicates, masks).run()
    text = neg.d.reshape(len(replicates), len(masks), world.n_issues)
    return text[:, 0], text[:, 1]


def paired_joint_separate(world: World, params: Params, rules: Rules, seed: int, replicates,
                          coalitions: Sequence[str] | None = None) -> pd.DataFrame:
    """Replicate by replicate, each outcome with the coalitions speaking jointly (the world as is) and separately
    (``separate(world, coalitions)``), and the difference joint - separate.

    One row per replicate x outcome x provision x coalition. Columns: ``replicate``; ``outcome`` (``effect``: the
    stakeholder effect |text - text_none| on ``provision``, points; ``towards``: the signed movement of
    ``provision`` towards the mean ideal of ``coalition``'s members, text - text_none, positive when towards them,
    points; ``gap_closed``: mean share of the members' gap to their ideals closed, provision ``all``, a share in
    [-inf, 1]); ``provision``; ``coalition`` (``all`` for ``effect``); ``unit``; ``joint``; ``separate``;
    ``difference`` (joint - separate, in ``unit``). The direction of ``towards`` is taken from the joint world's
    text without stakeholders (the same in both worlds: no organisation is present).
    """
    replicates = np.asarray(replicates, dtype=np.int64)
    split = named_coalitions(world) if coalitions is None else list(coalitions)
    apart = separate(world, split)
    texts = {"joint": _all_vs_none(world, params, rules, seed, replicates),
             "separate": _all_vs_none(apart, params, rules, seed, replicates)}
    none_ref = texts["joint"][1]
    rows: list[pd.DataFrame] = []

    def add(outcome, provision, coalition, unit, joint, sep):
        rows.append(pd.DataFrame({"replicate": replicates, "outcome": outcome, "provision": provision,
                                  "coalition": coalition, "unit": unit, "joint": joint, "separate": sep,
                                  "difference": joint - sep}))

    effect = {k: metrics.text_effect(*texts[k]) for k in texts}
    for j, key in enumerate(world.issue_keys):
        add("effect", key, ALL, "points", effect["joint"][:, j], effect["separate"][:, j])
    for c, key in enumerate(world.coalition_keys):
        members = world.coalition == c
        if key not in split or not members.any():
            continue
        ideal = world.y[members].mean(axis=0)                                  # (K,)
        direction = np.sign(ideal[None] - none_ref)                             # (R,K)
        moved = {k: direction * (texts[k][0] - texts[k][1]) for k in texts}
        for j, issue in enumerate(world.issue_keys):
            add("towards", issue, key, "points", moved["joint"][:, j], moved["separate"][:, j])
        closed = {k: metrics.row_nanmean(metrics.gap_closed(world, *texts[k])[:, members]) for k in texts}
        add("gap_closed", ALL, key, "share of gap", closed["joint"], closed["separate"])
    return pd.concat(rows, ignore_index=True)


def joint_vs_separate(world: World, params: Params, rules: Rules, seed: int, replicates,
                      coalitions: Sequence[str] | None = None) -> pd.DataFrame:
    """The value of speaking jointly: per outcome, provision and coalition (paired_joint_separate), the mean with
    the coalitions joint and separate, and the mean paired difference joint - separate with its 95% t-interval over
    replicates.

    Columns: ``outcome``, ``provision``, ``coalition``, ``unit`` (``points`` or ``share of gap``: the unit of every
    number in the row), ``joint``, ``separate``, ``difference``, ``difference_lo``, ``difference_hi``, ``replicates``
    (the number of finite paired differences).
    """
    pairs = paired_joint_separate(world, params, rules, seed, replicates, coalitions)
    rows = []
    for (outcome, provision, coalition, unit), grp in pairs.groupby(["outcome", "provision", "coalition", "unit"],
                                                                    sort=False):
        m, lo, hi, n = mean_ci(grp["difference"])
        rows.append({"outcome": outcome, "provision": provision, "coalition": coalition, "unit": unit,
                     "joint": float(np.nanmean(grp["joint"])) if grp["joint"].notna().any() else np.nan,
                     "separate": float(np.nanmean(grp["separate"])) if grp["separate"].notna().any() else np.nan,
                     "difference": m, "difference_lo": lo, "difference_hi": hi, "replicates": n})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ Shapley values
def players(world: World) -> tuple[list[str], list[np.ndarray]]:
    """The Shapley players and their members (O,) bool: each named coalition (in index order), then
    ``unaffiliated`` (every solo organisation) if the world has any."""
    names, members = [], []
    for c, key in enumerate(world.coalition_keys):
        if not key.startswith(SOLO_PREFIX):
            names.append(key)
            members.append(world.coalition == c)
    solo = np.array([world.coalition_keys[c].startswith(SOLO_PREFIX) for c in world.coalition], dtype=bool)
    if solo.any():
        names.append(UNAFFILIATED)
        members.append(solo)
    return names, members


def coalition_masks(members: list[np.ndarray]) -> np.ndarray:
    """(2^n, O) presence masks: row S (a bitmask over the n players) has exactly the members of the players in S."""
    n = len(members)
    o = len(members[0]) if n else 0
    masks = np.zeros((1 << n, o), bool)
    for s in range(1 << n):
        for g in range(n):
            if s >> g & 1:
                masks[s] |= members[g]
    return masks


def coalition_values(world: World, params: Params, rules: Rules, seed: int, replicates,
                     provision: str | None = None) -> tuple[list[str], dict[int, np.ndarray]]:
    """The players and v(S) per replicate (R,) for every coalition S of players (bitmask), from one batch.

    v(S) = influence of all stakeholders (metrics.counterfactual_influence over every organisation, weighted scale
    points towards their preferences) when only the members of S are present, against the run with none; with
    ``provision``, v(S) = |text_k(S) - text_k(none)| in points. v(empty) = 0.
    """
    replicates = np.asarray(replicates, dtype=np.int64)
    names, members = players(world)
    masks = coalition_masks(members)
    neg = Negotiation(world, params, rules, seed, replicates, masks).run()
    text = neg.d.reshape(len(replicates), len(masks), world.n_issues)
    none = text[:, 0]
    if provision is None:
        everyone = np.ones(world.n_orgs, bool)
        values = {s: metrics.counterfactual_influence(world, text[:, s], none, everyone) for s in range(len(masks))}
    else:
        if provision not in world.issue_keys:
            raise ValueError(f"no provision {provision!r} (provisions: {', '.join(world.issue_keys)})")
        j = world.issue_keys.index(provision)
        values = {s: metrics.text_effect(text[:, s], none)[:, j] for s in range(len(masks))}
    return names, values


def _summarise(names: list[str], phi: np.ndarray, total: np.ndarray, sizes: list[int]) -> pd.DataFrame:
    v_all = float(np.mean(total))
    rows = []
    for g, name in enumerate(names):
        m, lo, hi, n = mean_ci(phi[:, g])
        rows.append({"player": name, "members": sizes[g], "shapley": m, "shapley_lo": lo, "shapley_hi": hi,
                     "share_of_total": m / v_all if v_all != 0 else np.nan, "replicates": n})
    return pd.DataFrame(rows)


def coalition_shapley(world: World, params: Params, rules: Rules, seed: int, replicates,
                      provision: str | None = None) -> pd.DataFrame:
    """Shapley values of the coalitions (players: coalition_values), one row per player.

    Columns: ``player``; ``members`` (organisations); ``shapley`` (mean over replicates of the player's Shapley
    value, in the unit of v: weighted scale points of influence, or points of text movement with ``provision``);
    ``shapley_lo``, ``shapley_hi`` (95% t-interval over replicates); ``share_of_total`` (mean Shapley value / mean
    v(all); the shares sum to 1 by efficiency); ``replicates``.
    """
    names, values = coalition_values(world, params, rules, seed, replicates, provision)
    phi = metrics.shapley_values(values, len(names))
    sizes = [int(m.sum()) for m in players(world)[1]]
    return _summarise(names, phi, values[(1 << len(names)) - 1], sizes)


def type_shapley(world: World, params: Params, rules: Rules, seed: int, replicates) -> pd.DataFrame:
    """The same summary with organisation types as players: a thin wrapper over the runner's Shapley attribution
    (``run_replicates(..., attribution="shapley")``: 2^6 variants, v(S) the influence of all stakeholders when only
    the types in S are present). Columns as in coalition_shapley; types without organisations are null players."""
    from sim.runner import TYPE_KEYS, run_replicates

    table = run_replicates(world, params, rules, seed, replicates, "all_vs_none", attribution="shapley").table
    phi = table[[f"shapley_{k}" for k in TYPE_KEYS]].to_numpy(float)
    sizes = [int((world.org_type == g).sum()) for g in range(len(TYPE_KEYS))]
    return _summarise(list(TYPE_KEYS), phi, table["influence_all"].to_numpy(float), sizes)
