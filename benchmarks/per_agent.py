"""The NAIVE LOOPS baseline (a strawman, kept labelled as such): the engine's session step as a Mesa model whose
agents keep their state in Python lists and loop over provisions x organisations with a brute-force window. A
competent Mesa user would write benchmarks/mesa_agents.py or benchmarks/mesa_vectorised.py instead; the benchmark
table (benchmarks/bench_mesa.py) shows all three, labelled. The exposures and the chair are those of
benchmarks/mesa_common.py; tests/test_per_agent.py checks the step equals the engine's."""

from __future__ import annotations

import math

import mesa
import numpy as np

from benchmarks import mesa_common as mc


class LoopingDelegation(mesa.Agent):
    def __init__(self, model, index):
        super().__init__(model)
        self.index = index

    def coordinate(self, bloc_mean, cohesion):
        self.p = [p + cohesion * (m - p) for p, m in zip(self.p, bloc_mean, strict=False)]

    def concede(self, cm, concession):
        self.p = [p + c * (m - p) for p, m, c in zip(self.p, cm, concession, strict=False)]

    def persuade(self, m):
        """Friedkin-Johnsen with bounded confidence around the anchor, looping over organisations, the joint
        positions of cross-sector coalitions and issues; the anchor keeps mu of the stakeholder-induced shift."""
        new, anchor = [], []
        for k in range(len(self.p)):
            mass = total = 0.0
            for o in range(m.n_orgs):
                if abs(m.y[o][k] - self.p[k]) < m.eps[k]:
                    w = m.weight[self.bloc][o][k]
                    mass += w
                    total += w * m.y[o][k]
            for c in range(m.n_coal):
                jm = sum(m.joint[self.bloc][o][k] for o in m.members[c])
                js = sum(m.joint[self.bloc][o][k] * m.y[o][k] for o in m.members[c])
                if jm > 0 and abs(js / jm - self.p[k]) < m.eps_joint[k]:
                    mass += jm
                    total += js
            omega = m.omega_max * -math.expm1(-mass / m.kappa)
            ybar = total / mass if mass > 0 else self.p[k]
            lam = m.lam[self.index][k]
            new.append((1 - lam) * self.x[k] + lam * ((1 - omega) * self.p[k] + omega * ybar))
            anchor.append(min(max(self.x[k] + m.mu * lam * omega * (ybar - self.p[k]), 0.0), 100.0))
        self.p, self.x = new, anchor


class LoopingSessionModel(mesa.Model):
    """One replicate's session t of the engine's row 0 (or any Replicate), re-done agent by agent in lists."""

    def __init__(self, neg, t: int = 0, replicate: mc.Replicate | None = None):
        super().__init__(rng=0)
        r = mc.Replicate.take(neg, 0) if replicate is None else replicate
        w, self.t, self.replicate = neg.world, t, r
        self.n_orgs, self.y, self.eps = w.n_orgs, w.y.tolist(), neg.eps.tolist()
        self.n_coal, self.eps_joint, self.mu = neg.n_named, neg.eps_joint.tolist(), neg.params.anchor_persistence
        self.members = [[o for o in range(w.n_orgs) if w.coalition[o] == c] for c in range(neg.n_named)]
        self.lam, self.omega_max, self.kappa = neg.lam.tolist(), neg.params.stakeholder_weight_max, neg.params.saturation
        self.cohesion, self.concession = neg.cohesion[:, 0].tolist(), neg.concession.tolist()
        self.cmw = neg.cm_weight_informal.tolist()
        for i in range(w.n_states):
            a = LoopingDelegation(self, i)
            a.p, a.x, a.bloc = r.p[i].tolist(), r.anchor[i].tolist(), int(w.bloc[i])

    def _weights(self, e: mc.Exposure) -> None:
        raw = mc.bloc_weights(self.replicate, e)                                   # (G,O,K)
        solo, joint = self.replicate.solo, self.replicate.joint
        self.weight = [[[v * solo[o] for v in row] for o, row in enumerate(rows)] for rows in raw.tolist()]
        self.joint = [[[v * joint[o] for v in row] for o, row in enumerate(rows)] for rows in raw.tolist()]

    def step(self):
        """Mesa's step: session ``self.t`` (fixed at construction)."""
        self.session(self.t)

    def session(self, t: int):
        self.t = t
        e = mc.exposures(self.replicate, self.t)
        self._weights(e)
        states = sorted(self.agents, key=lambda a: a.index)
        k_ = len(states[0].p)
        for _ in range(self.replicate.rounds(self.t)):
            blocs = {}
            for a in states:
                blocs.setdefault(a.bloc, []).append(a)
            for members in blocs.values():
                mean = [sum(a.p[k] for a in members) / len(members) for k in range(k_)]
                for a in members:
                    a.coordinate(mean, self.cohesion[a.index])
            cm = [sum(a.p[k] * self.cmw[a.index][k] for a in states) / sum(self.cmw[a.index][k] for a in states)
                  for k in range(k_)]
            for a in states:
                a.concede(cm, self.concession[a.index])
        self.agents.do("persuade", self)
        self.replicate.d = mc.chair_draft(self.replicate, self.positions(), e)

    def positions(self) -> np.ndarray:
        return np.array([a.p for a in sorted(self.agents, key=lambda a: a.index)])

    def anchors(self) -> np.ndarray:
        return np.array([a.x for a in sorted(self.agents, key=lambda a: a.index)])


class PerAgentRun(mesa.Model):
    """A whole negotiation (one replicate, one counterfactual variant) with the states' session update done agent
    by agent, for ``mesa.batch_run``: each step runs the per-agent informals and persuasion of LoopingSessionModel,
    then advances the engine's single row (chair, decision), whose cost is negligible beside the loops."""

    def __init__(self, procedure="single_state_veto", informal_share=0.6, speaking_minutes=15.0, replicate=0,
                 variant=0, rng=None):
        super().__init__(rng=0)
        from sim import presets
        from sim.config import AccreditationRule
        from sim.engine import Negotiation
        from sim.runner import variant_masks
        from sim.scenario import build_world

        world = build_world(presets.scenario(), 20241224)
        rules = presets.rules("cosp_draft_rule_17", accreditation=AccreditationRule(procedure),
                              informal_share=informal_share, speaking_minutes=speaking_minutes)
        _, masks = variant_masks(world, "leave_one_type_out")
        self.neg = Negotiation(world, presets.params(), rules, 20241224, [replicate], masks[[variant]])
        self.datacollector = mesa.DataCollector(model_reporters={"accredited": lambda m: int(m.neg.accredited.sum())})
        self.running = True

    def step(self):
        if self.neg.done:
            self.running = False
            return
        looping = LoopingSessionModel(self.neg, self.neg.t)
        looping.step()
        self.neg.step()
        self.running = not self.neg.done
        if not self.running:
            self.datacollector.collect(self)
