"""The negotiation engine: a batch of replicates x counterfactual variants, stepped one session at a time.

MODEL.md §4: 0 accreditation, then per session 1 written submissions, 2 open plenary, 3 closed informals,
4 persuasion, 5 the chair's draft, 6 the decision (concluding sessions). Every random draw is made up front per
replicate in a fixed shape (sim.core.seeds), then masked by the variant (draw, then mask).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import decision
from sim.config import ConfigError, Params, Rules
from sim.core import fast, informals
from sim.core import kernels as kn
from sim.core.pcg64 import fill_below
from sim.core.seeds import Purpose, draw_normal, draw_uniform, state_words
from sim.enums import AdoptionMode, SessionKind, Stance
from sim.lobbying import SECTOR, allocation, cross_sector
from sim.rules import AccreditationContext, accreditation_procedure, informals_policy, speaking_allocation
from sim.scenario import World, camp_salience


@dataclass(frozen=True)
class Schedule:
    """The rules resolved per session."""

    speaking_minutes: np.ndarray   # (T,) stakeholder minutes per agenda item
    statement_minutes: np.ndarray  # (T,)
    informal_share: np.ndarray     # (T,)
    delta_doc: float
    in_room: float

    @classmethod
    def resolve(cls, world: World, rules: Rules, params: Params) -> Schedule:
        t = world.n_sessions
        sched = cls(np.array(rules.schedule("speaking_minutes", t)), np.array(rules.schedule("statement_minutes", t)),
                    np.array(rules.schedule("informal_share", t)),
                    {"public": params.access_public, "delayed": params.access_delayed,
                     "none": params.access_none}[rules.document_access],
                    informals_policy(rules.informals).in_room(params))
        worst = int(np.max(np.floor(sched.speaking_minutes / sched.statement_minutes)))
        if worst > params.slot_cap:
            raise ConfigError("rules.speaking_minutes", f"allows {worst} statements per item",
                              f"at most params.slot_cap={params.slot_cap} statements (minutes / statement_minutes)")
        return sched


class Negotiation:
    """A batch of B = R x V negotiations: R replicates (seeds) times V variants (which organisations exist).

    Args:
        world: the scenario's static arrays.
        params: behavioural parameters.
        rules: participation rules.
        seed: the root seed.
        replicates: replicate numbers (R,), keys of the random streams.
        variants: (V,O) bool, organisations present in each variant (default: all present).
        x_shift: (R,N,K) optional per-replicate shift of the ideal points (e.g. the COSP camps' shocks).
        engagement: (N,) optional multiplier of each delegation's susceptibility to stakeholders (default 1: as
            the parameters say); sim.advocacy.pivotal raises one delegation's to ask where more engagement pays.
    """

    def __init__(self, world: World, params: Params, rules: Rules, seed: int, replicates, variants=None,
                 x_shift=None, engagement=None):
        world = camp_salience(world, params.camp_salience)   # the world as these parameters weigh it
        self.world, self.params, self.rules, self.seed = world, params, rules, int(seed)
        self.replicates = np.asarray(replicates, dtype=np.int64)
        self.variants = np.ones((1, world.n_orgs), bool) if variants is None else np.asarray(variants, bool)
        self.schedule = Schedule.resolve(world, rules, params)
        r_, v_ = len(self.replicates), len(self.variants)
        self.rep = np.repeat(np.arange(r_), v_)          # (B,) row -> replicate position
        self.variant = np.tile(np.arange(v_), r_)        # (B,) row -> variant
        self.present = self.variants[self.variant]       # (B,O)
        self.x_shift = None if x_shift is None else np.asarray(x_shift, dtype=float)
        self._precompute()
        if engagement is not None:
            self.lam = self.lam * np.asarray(engagement, dtype=float)[:, None]
        self._draw()
        self._start()
        self._start_influence()

    # ------------------------------------------------------------------------------------------ set-up
    def _precompute(self) -> None:
        w, prm = self.world, self.params
        s = w.salience
        self.cm_weight = w.capability[:, None] * s                                       # (N,K)
        self.cm_weight_informal = self.cm_weight * w.capacity[:, None]
        rho = prm.receptiveness_base + prm.receptiveness_slope * w.democracy   # receptiveness (Tallberg et al. 2013)
        self.lam = prm.susceptibility * rho[:, None] * (1.0 - s) ** prm.salience_damping
        self.cohesion = np.minimum(1.0, w.cohesion * prm.cohesion_scale * w.capacity)[:, None]
        self.concession = prm.concession_rate * (1.0 - s) * w.capacity[:, None]
        counts = np.bincount(w.bloc, minlength=len(w.bloc_keys))
        keep = counts > 0
        self.blocs = kn.Blocs(w.bloc_starts[keep], counts[keep])
        self.bloc_present = np.flatnonzero(keep)
        self.eps = np.where(w.technical, prm.confidence_technical, prm.confidence_political)
        self.sources = kn.SortedSources.from_positions(w.y)
        self.y_padded = fast.pad_sorted(self.sources.y_sorted)
        self.y_table = fast.bucket_table(self.y_padded)
        self.qsk = w.credibility * w.sigma * w.n_issues                                   # (O,K)
        self.qsk_sorted = self.sources.sort(self.qsk)                                     # (K,O)
        # the bloc alignment and (below) lobbying share in per-issue sorted order, laid out for the prefix sums
        self.bloc_align_kog = fast.by_issue(self.sources.sort(w.bloc_alignment[:, :, None] * np.ones(w.n_issues)))
        self.chair_align = np.ones((1, w.n_issues, w.n_orgs))
        self._precompute_lobbying()
        self.chair_group = np.zeros(1, dtype=np.int64)
        alloc = speaking_allocation(self.rules.speaking)
        self.speaker_group, self.n_groups = alloc.groups(w.coalition)
        self.coalition_exponent = prm.coalition_exponent if alloc.uses_coalition_weight else 0.0
        pi = np.select([w.stance == Stance.OPEN, w.stance == Stance.LIMITED],
                       [prm.objection_open, prm.objection_limited], prm.objection_opposed)
        self.objection_prob = pi[:, None] * w.contested[None, :]                          # (N,O)
        support = w.alignment * rho[:, None]
        self.vote_yes, self.vote_no = support >= prm.admission_yes, support < prm.admission_no

    def _precompute_lobbying(self) -> None:
        """Where each organisation's corridor budget goes (sim.lobbying.allocation, planned on the opening ideal
        points) and who may speak through a cross-sector coalition."""
        w, prm = self.world, self.params
        counts = np.bincount(w.bloc, minlength=len(w.bloc_keys))
        present = counts > 0
        onehot = (w.bloc[None, :] == np.arange(len(w.bloc_keys))[:, None]).astype(float)        # (G,N)
        bloc_x = onehot @ w.x_base / np.maximum(counts, 1)[:, None]
        bloc_weight = onehot @ self.cm_weight / self.cm_weight.sum(axis=0)
        blocs, self.lobby_chair = allocation(bloc_x[present], bloc_weight[present], w.y, w.sigma, self.eps,
                                             prm.lobby_ally_share, prm.lobby_chair_share)
        share = np.zeros((len(w.bloc_keys), w.n_orgs))
        share[present] = blocs
        self.lobby_bloc_share = share                                                        # (G,O), for metrics
        self.lobby_target = share / np.maximum(counts, 1)[:, None]                          # per delegation
        self.target_kog = fast.by_issue(self.sources.sort(self.lobby_target[:, :, None] * np.ones(w.n_issues)))
        self.sector = np.array([SECTOR[t] for t in w.org_type], dtype=np.int64)
        self.n_named = sum(not k.startswith("solo_") for k in w.coalition_keys)
        self.members = np.flatnonzero(w.coalition < self.n_named).astype(np.int64)
        self.member_coal = w.coalition[self.members].astype(np.int64)
        self.eps_joint = self.eps + prm.coalition_reach

    def _start_influence(self) -> None:
        """Every delegation's anchor starts at its ideal point; who speaks jointly is fixed by who is in."""
        self.anchor = self.x.copy()                                                          # (B,N,K)
        cross = cross_sector(self.accredited, self.world.coalition, self.sector, self.n_named)
        self.solo_scale = np.where(cross, 0.0, 1.0)
        self.joint_scale = np.where(cross, 1.0 + self.params.coalition_premium, 0.0)
        self._chair_input = np.zeros((len(self.rep), self.world.n_orgs))   # the chair's corridor exposure (B,O)

    def _draw(self) -> None:
        """All random numbers of every replicate, in shapes fixed by the scenario alone."""
        w, reps, root = self.world, self.replicates, self.seed
        t_, n_, o_, k_ = w.n_sessions, w.n_states, w.n_orgs, w.n_issues
        self.u_noise = draw_normal(root, Purpose.NOISE, reps, (n_, k_))
        self.objection_matrix = np.empty((len(reps), n_, o_), bool)                    # (R,N,O)
        # one uniform per state x organisation pair, whatever the rule, compared with its objection probability
        self.flat_objections = fill_below(state_words(root, Purpose.ACCREDITATION, reps), self.objection_prob,
                                          self.objection_matrix)
        self.u_sub = draw_uniform(root, Purpose.SUBMISSIONS, reps, (t_, o_))
        self.u_speak = draw_uniform(root, Purpose.SPEAKING, reps, (t_, w.agenda_items, self.params.slot_cap))
        self.u_consult = draw_uniform(root, Purpose.CONSULTATIONS, reps, (t_, o_))
        # per session and state: objection, deletion request, absence, abstention (sim/decision.py)
        self.u_decide = draw_uniform(root, Purpose.DECISION, reps, (t_, 4, n_))

    def _start(self) -> None:
        w = self.world
        b_, t_, k_ = len(self.rep), w.n_sessions, w.n_issues
        shift = 0.0 if self.x_shift is None else self.x_shift
        x = np.clip(w.x_base[None] + w.noise_sd * self.u_noise + shift, 0.0, 100.0)
        self.x = x[self.rep]                                                              # (B,N,K)
        self.p = self.x.copy()
        self._buffer = np.empty_like(self.p)          # the informals' positions, reused every session
        self.accredited = self._accredit()[self.rep] & self.present                      # (B,O)
        self.compromise_x, _ = fast.compromise_utility(self.x, self.cm_weight, w.salience)  # (B,K)
        # the disagreement point is no treaty, valued per state (sim/decision.py), not the states' own compromise
        self.u_reserve = np.broadcast_to(decision.no_treaty_utility(w), (b_, w.n_states)).copy()   # (B,N)
        self.d = self.compromise_x.copy()
        self.t = 0
        self.active = np.ones(b_, bool)
        self.mode = np.full(b_, int(AdoptionMode.PENDING))
        self.decided_in = np.full(b_, -1)
        self.draft = np.full((b_, t_ + 1, k_), np.nan)
        self.draft[:, 0] = self.d
        self.positions = np.full((b_, t_ + 1, len(w.bloc_keys), k_), np.nan)
        self._record_positions(0)
        self.minutes = np.zeros((b_, t_))
        self.statements = np.zeros((b_, t_, w.n_orgs))
        self.informal_move = np.zeros((b_, t_))
        self.message_mass = np.zeros((b_, t_))
        self.total_move = np.zeros((b_, t_))
        self.deletion_votes = np.zeros((b_, k_), int)     # 1 held and failed, 2 held and passed
        self.deletion_tally = np.zeros((b_, k_, 4), int)  # yes, no, abstain, absent of each deletion vote
        self.text_vote = np.zeros((b_, 3), int)           # yes, no, abstain of the whole-text vote (last decision)
        self.text_absent = np.zeros(b_, int)
        self.objectors = np.zeros(b_, int)
        self.suspended_in = np.full(b_, -1)               # the concluding session that was suspended, -1 if none
        self.package_move = np.zeros(b_)                  # mean |package - draft| of the last take-it-or-leave-it

    def _accredit(self) -> np.ndarray:
        acc = self.rules.accreditation
        ctx = AccreditationContext(self.world.ecosoc, self.objection_matrix, self.vote_yes, self.vote_no,
                                   acc.majority, acc.veto_applies_to_ecosoc, self.flat_objections)
        return accreditation_procedure(acc.procedure).admit(ctx)

    def _record_positions(self, t: int) -> None:
        """Each bloc's mean position after session t - 1 into positions[:, t] (blocs without states stay NaN)."""
        fast.bloc_means(self.p, self.blocs.starts, self.blocs.counts, self.positions[:, t], self.bloc_present)

    # ------------------------------------------------------------------------------------------ a session
    @property
    def done(self) -> bool:
        return self.t >= self.world.n_sessions or not self.active.any()

    def step(self) -> None:
        """Run session ``t`` for every negotiation still under way."""
        t, w = self.t, self.world
        kind = SessionKind(w.session_kind[t])
        if kind == SessionKind.RESUMED:
            pending = self.active & (self.decided_in >= 0)   # only those whose concluding session failed
            self.active &= pending
        rows = np.flatnonzero(self.active)
        if len(rows):
            self._session(rows, t)
            if kind != SessionKind.SUBSTANTIVE:
                self._decide(rows, t)
        self.draft[:, t + 1] = self.d
        self._record_positions(t + 1)
        self.t += 1
        if self.done:
            self.mode[self.active] = int(AdoptionMode.FAILED)
            self.active[:] = False
            self.draft[:, self.t + 1:] = self.d[:, None]
            self.positions[:, self.t + 1:] = self.positions[:, self.t][:, None]

    def _exposures(self, rows, t):
        """Per-organisation exposure of states (plenary, room, written) and of the chair, (B',O) each."""
        w, prm, sc, rules = self.world, self.params, self.schedule, self.rules
        rep, acc = self.rep[rows], self.accredited[rows]
        phi = sc.informal_share[t]
        written = (self.u_sub[rep, t] < w.resources) & acc if rules.written_submissions else np.zeros_like(acc)
        stmts = self._plenary(rows, t, acc)
        ref = 1.0 - prm.reference_informal_share
        spoken = prm.plenary_exposure * stmts
        public = spoken * (1.0 - phi) / ref + prm.written_exposure * written
        room = spoken * sc.in_room * phi / ref
        chair = prm.written_exposure * written
        if rules.intersessional and w.intersessional[t]:
            chair = chair + prm.intersessional_exposure * ((self.u_consult[rep, t] < w.resources) & acc)
        return sc.delta_doc * public, sc.delta_doc * room, sc.delta_doc * chair

    def _plenary(self, rows, t, acc):
        """Stakeholder statements per organisation this session (states speak first; time permitting)."""
        w, sc = self.world, self.schedule
        item = w.session_minutes[t] * (1.0 - sc.informal_share[t]) / w.agenda_items
        minutes = min(sc.speaking_minutes[t], max(0.0, item - w.state_queue_minutes))
        n_slots = int(np.floor(minutes / sc.statement_minutes[t] + 1e-9))
        u = self.u_speak[self.rep[rows], t, :, :n_slots].reshape(len(rows), -1)
        per_org, made = fast.plenary_statements(acc, self.speaker_group, w.resources, u, self.n_groups,
                                                self.coalition_exponent)
        self.minutes[rows, t] = made * sc.statement_minutes[t]
        self.statements[rows, t] = per_org
        return per_org

    def _session(self, rows, t) -> None:
        w, prm, sc = self.world, self.params, self.schedule
        public, room, chair_exp = self._exposures(rows, t)
        phi = sc.informal_share[t]
        every = len(rows) == len(self.active)          # all rows active: views, not gathered copies
        sel = slice(None) if every else rows
        p0, anchor = self.p[sel], self.anchor[sel]
        rounds = int(round(prm.informal_rounds_per_share * phi)) + int(prm.informal_rounds_base)
        # with every row active the two (B,N,K) results go into buffers kept across sessions (fresh arrays of
        # this size cost page faults every session: ~46,000 per batch of 64 x 8 runs before, ~10% of its time)
        b, informal = informals.informal_rounds(p0, rounds, self.blocs.starts, self.blocs.counts, self.cohesion,
                                                self.concession, self.cm_weight_informal,
                                                out=self._buffer if every else None)
        # message weights per bloc: public + in-room exposure, plus the allied-delegation channel
        ind = prm.indirect_channel * phi * (1.0 - sc.in_room)
        lobby = self._lobbying(rows)
        chair_exp = chair_exp + lobby * self.lobby_chair
        self._chair_input[rows] = lobby * self.lobby_chair
        src = self.sources
        p1, mass, persuaded = fast.persuade_windows(   # updates ``anchor`` in place (a view when every row is active)
            anchor, b, self.lam, public + room, public, lobby, self.solo_scale[sel], self.joint_scale[sel], ind,
            w.bloc_alignment, self.lobby_target, self.bloc_align_kog, self.target_kog, self.qsk,
            self.qsk_sorted, src.order, w.y, self.y_padded, self.y_table, w.bloc, self.eps, self.eps_joint, self.members,
            self.member_coal, self.n_named, prm.stakeholder_weight_max, prm.saturation, prm.anchor_persistence,
            out=self.p if every else None)                     # p0 is spent: the positions go straight into p
        if not every:
            self.anchor[rows] = anchor
            self.p[rows] = p1
        self.message_mass[rows, t] = mass
        self.informal_move[rows, t] = informal
        self.total_move[rows, t] = informal + persuaded
        self.d[rows] = self._chair(rows, p1, self.x[sel], chair_exp)

    def _lobbying(self, rows) -> np.ndarray:
        """Each accredited organisation's corridor budget this session, in exposure units (B',O): contacts x
        exposure per contact x resources, scaled by document access (Hall & Deardorff 2006)."""
        prm = self.params
        unit = self.schedule.delta_doc * prm.lobby_contacts * prm.lobby_exposure
        return unit * self.world.resources * self.accredited[rows]

    def _chair_windows(self, d, chair_exp):
        """The chair's message mass and weighted sum (B',K): written input and consultations within reach of d."""
        src = self.sources
        mass, wsum = fast.window_sums(chair_exp, chair_exp, 0.0, self.chair_align, self.qsk_sorted, src.order,
                                      self.y_padded, d[:, None, :], self.chair_group, self.eps)
        return mass[:, 0], wsum[:, 0]

    def _chair_mass(self, rows, d, chair_exp):
        """The chair's stakeholder input (B',K) each: the influence channel's, where it exposes one, else written
        input and consultations within reach of the draft."""
        chair_input = getattr(self, "_chair_input", None)
        return chair_input(rows, d, chair_exp) if callable(chair_input) else self._chair_windows(d, chair_exp)

    def _chair(self, rows, p, x, chair_exp):
        """The chair drafts to pass: compromise, stakeholder input and a pull towards expected blockers, estimated
        from the stated positions p (sim/decision.py; Tallberg 2010). ``x`` is unused: the chair sees positions."""
        w, prm = self.world, self.params
        d = self.d[rows]
        mass, wsum = self._chair_mass(rows, d, chair_exp)
        return decision.chair_draft(d, p, w.salience, self.u_reserve[rows], self.cm_weight, prm.chair_rate,
                                    prm.chair_stakeholder_max, prm.saturation, mass, wsum, prm.chair_blocker_pull,
                                    prm.objection_threshold, prm.chair_estimate_noise, prm.provision_threshold,
                                    prm.chair_redline_share)

    def _chair_reference(self, rows, p, x, chair_exp):
        """The numpy specification of _chair (decision.chair_draft_reference), kept for the tests."""
        w, prm = self.world, self.params
        d = self.d[rows]
        mass, wsum = self._chair_mass(rows, d, chair_exp)
        return decision.chair_draft_reference(d, p, w.salience, self.u_reserve[rows], self.cm_weight, prm.chair_rate,
                                              prm.chair_stakeholder_max, prm.saturation, mass, wsum,
                                              prm.chair_blocker_pull, prm.objection_threshold,
                                              prm.chair_estimate_noise, prm.provision_threshold,
                                              prm.chair_redline_share)

    # ------------------------------------------------------------------------------------------ decision
    def _can_resume(self, t: int) -> bool:
        return t + 1 < self.world.n_sessions and SessionKind(self.world.session_kind[t + 1]) == SessionKind.RESUMED

    def _decide(self, rows, t) -> None:
        """The chair's take-it-or-leave-it package, then suspension, deletion votes and adoption, or failure
        (sim/decision.py). A suspended or failed session stays under way if a resumed session follows."""
        w, prm = self.world, self.params
        rep, resume = self.rep[rows], self._can_resume(t)
        u0 = self.u_reserve[rows] - (0.0 if resume else prm.deadline_cost)
        pkg = decision.package(self.d[rows], self.p[rows], w.salience, u0, self.cm_weight, prm.package_rounds,
                               prm.package_step, prm.objection_threshold, prm.chair_estimate_noise,
                               prm.provision_threshold, prm.chair_redline_share)
        self.package_move[rows] = np.abs(pkg - self.d[rows]).mean(axis=1)
        u = self.u_decide[rep, t]
        d, held, tally, text, still, mode, suspended = decision.decide(
            pkg, self.x[rows], w.salience, u0, u[:, 0], u[:, 1], u[:, 2], u[:, 3], w.fallback,
            prm.objection_threshold, prm.provision_threshold, prm.objection_noise, prm.vote_indifference,
            prm.absence_prob, prm.abstention_prob, prm.deletion_majority, prm.adoption_majority,
            prm.isolation_threshold, prm.suspend_objectors, resume)
        voted = ~suspended
        self.deletion_votes[rows[voted]] = held[voted]
        self.deletion_tally[rows[voted]] = tally[voted]
        self.text_vote[rows[voted]] = text[voted, :3]
        self.text_absent[rows[voted]] = text[voted, 3]
        self.suspended_in[rows[suspended]] = t
        self.objectors[rows] = still
        self.d[rows] = d
        self.decided_in[rows] = t
        adopted = voted & (mode != AdoptionMode.FAILED)
        final = adopted | (not resume)
        self.mode[rows[final]] = mode[final]
        self.active[rows[final]] = False

    def run(self) -> Negotiation:
        """Run every remaining session."""
        while not self.done:
            self.step()
        return self
