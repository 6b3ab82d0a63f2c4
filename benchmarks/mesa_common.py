"""What the Mesa baselines share: one replicate's inputs taken from the engine's set-up, the organisations'
exposures of a session (plenary, written input, corridor lobbying) and the chair's draft, in plain numpy for one
replicate. The baselines (benchmarks/mesa_agents.py, benchmarks/mesa_vectorised.py, benchmarks/per_agent.py) differ
only in how the states' informals and persuasion are written; each computes the engine's whole session step
(sim.engine.Negotiation._session), tested equal in tests/test_per_agent.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import decision


@dataclass
class Replicate:
    """One row of a Negotiation: the static arrays of the world and parameters, the row's random draws for every
    session, and its state (positions p, anchors, ideal points x, the draft d) as numpy arrays."""

    neg: object           # the Negotiation the row was taken from (scalars of params, rules, world)
    row: int
    p: np.ndarray         # (N,K)
    anchor: np.ndarray    # (N,K)
    x: np.ndarray         # (N,K)
    d: np.ndarray         # (K,)
    acc: np.ndarray       # (O,) accredited
    solo: np.ndarray      # (O,) 1 where the organisation speaks alone
    joint: np.ndarray     # (O,) coalition premium where it speaks through a cross-sector coalition
    u_sub: np.ndarray     # (T,O)
    u_speak: np.ndarray   # (T,items,slots)
    u_consult: np.ndarray  # (T,O)

    @classmethod
    def take(cls, neg, row: int = 0) -> Replicate:
        rep = neg.rep[row]
        return cls(neg, row, neg.p[row].copy(), neg.anchor[row].copy(), neg.x[row].copy(), neg.d[row].copy(),
                   neg.accredited[row].copy(), neg.solo_scale[row].copy(), neg.joint_scale[row].copy(),
                   neg.u_sub[rep], neg.u_speak[rep], neg.u_consult[rep])

    @property
    def coalitions(self) -> list[np.ndarray]:
        """The members of each named coalition (the ones that can speak jointly)."""
        w, n = self.neg.world, self.neg.n_named
        return [np.flatnonzero(w.coalition == c) for c in range(n)]

    def rounds(self, t: int) -> int:
        prm, phi = self.neg.params, self.neg.schedule.informal_share[t]
        return int(round(prm.informal_rounds_per_share * phi)) + int(prm.informal_rounds_base)


def statements(r: Replicate, t: int) -> np.ndarray:
    """Stakeholder statements per organisation in session t's plenary (O,): each slot goes to a speaker group with
    probability proportional to its accredited members' resources (inverse CDF of the slot's uniform), shared among
    the members by members ** (exponent - 1) (MODEL.md §4.2)."""
    neg, w, sc = r.neg, r.neg.world, r.neg.schedule
    item = w.session_minutes[t] * (1.0 - sc.informal_share[t]) / w.agenda_items
    minutes = min(sc.speaking_minutes[t], max(0.0, item - w.state_queue_minutes))
    n_slots = int(np.floor(minutes / sc.statement_minutes[t] + 1e-9))
    u = r.u_speak[t, :, :n_slots].ravel()
    grp, n_g = neg.speaker_group, neg.n_groups
    members = np.bincount(grp, weights=r.acc.astype(float), minlength=n_g)
    weight = np.bincount(grp, weights=r.acc * w.resources, minlength=n_g)
    if not (weight > 0).any():
        return np.zeros(w.n_orgs)
    cdf = np.cumsum(weight) / weight.sum()
    slot_group = np.minimum((u[:, None] >= cdf[None, :]).sum(axis=1), n_g - 1)
    counts = np.bincount(slot_group, minlength=n_g).astype(float)
    share = np.where(members > 0, np.maximum(members, 1.0) ** (neg.coalition_exponent - 1.0), 0.0)
    return (counts * share)[grp] * r.acc


@dataclass
class Exposure:
    """Session t's exposures per organisation (O,): heard by states (public + room), relayed by allied delegations
    (public), the corridor budget, and what reaches the chair."""

    base: np.ndarray
    relay: np.ndarray
    lobby: np.ndarray
    chair: np.ndarray
    ind: float             # weight of the allied-delegation channel this session


def exposures(r: Replicate, t: int) -> Exposure:
    """As Negotiation._exposures and _lobbying, for one replicate."""
    neg, w, prm, sc, rules = r.neg, r.neg.world, r.neg.params, r.neg.schedule, r.neg.rules
    phi = sc.informal_share[t]
    written = (r.u_sub[t] < w.resources) & r.acc if rules.written_submissions else np.zeros_like(r.acc)
    ref = 1.0 - prm.reference_informal_share
    spoken = prm.plenary_exposure * statements(r, t)
    public = sc.delta_doc * (spoken * (1.0 - phi) / ref + prm.written_exposure * written)
    room = sc.delta_doc * (spoken * sc.in_room * phi / ref)
    chair = prm.written_exposure * written
    if rules.intersessional and w.intersessional[t]:
        chair = chair + prm.intersessional_exposure * ((r.u_consult[t] < w.resources) & r.acc)
    lobby = sc.delta_doc * prm.lobby_contacts * prm.lobby_exposure * w.resources * r.acc
    chair = sc.delta_doc * chair + lobby * neg.lobby_chair
    return Exposure(public + room, public, lobby, chair, prm.indirect_channel * phi * (1.0 - sc.in_room))


def bloc_weights(r: Replicate, e: Exposure) -> np.ndarray:
    """Each source's message weight for a delegation of bloc g on issue k, (G,O,K), before the solo/joint split:
    (base_o + ind * relay_o * alignment_go + lobby_o * target_go) * credibility x focus_ok."""
    neg, w = r.neg, r.neg.world
    raw = e.base[None] + e.ind * e.relay[None] * w.bloc_alignment + e.lobby[None] * neg.lobby_target
    return raw[:, :, None] * neg.qsk[None]


def joint_positions(r: Replicate, weights: np.ndarray):
    """The mass (G,C,K) and weighted sum (G,C,K) of each named coalition speaking as one voice."""
    y, jw = r.neg.world.y, weights * r.joint[None, :, None]
    mass = np.stack([jw[:, m].sum(axis=1) for m in r.coalitions], axis=1)
    total = np.stack([(jw[:, m] * y[m]).sum(axis=1) for m in r.coalitions], axis=1)
    return mass, total


def chair_draft(r: Replicate, p: np.ndarray, e: Exposure) -> np.ndarray:
    """The chair's new draft (K,) from the positions after persuasion: written input and consultations within
    confidence of the current draft, then sim.decision's numpy specification of the chair's update."""
    neg, w, prm = r.neg, r.neg.world, r.neg.params
    inside = np.abs(w.y - r.d) < neg.eps                                       # (O,K)
    wt = e.chair[:, None] * neg.qsk * inside
    mass, wsum = wt.sum(axis=0), (wt * w.y).sum(axis=0)
    new = decision.chair_draft_reference(r.d[None], p[None], w.salience, neg.u_reserve[r.row][None], neg.cm_weight,
                                         prm.chair_rate, prm.chair_stakeholder_max, prm.saturation, mass[None],
                                         wsum[None], prm.chair_blocker_pull, prm.objection_threshold,
                                         prm.chair_estimate_noise)
    return new[0]


def fj_update(anchor, b, lam, mass, wsum, prm):
    """The Friedkin-Johnsen step with a saturating stakeholder weight and the anchor's update, for arrays of any
    shape (kernels.persuade and kernels.anchor_update)."""
    omega = prm.stakeholder_weight_max * -np.expm1(-mass / prm.saturation)
    ybar = np.where(mass > 0, wsum / np.where(mass > 0, mass, 1.0), b)
    new = (1.0 - lam) * anchor + lam * ((1.0 - omega) * b + omega * ybar)
    return new, np.clip(anchor + prm.anchor_persistence * lam * omega * (ybar - b), 0.0, 100.0)
