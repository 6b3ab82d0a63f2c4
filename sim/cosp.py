"""The Conference of States Parties: the negotiation of its stakeholder-access rule, then its first sessions.

Stage 1 (MODEL.md §4 step 7; issue 11 item 6). The COSP chooses among discrete **rule texts** (``ACCESS_RULES``):
open and inclusive · the Ad Hoc Committee's modalities carried over · a two-thirds override of objections · draft
rule 17(2), where a single objection refers an application to the COSP · consent-based (the home state's consent) ·
limited and technical · none. Each text has a place on the access scale (0 none .. 100 open, ``option_positions``).

1. **Positions** come from the same engine, negotiating the one access issue over ``sessions`` rounds with no
   decision: the three camps of the draft rules (open, limited, none) take their positions from each state's access
   stance, with a per-replicate shock per camp; organisations argue for access; the **format** (share of closed
   informal rounds, stakeholders excluded, observing or participating) decides how much they are heard.
2. **Linkage** (Sebenius 1983): a package that trades access for the linked issue (technical assistance) moves each
   swing-camp state towards the open camp by ``linkage`` x its salience of that issue.
3. **The decision** (Tsebelis 2002; Romer & Rosenthal 1978): the draft text on the table (``status_quo``, rule
   17(2)) stays unless the COSP's ``decision_rule`` admits a change. A text beats the status quo under consensus if
   no state present objects (prefers the status quo by more than ``vote_indifference``), under two-thirds if at
   least ``adoption_majority`` of those present and voting prefer it; states are absent or abstain with the
   decision stage's probabilities. The chair (agenda setter) proposes, among the texts that beat the status quo,
   the one closest to its draft; if none does, the status quo stays.

Stage 2. The COSP's first sessions (implementation review and a supplementary protocol) are negotiated by the engine
on the scenario's provisions under the rule preset of the adopted text (``RULE_PRESETS``) and, for comparison,
under ``as_is_rules`` (the AHC model kept as is), with the same replicate seeds, so the difference is paired.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from sim import decision, presets
from sim.config import ACCESS_RULES, CospSpec, Params, Rules
from sim.core.seeds import Purpose, stream
from sim.engine import Negotiation
from sim.enums import OrgType, SessionKind, Stance
from sim.runner import run_replicates
from sim.scenario import World

# the rules preset (configs/rules/) that governs the COSP's sessions under each rule text
RULE_PRESETS = {"open": "cosp_open", "ahc_modalities": "cosp_as_ahc", "two_thirds_override": "cosp_two_thirds_override",
                "rule_17_2": "cosp_rule_17_2", "consent_based": "cosp_consent_based",
                "limited_technical": "cosp_limited", "none": "cosp_none"}


def _calendar(n: int, kinds: list[SessionKind], minutes: float) -> dict:
    return dict(session_keys=tuple(f"c{t + 1}" for t in range(n)), session_labels=tuple(f"COSP {t + 1}" for t in range(n)),
                session_kind=np.array(kinds, dtype=int), session_minutes=np.full(n, float(minutes)),
                intersessional=np.zeros(n, bool))


def session_minutes(world: World, spec: CospSpec) -> float:
    """Minutes per round of the COSP negotiations: ``cosp.session_minutes`` if given, else the median session of the
    scenario's calendar (the AHC drafts the COSP's rules of procedure in its own sessions; configs/scenario/)."""
    if spec.session_minutes is not None:
        return float(spec.session_minutes)
    return float(np.median(world.session_minutes))


def _camp(world: World, open_: float, limited: float, opposed: float) -> np.ndarray:
    return np.select([world.stance == Stance.OPEN, world.stance == Stance.LIMITED], [open_, limited], opposed)


def cosp_draws(world: World, seed: int, replicates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per replicate, from its COSP stream: one shock per camp (R,3), then absence and abstention uniforms (R,N)."""
    shocks, absent, abstain = [], [], []
    for r in replicates:
        rng = stream(seed, Purpose.COSP, int(r))
        shocks.append(rng.standard_normal(3))
        absent.append(rng.random(world.n_states))
        abstain.append(rng.random(world.n_states))
    return np.array(shocks), np.array(absent), np.array(abstain)


def camp_shift(world: World, spec: CospSpec, seed: int, replicates) -> np.ndarray:
    """Per replicate, one shock per camp (open, limited, opposed), applied to its members: (R,N,1)."""
    shocks = cosp_draws(world, seed, replicates)[0]
    camp = np.select([world.stance == Stance.OPEN, world.stance == Stance.LIMITED], [0, 1], 2)
    return (spec.camp_shock_sd * shocks[:, camp])[:, :, None]


def access_world(world: World, spec: CospSpec, seed: int) -> World:
    """The AHC world with one issue, stakeholder access, and the calendar of the rules negotiation (no decision:
    the rule texts are decided by ``decide_rule``)."""
    camp = _camp(world, spec.open_position, spec.limited_position, spec.opposed_position)
    rng = stream(seed, Purpose.COSP)    # a fixed draw per root seed (no replicate key), like the organisations
    x = np.clip(camp + spec.position_sd * rng.standard_normal(world.n_states), 0, 100)[:, None]
    y = np.array([spec.org_positions[OrgType(t).key] for t in world.org_type])
    y = np.clip(y + spec.org_position_sd * rng.standard_normal(world.n_orgs), 0, 100)[:, None]
    alignment = 1.0 - np.abs(x[:, None, :] - y[None]).mean(axis=2) / 100.0
    nb = len(world.bloc_keys)
    bloc_alignment = np.stack([alignment[world.bloc == b].mean(axis=0) if (world.bloc == b).any()
                               else np.zeros(world.n_orgs) for b in range(nb)])
    return replace(world, name=f"{world.name}_cosp_rules", issue_keys=("stakeholder_access",),
                   issue_labels=("Stakeholder access to the COSP",), technical=np.zeros(1, bool),
                   fallback=np.array([spec.option_positions[spec.status_quo]]), x_base=x, x_novote=x,
                   salience=_camp(world, spec.salience_open, spec.salience_limited, spec.salience_opposed)[:, None],
                   y=y, sigma=np.ones((world.n_orgs, 1)),
                   credibility=world.credibility[:, :1], alignment=alignment, bloc_alignment=bloc_alignment,
                   reservable=np.zeros(1, bool), no_treaty_loss=None, role=None,
                   **_calendar(spec.sessions, [SessionKind.SUBSTANTIVE] * spec.sessions,
                                            session_minutes(world, spec)))


def protocol_world(world: World, spec: CospSpec) -> World:
    """The COSP's first sessions: the scenario's provisions, a shorter calendar ending in a decision."""
    n = spec.protocol_sessions
    kinds = [SessionKind.SUBSTANTIVE] * (n - 2) + [SessionKind.CONCLUDING, SessionKind.RESUMED]
    return replace(world, name=f"{world.name}_cosp_protocol", **_calendar(n, kinds, session_minutes(world, spec)))


def linked_positions(world: World, spec: CospSpec, p: np.ndarray) -> np.ndarray:
    """Access positions after the linked package (R,N): the swing (limited) camp moves towards the open camp by
    linkage x its salience of the linked issue (Sebenius 1983)."""
    if spec.linkage_issue not in world.issue_keys:
        return p
    s = world.salience[:, world.issue_keys.index(spec.linkage_issue)]
    swing = (world.stance == Stance.LIMITED) * spec.linkage * s                      # (N,)
    return p + swing[None] * (spec.open_position - p)


def winset(e, option_pos, status_quo_pos, u_abs, u_abst, params: Params, rule: str) -> np.ndarray:
    """Which rule texts beat the status quo (R,M) for positions e (R,N), under ``rule`` (consensus | two_thirds).

    A state prefers text o to the status quo q by gain_i = |q - e_i| - |o - e_i| (points); it objects (and votes no)
    when gain_i < -vote_indifference, votes yes when gain_i > vote_indifference, and is absent or abstains with the
    decision stage's probabilities. Consensus: no present state objects. Two-thirds: adoption_majority of those
    present and voting vote yes. The status quo itself always 'passes'.
    """
    gain = np.abs(status_quo_pos - e)[:, None, :] - np.abs(np.asarray(option_pos)[None, :, None] - e[:, None, :])
    present = (u_abs >= params.absence_prob)[:, None, :]
    voting = present & (u_abst >= params.abstention_prob)[:, None, :]
    objects = present & (gain < -params.vote_indifference)
    if rule == "consensus":
        ok = ~objects.any(axis=2)
    else:
        yes = (voting & (gain > params.vote_indifference)).sum(axis=2)
        no = (voting & (gain < -params.vote_indifference)).sum(axis=2)
        ok = (yes > 0) & (yes >= params.adoption_majority * (yes + no) - 1e-9)
    return ok | (np.asarray(option_pos) == status_quo_pos)[None, :]


def decide_rule(e, chair, spec: CospSpec, params: Params, u_abs, u_abst) -> np.ndarray:
    """The rule text adopted per replicate (R,) str: among the texts that beat the status quo, the one closest to
    the chair's draft ``chair`` (R,); ties go to the status quo, then to the more open text."""
    pos = np.array([spec.option_positions[o] for o in ACCESS_RULES])
    q = spec.option_positions[spec.status_quo]
    ok = winset(e, pos, q, u_abs, u_abst, params, spec.decision_rule)
    dist = np.where(ok, np.abs(pos[None] - chair[:, None]), np.inf)
    dist = dist + decision.TIE * (np.array(ACCESS_RULES) != spec.status_quo)[None]   # the status quo wins ties
    return np.array(ACCESS_RULES)[np.argmin(dist, axis=1)]


def access_negotiation(world: World, params: Params, ahc_rules: Rules, spec: CospSpec, seed: int, replicates,
                       engagement=None) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1's negotiation without the decision: the chair's access position (R,) and the states' access
    positions after the linked package (R,N). ``engagement`` (N,) as in sim.engine.Negotiation."""
    replicates = np.asarray(replicates)
    aw = access_world(world, spec, seed)
    rules = replace(ahc_rules, informal_share=spec.informal_share, informals=spec.informals,
                    speaking_minutes=spec.speaking_minutes, statement_minutes=spec.statement_minutes)
    neg = Negotiation(aw, params, rules, seed, replicates, x_shift=camp_shift(world, spec, seed, replicates),
                      engagement=engagement).run()
    return neg.d[:, 0], linked_positions(neg.world, spec, neg.p[:, :, 0])


def rules_negotiation(world: World, params: Params, ahc_rules: Rules, spec: CospSpec, seed: int, replicates):
    """Stage 1 for every replicate: (the chair's access position (R,), the rule text adopted (R,) str, whether it
    changed the status quo (R,) bool)."""
    chair, e = access_negotiation(world, params, ahc_rules, spec, seed, replicates)
    _, u_abs, u_abst = cosp_draws(world, seed, replicates)
    rule = decide_rule(e, chair, spec, params, u_abs, u_abst)
    return chair, rule, rule != spec.status_quo


def cosp_chain(world: World, params: Params, ahc_rules: Rules, spec: CospSpec, seed: int, replicates,
               variants: str = "all_vs_none") -> pd.DataFrame:
    """Both stages; one row per replicate with the rule text adopted and the protocol outcomes under it and
    under the AHC model kept as is (paired: the same replicate seeds)."""
    replicates = np.asarray(replicates)
    position, rule, changed = rules_negotiation(world, params, ahc_rules, spec, seed, replicates)
    pw = protocol_world(world, spec)
    as_is = run_replicates(pw, params, presets.rules(RULE_PRESETS[spec.as_is_rules]), seed, replicates,
                           variants).table
    parts = []
    for name in ACCESS_RULES:
        sel = rule == name
        if sel.any():
            parts.append(run_replicates(pw, params, presets.rules(RULE_PRESETS[name]), seed, replicates[sel],
                                        variants).table)
    table = pd.concat(parts).set_index("replicate").loc[replicates].reset_index()
    keep = [c for c in ("influence_all", "accredited", "speaking_minutes", "distance_to_compromise", "mode")
            if c in table]
    out = pd.DataFrame({"replicate": replicates, "access_position": position, "access_rule": rule,
                        "rule_changed": changed})
    for c in keep:
        out[f"protocol_{c}"] = table[c].to_numpy()
        out[f"as_is_{c}"] = as_is[c].to_numpy()
    if "influence_all" in table:
        out["influence_vs_as_is"] = out["protocol_influence_all"] - out["as_is_influence_all"]
    return out
