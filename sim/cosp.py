"""The Conference of States Parties: the negotiation of its stakeholder-access rule, then its first sessions.

Stage 1 (MODEL.md §4 step 7). The same engine negotiates one issue: stakeholder access to the COSP, from 0 (none) to
100 (open and inclusive). The three camps of the draft rules of procedure take their positions from each state's
access stance:
- open and inclusive: ``open_position``;
- limited, technical and consent-based: ``limited_position``;
- none: ``opposed_position``.

Organisations want access, at type-specific positions (``org_positions``). The negotiation format is the lever:
- the share of closed informal rounds (``informal_share``);
- the stakeholders' status in them (``informals``: excluded, observers, participants);
- the number of sessions (``sessions``, the last one decides by consensus or two-thirds).

Accreditation is the AHC's. The outcome maps onto a rule: open above ``open_above``, none below ``none_below``,
limited between. A failed negotiation leaves ``fallback_rule``.

Stage 2. The COSP's first sessions (implementation review and a supplementary protocol on additional offences) are
negotiated by the engine on the scenario's provisions over ``protocol_sessions`` sessions. The rules are the rule
preset of the adopted access rule (``configs/rules/cosp_<rule>.yaml``), and, for comparison, ``as_is_rules``: the
AHC model kept as is. Both runs use the same replicate seeds, so the difference is paired.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from sim import presets
from sim.config import ACCESS_RULES, CospSpec, Params, Rules
from sim.core.seeds import Purpose, stream
from sim.engine import Negotiation
from sim.enums import AdoptionMode, OrgType, SessionKind, Stance
from sim.runner import run_replicates
from sim.scenario import World


def _calendar(n: int, last: SessionKind) -> dict:
    kinds = [SessionKind.SUBSTANTIVE] * (n - 1) + [last]
    return dict(session_keys=tuple(f"c{t + 1}" for t in range(n)), session_labels=tuple(f"COSP {t + 1}" for t in range(n)),
                session_kind=np.array(kinds, dtype=int), session_minutes=np.full(n, 3600.0),
                intersessional=np.zeros(n, bool))


def _camp(world: World, open_: float, limited: float, opposed: float) -> np.ndarray:
    return np.select([world.stance == Stance.OPEN, world.stance == Stance.LIMITED], [open_, limited], opposed)


def camp_shift(world: World, spec: CospSpec, seed: int, replicates) -> np.ndarray:
    """Per replicate, one shock per camp (open, limited, opposed), applied to its members: (R,N,1)."""
    shocks = np.stack([stream(seed, Purpose.COSP, int(r)).standard_normal(3) for r in replicates])
    camp = np.select([world.stance == Stance.OPEN, world.stance == Stance.LIMITED], [0, 1], 2)
    return (spec.camp_shock_sd * shocks[:, camp])[:, :, None]


def access_world(world: World, spec: CospSpec, seed: int) -> World:
    """The AHC world with one issue, stakeholder access, and the calendar of the rules negotiation."""
    camp = _camp(world, spec.open_position, spec.limited_position, spec.opposed_position)
    rng = stream(seed, Purpose.ORGANISATIONS, 10_000)    # a fixed draw per root seed, like the organisations
    x = np.clip(camp + spec.position_sd * rng.standard_normal(world.n_states), 0, 100)[:, None]
    y = np.array([spec.org_positions.get(OrgType(t).key, 75.0) for t in world.org_type])
    y = np.clip(y + spec.org_position_sd * rng.standard_normal(world.n_orgs), 0, 100)[:, None]
    alignment = 1.0 - np.abs(x[:, None, :] - y[None]).mean(axis=2) / 100.0
    nb = len(world.bloc_keys)
    bloc_alignment = np.stack([alignment[world.bloc == b].mean(axis=0) if (world.bloc == b).any()
                               else np.zeros(world.n_orgs) for b in range(nb)])
    return replace(world, name=f"{world.name}_cosp_rules", issue_keys=("stakeholder_access",),
                   issue_labels=("Stakeholder access to the COSP",), technical=np.zeros(1, bool),
                   fallback=np.array([spec.limited_position]), x_base=x, x_novote=x,
                   salience=_camp(world, spec.salience_open, spec.salience_limited, spec.salience_opposed)[:, None],
                   y=y, sigma=np.ones((world.n_orgs, 1)),
                   credibility=world.credibility[:, :1], alignment=alignment, bloc_alignment=bloc_alignment,
                   reservable=np.zeros(1, bool), **_calendar(spec.sessions, SessionKind.CONCLUDING))


def protocol_world(world: World, spec: CospSpec) -> World:
    """The COSP's first sessions: the scenario's provisions, a shorter calendar ending in a decision."""
    n = spec.protocol_sessions
    kinds = [SessionKind.SUBSTANTIVE] * (n - 2) + [SessionKind.CONCLUDING, SessionKind.RESUMED]
    cal = _calendar(n, SessionKind.RESUMED)
    cal["session_kind"] = np.array(kinds, dtype=int)
    return replace(world, name=f"{world.name}_cosp_protocol", **cal)


def access_rule(position: np.ndarray, adopted: np.ndarray, spec: CospSpec) -> np.ndarray:
    """Map the negotiated access position onto open / limited / none (the fallback where the negotiation failed)."""
    rule = np.where(position >= spec.open_above, "open", np.where(position < spec.none_below, "none", "limited"))
    return np.where(adopted, rule, spec.fallback_rule)


def rules_negotiation(world: World, params: Params, ahc_rules: Rules, spec: CospSpec, seed: int, replicates):
    """Stage 1 for every replicate: (access position (R,), adopted (R,), mode labels)."""
    aw = access_world(world, spec, seed)
    rules = replace(ahc_rules, informal_share=spec.informal_share, informals=spec.informals,
                    speaking_minutes=spec.speaking_minutes, statement_minutes=3.0)
    neg = Negotiation(aw, params, rules, seed, replicates, x_shift=camp_shift(world, spec, seed, replicates)).run()
    adopted = neg.mode != int(AdoptionMode.FAILED)
    return neg.d[:, 0], adopted, [AdoptionMode(m).label for m in neg.mode]


def cosp_chain(world: World, params: Params, ahc_rules: Rules, spec: CospSpec, seed: int, replicates,
               variants: str = "all_vs_none") -> pd.DataFrame:
    """Both stages; one row per replicate with the access rule adopted and the protocol outcomes under it and
    under the AHC model kept as is (paired: the same replicate seeds)."""
    replicates = np.asarray(replicates)
    position, adopted, modes = rules_negotiation(world, params, ahc_rules, spec, seed, replicates)
    rule = access_rule(position, adopted, spec)
    pw = protocol_world(world, spec)
    as_is = run_replicates(pw, params, presets.rules(spec.as_is_rules), seed, replicates, variants).table
    parts = []
    for name in ACCESS_RULES:
        sel = rule == name
        if sel.any():
            parts.append(run_replicates(pw, params, presets.rules(f"cosp_{name}"), seed, replicates[sel],
                                        variants).table)
    table = pd.concat(parts).set_index("replicate").loc[replicates].reset_index()
    keep = [c for c in ("influence_all", "accredited", "speaking_minutes", "distance_to_compromise", "mode")
            if c in table]
    out = pd.DataFrame({"replicate": replicates, "access_position": position, "rules_mode": modes,
                        "access_rule": rule})
    for c in keep:
        out[f"protocol_{c}"] = table[c].to_numpy()
        out[f"as_is_{c}"] = as_is[c].to_numpy()
    if "influence_all" in table:
        out["influence_vs_as_is"] = out["protocol_influence_all"] - out["as_is_influence_all"]
    return out
