"""Baseline (b): the engine's session step as a vectorised Mesa model.

The state lives in model-level numpy arrays (positions and anchors (N,K)); the delegations are thin mesa.Agent
views on their rows, there for Mesa's tools (AgentSet queries, DataCollector). A step is whole-array numpy for one
replicate: the informals by bloc sums, persuasion by dense (N,O,K) bounded-confidence masks per bloc. The
organisations' exposures and the chair are those of benchmarks/mesa_common.py. tests/test_per_agent.py checks it
equals the engine.
"""

from __future__ import annotations

import mesa
import numpy as np

from benchmarks import mesa_common as mc


class DelegationView(mesa.Agent):
    """A delegation as a view on row ``index`` of the model's arrays."""

    def __init__(self, model, index: int, bloc: int):
        super().__init__(model)
        self.index, self.bloc = index, bloc

    @property
    def p(self) -> np.ndarray:
        return self.model.p[self.index]

    @property
    def anchor(self) -> np.ndarray:
        return self.model.anchor[self.index]


class VectorisedSessionModel(mesa.Model):
    """One replicate's negotiation, stepped one session at a time as the engine's ``_session``."""

    def __init__(self, replicate: mc.Replicate):
        super().__init__(rng=0)
        self.replicate, neg, w = replicate, replicate.neg, replicate.neg.world
        self.bloc = w.bloc
        self.onehot = (w.bloc[None, :] == np.unique(w.bloc)[:, None]).astype(float)     # (G',N)
        self.bloc_of = np.searchsorted(np.unique(w.bloc), w.bloc)                        # (N,) in [0,G')
        self.members = [np.flatnonzero(w.bloc == g) for g in range(len(w.bloc_keys))]
        self.cohesion, self.concession, self.cmw = neg.cohesion, neg.concession, neg.cm_weight_informal
        for i in range(w.n_states):
            DelegationView(self, i, int(w.bloc[i]))
        self.load(replicate.p, replicate.anchor, replicate.d)
        self.t = 0

    def load(self, p, anchor, d) -> None:
        self.p, self.anchor = p.copy(), anchor.copy()
        self.replicate.d = d.copy()

    def informals(self, rounds: int) -> None:
        p, counts = self.p, self.onehot.sum(axis=1)[:, None]
        cm_total = self.cmw.sum(axis=0)
        for _ in range(rounds):
            means = (self.onehot @ p / counts)[self.bloc_of]
            p = p + self.cohesion * (means - p)
            p = p + self.concession * ((p * self.cmw).sum(axis=0) / cm_total - p)
        self.p = p

    def persuade(self, weights, jm, js) -> None:
        r, neg = self.replicate, self.replicate.neg
        y, b = neg.world.y, self.p
        mass, wsum = np.zeros_like(b), np.zeros_like(b)
        solo = weights * r.solo[None, :, None]                                            # (G,O,K)
        pos = js / np.where(jm > 0, jm, 1.0)                                              # (G,C,K)
        for g, idx in enumerate(self.members):
            if not len(idx):
                continue
            bg = b[idx]                                                                   # (n,K)
            inside = np.abs(y[None] - bg[:, None]) < neg.eps                              # (n,O,K)
            on = (jm[g][None] > 0) & (np.abs(pos[g][None] - bg[:, None]) < neg.eps_joint)   # (n,C,K)
            mass[idx] = (inside * solo[g]).sum(axis=1) + (on * jm[g]).sum(axis=1)
            wsum[idx] = (inside * (solo[g] * y)).sum(axis=1) + (on * js[g]).sum(axis=1)
        self.p, self.anchor = mc.fj_update(self.anchor, b, neg.lam, mass, wsum, neg.params)

    def step(self) -> None:
        """Mesa's step: the next session (``self.t``)."""
        self.session(self.t)
        self.t += 1

    def session(self, t: int) -> None:
        """The engine's session t for this replicate: exposures, informals, persuasion, the chair's draft."""
        r = self.replicate
        e = mc.exposures(r, t)
        weights = mc.bloc_weights(r, e)
        jm, js = mc.joint_positions(r, weights)
        self.informals(r.rounds(t))
        self.persuade(weights, jm, js)
        r.d = mc.chair_draft(r, self.p, e)

    def positions(self) -> np.ndarray:
        return self.p

    def anchors(self) -> np.ndarray:
        return self.anchor
