"""Baseline (a): the engine's session step as an idiomatic Mesa model of agents with numpy attributes.

Each delegation is a mesa.Agent holding its position, anchor and parameters as numpy vectors over the K
provisions; the model groups the agents by bloc once, and each step runs the informals and persuasion through
``AgentSet.do`` (one Python call per agent and round, numpy inside). The organisations' exposures and the chair are
computed per replicate in numpy (benchmarks/mesa_common.py). tests/test_per_agent.py checks it equals the engine.
"""

from __future__ import annotations

import mesa
import numpy as np

from benchmarks import mesa_common as mc


class Delegation(mesa.Agent):
    """A state's delegation: position p, anchor and ideal point as (K,) arrays."""

    def __init__(self, model, index: int, bloc: int):
        super().__init__(model)
        self.index, self.bloc = index, bloc
        neg = model.replicate.neg
        self.lam, self.cohesion = neg.lam[index], float(neg.cohesion[index, 0])
        self.concession, self.cm_weight = neg.concession[index], neg.cm_weight_informal[index]

    def coordinate(self, means: dict) -> None:
        """DeGroot step towards the bloc mean (DeGroot 1974)."""
        self.p = self.p + self.cohesion * (means[self.bloc] - self.p)

    def concede(self, cm: np.ndarray) -> None:
        self.p = self.p + self.concession * (cm - self.p)

    def persuade(self, heard: dict) -> None:
        """Bounded-confidence Friedkin-Johnsen step: sources within eps of p, coalitions' joint positions within
        eps_joint; the anchor keeps mu of the stakeholder-induced shift."""
        y, g = heard["y"], self.bloc
        inside = np.abs(y - self.p) < heard["eps"]                             # (O,K)
        solo = heard["solo"][g] * inside
        mass, wsum = solo.sum(axis=0), (solo * y).sum(axis=0)
        jm, js = heard["joint_mass"][g], heard["joint_sum"][g]                 # (C,K)
        pos = js / np.where(jm > 0, jm, 1.0)
        on = (jm > 0) & (np.abs(pos - self.p) < heard["eps_joint"])
        mass, wsum = mass + (jm * on).sum(axis=0), wsum + (js * on).sum(axis=0)
        self.p, self.anchor = mc.fj_update(self.anchor, self.p, self.lam, mass, wsum, heard["params"])


class AgentSessionModel(mesa.Model):
    """One replicate's negotiation, stepped one session at a time as the engine's ``_session``."""

    def __init__(self, replicate: mc.Replicate):
        super().__init__(rng=0)
        self.replicate, w = replicate, replicate.neg.world
        for i in range(w.n_states):
            Delegation(self, i, int(w.bloc[i]))
        self.delegations = self.agents_by_type[Delegation]
        self.blocs = self.delegations.groupby("bloc").groups               # grouped once: bloc -> AgentSet
        self.load(replicate.p, replicate.anchor, replicate.d)
        self.t = 0

    def load(self, p, anchor, d) -> None:
        """Set the state (the engine's decision stage changes the draft between sessions)."""
        for a in self.delegations:
            a.p, a.anchor = p[a.index].copy(), anchor[a.index].copy()
        self.replicate.d = d.copy()

    def informals(self, rounds: int) -> None:
        cmw = np.array(self.delegations.get("cm_weight"))
        for _ in range(rounds):
            means = {g: np.mean(members.get("p"), axis=0) for g, members in self.blocs.items()}
            self.delegations.do("coordinate", means)
            cm = (np.array(self.delegations.get("p")) * cmw).sum(axis=0) / cmw.sum(axis=0)
            self.delegations.do("concede", cm)

    def step(self) -> None:
        """Mesa's step: the next session (``self.t``)."""
        self.session(self.t)
        self.t += 1

    def session(self, t: int) -> None:
        """The engine's session t for this replicate: exposures, informals, persuasion, the chair's draft."""
        r = self.replicate
        neg = r.neg
        e = mc.exposures(r, t)
        weights = mc.bloc_weights(r, e)
        jm, js = mc.joint_positions(r, weights)
        self.informals(r.rounds(t))
        heard = {"y": neg.world.y, "eps": neg.eps, "eps_joint": neg.eps_joint, "solo": weights * r.solo[None, :, None],
                 "joint_mass": jm, "joint_sum": js, "params": neg.params}
        self.delegations.do("persuade", heard)
        r.d = mc.chair_draft(r, self.positions(), e)

    def positions(self) -> np.ndarray:
        return np.array(self.delegations.get("p"))

    def anchors(self) -> np.ndarray:
        return np.array(self.delegations.get("anchor"))
