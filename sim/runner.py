"""Replicates x counterfactual variants, batched, into one tidy table (one row per replicate).

Variant sets (MODEL.md §5): ``none`` (only the full run), ``all_vs_none`` (plus the same replicate without any
stakeholder) and ``leave_one_type_out`` (plus one run without each organisation type). Influence of type g is
measured against the run without g; "all stakeholders vs none" is reported for all types together, and is not a
per-type measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import metrics
from sim.aftermath import after_adoption
from sim.config import Params, Rules
from sim.engine import Negotiation
from sim.enums import AdoptionMode, OrgType
from sim.scenario import World, camp_salience

TYPE_KEYS = tuple(t.key for t in OrgType)


def _coalition_name(bits: int) -> str:
    full = (1 << len(OrgType)) - 1
    if bits == full:
        return "full"
    if bits == 0:
        return "none"
    absent = [t for t in OrgType if not bits >> t & 1]
    return f"without_{absent[0].key}" if len(absent) == 1 else f"coalition_{bits}"


def variant_masks(world: World, variant_set: str, attribution: str = "none") -> tuple[list[str], np.ndarray]:
    """Names and (V,O) presence masks of a variant set; the first variant is always the full run.

    ``attribution="shapley"`` adds every coalition of organisation types (2^6 = 64 variants, which include the
    full run, none and leave-one-type-out) so that influence can be attributed to types by Shapley values.
    """
    names, masks = ["full"], [np.ones(world.n_orgs, bool)]
    if variant_set in ("all_vs_none", "leave_one_type_out"):
        names.append("none")
        masks.append(np.zeros(world.n_orgs, bool))
    if variant_set == "leave_one_type_out":
        for t in OrgType:
            names.append(f"without_{t.key}")
            masks.append(world.org_type != t)
    if attribution == "shapley":
        for bits in range((1 << len(OrgType)) - 1, -1, -1):
            name = _coalition_name(bits)
            if name not in names:
                names.append(name)
                masks.append(np.isin(world.org_type, [t for t in OrgType if bits >> t & 1]))
    return names, np.array(masks)


@dataclass
class RunResults:
    """The table (one row per replicate) plus the full-variant trajectories for charts."""

    world: World
    table: pd.DataFrame
    draft: np.ndarray       # (R, T+1, K) the chair's draft after each session (full variant)
    positions: np.ndarray   # (R, T+1, nb, K) bloc mean positions
    accredited: np.ndarray  # (R, O)
    ratifications: np.ndarray | None = None   # (R, Q+1) cumulative ratifications per quarter after signature opens
    signed: np.ndarray | None = None          # (R, N) who signed


def tabulate(neg: Negotiation, names: list[str], replicates: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """The tidy table (one row per replicate) and the full variant's tracks of a finished batch whose variants
    are ``names`` (from variant_masks)."""
    w, v_ = neg.world, len(names)
    full = np.flatnonzero(neg.variant == 0)
    frame = {"replicate": replicates, "mode": np.array(metrics.adoption_mode(neg))[full],
             "sessions": metrics.sessions_needed(neg)[full], "accredited": metrics.accredited_count(neg)[full],
             "rights_share": metrics.rights_share(neg)[full], "objections": metrics.objections_count(neg),
             "speaking_minutes": metrics.speaking_minutes(neg)[full],
             "informal_share_of_movement": metrics.informal_settlement_share(neg)[full],
             "distance_to_compromise": metrics.distance_to_compromise(neg)[full],
             "text_yes": neg.text_vote[full, 0], "text_no": neg.text_vote[full, 1],
             "deletion_votes": (neg.deletion_votes[full] > 0).sum(axis=1),
             "deletions_passed": (neg.deletion_votes[full] == 2).sum(axis=1)}
    for j, k in enumerate(w.issue_keys):
        frame[f"text_{k}"] = neg.d[full, j]
        frame[f"first_{k}"] = neg.draft[full, 0, j]
        frame[f"compromise_{k}"] = neg.compromise_x[full, j]
        frame[f"deletion_vote_{k}"] = neg.deletion_votes[full, j]   # 0 none, 1 held and failed, 2 passed
    pa = metrics.by_type(neg, metrics.preference_attainment(neg))[full]
    acc = metrics.accredited_by_type(neg)[full]
    for g, key in enumerate(TYPE_KEYS):
        frame[f"attainment_{key}"] = pa[:, g]
        frame[f"accredited_{key}"] = acc[:, g]
    text = neg.d.reshape(len(replicates), v_, w.n_issues)
    if "none" in names:
        frame["influence_all"] = metrics.counterfactual_influence(w, text[:, 0], text[:, names.index("none")],
                                                                  np.ones(w.n_orgs, bool))
        for g, key in enumerate(TYPE_KEYS):
            frame[f"influence_all_on_{key}"] = metrics.counterfactual_influence(
                w, text[:, 0], text[:, names.index("none")], w.org_type == g)
    for g, key in enumerate(TYPE_KEYS):
        if f"without_{key}" in names:
            frame[f"influence_{key}"] = metrics.counterfactual_influence(
                w, text[:, 0], text[:, names.index(f"without_{key}")], w.org_type == g)
    frame.update(_magnitudes(w, names, text))
    if len(names) == 1 << len(TYPE_KEYS):      # every coalition of types was run: Shapley attribution
        full_bits = (1 << len(TYPE_KEYS)) - 1
        none = text[:, names.index("none")]
        everyone = np.ones(w.n_orgs, bool)
        values = {bits: metrics.counterfactual_influence(w, text[:, names.index(_coalition_name(bits))], none, everyone)
                  for bits in range(full_bits + 1)}
        phi = metrics.shapley_values(values, len(TYPE_KEYS))
        for g, key in enumerate(TYPE_KEYS):
            frame[f"shapley_{key}"] = phi[:, g]
    after = after_adoption(w, neg.params, neg.seed, replicates, neg.d[full], neg.x[full], neg.u_reserve[full],
                           neg.mode[full] != int(AdoptionMode.FAILED))
    frame["signatures"] = after.signed.sum(axis=1)
    for region in sorted(set(w.region)):
        frame[f"signatures_{region}"] = after.signed[:, w.region == region].sum(axis=1)
    frame["ratifications_2y"] = after.curve[:, min(8, w.quarters)]
    frame["ratifications_5y"] = after.curve[:, min(20, w.quarters)]
    frame["eif_days"] = after.eif_days
    for j, k in enumerate(w.issue_keys):
        if w.reservable is not None and w.reservable[j]:
            frame[f"reservations_{k}"] = after.reservations[:, :, j].sum(axis=1)
    frame["implementation"] = after.implementation.mean(axis=1)
    frame["misuse_risk"] = after.misuse.mean(axis=1)
    return pd.DataFrame(frame), {"draft": neg.draft[full], "positions": neg.positions[full],
                                 "accredited": neg.accredited[full], "ratifications": after.curve,
                                 "signed": after.signed}


def _magnitudes(w: World, names: list[str], text: np.ndarray) -> dict[str, np.ndarray]:
    """Stakeholder effects in points (metrics.text_effect, gap_closed, unmoved_asks): per provision against the
    run without any stakeholder, per type against the run without the type."""
    out: dict[str, np.ndarray] = {}
    if "none" in names:
        none = text[:, names.index("none")]
        effect = metrics.text_effect(text[:, 0], none)
        for j, k in enumerate(w.issue_keys):
            out[f"effect_{k}"] = effect[:, j]
        closed = metrics.gap_closed(w, text[:, 0], none)
        out["gap_closed"] = metrics.row_nanmean(closed)
        for g, key in enumerate(TYPE_KEYS):
            if (w.org_type == g).any():
                out[f"gap_closed_{key}"] = metrics.row_nanmean(closed[:, w.org_type == g])
        for c, key in enumerate(w.coalition_keys):
            if not key.startswith("solo_") and (w.coalition == c).any():
                out[f"gap_closed_coalition_{key}"] = metrics.row_nanmean(closed[:, w.coalition == c])
        out["asks_unmoved"] = metrics.unmoved_asks(w, text[:, 0], none)
    for key in TYPE_KEYS:
        if f"without_{key}" in names:
            effect = metrics.text_effect(text[:, 0], text[:, names.index(f"without_{key}")])
            out[f"effect_type_{key}"] = effect.mean(axis=1)
            out[f"effect_type_{key}_max"] = effect.max(axis=1)
    return out


def run_replicates(world: World, params: Params, rules: Rules, seed: int, replicates, variant_set: str = "none",
                   chunk_size: int = 128, attribution: str = "none") -> RunResults:
    """Run ``replicates`` (replicate numbers) with their variants, ``chunk_size`` replicates at a time.

    Results do not depend on ``chunk_size``: every row is computed independently of the others in its batch.
    """
    replicates = np.asarray(replicates, dtype=np.int64)
    names, masks = variant_masks(world, variant_set, attribution)
    tables, tracks = [], []
    for lo in range(0, len(replicates), chunk_size):
        chunk = replicates[lo:lo + chunk_size]
        neg = Negotiation(world, params, rules, seed, chunk, masks).run()
        table, track = tabulate(neg, names, chunk)
        tables.append(table)
        tracks.append(track)
    cat = lambda key: np.concatenate([t[key] for t in tracks])  # noqa: E731
    weighed = camp_salience(world, params.camp_salience)      # the world as the engine weighed it
    return RunResults(weighed, pd.concat(tables, ignore_index=True), cat("draft"), cat("positions"),
                      cat("accredited"), cat("ratifications"), cat("signed"))
