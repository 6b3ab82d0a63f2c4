"""The decision stage: the chair who drafts to pass, the disagreement point, and a concluding session that can fail.

MODEL.md §4 steps 5-6, rebuilt for issue 11 (items 4, 5):

- **The disagreement point is no treaty** (Achen 2006; Romer & Rosenthal 1978): each state's utility of the
  existing frameworks, U0_i = -L0_i, with L0_i from the scenario (``state_mapping.no_treaty``: Budapest parties keep
  their convention and lose least; states with bilateral mutual legal assistance only lose most; mandate sponsors
  lose more, theta slope). It is *not* the states' own compromise, so a text can lose against it.
- **The chair drafts to pass** (Tallberg 2010): each session, besides moving towards the compromise of the stated
  positions and the stakeholders' written and intersessional input, the chair estimates every delegation's
  probability of blocking, pi_i = logistic((U0_i - U_i(d; p_i) - theta_c) / tau_chair), from its *stated* position p_i
  and pulls the draft towards the expected blockers, weighted pi_i c_i s_ik.
- **A take-it-or-leave-it package** at each concluding session (Romer & Rosenthal 1978; Tallberg 2010): before the
  decision the chair repeats that pull ``package_rounds`` times with step ``package_step``.
- **Suspension, resumption, collapse.** A state objects to the package with probability logistic((U0_i - U_i(d) -
  theta_c) / tau). If at least ``suspend_objectors`` states object and a resumed session follows, the chair suspends
  the session without votes (January-February 2024). At the last session that can decide, failure is final: each
  state's no-treaty utility falls by ``deadline_cost`` (the shadow of the deadline, Odell 2009), deletion votes are
  taken, and the text is adopted by consensus after votes, by a whole-text vote (two-thirds of those present and
  voting, ``adoption_majority``), or the process collapses.
- **Forced deletion votes with absence and abstention.** Objectors and states with a provision beyond
  ``provision_threshold`` force a recorded vote on deleting their worst provision. A state is absent with
  probability ``absence_prob``; a present state abstains with probability ``abstention_prob`` or when its gain is
  within ``vote_indifference``; a deletion passes with ``deletion_majority`` of those present and voting (simple
  majority by default: yes > no).

Every function here works row by row, so a replicate's result never depends on the rest of its batch.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.config import ConfigError
from sim.enums import AdoptionMode

_CONSENSUS, _AFTER_VOTES = int(AdoptionMode.CONSENSUS), int(AdoptionMode.CONSENSUS_AFTER_VOTES)
_VOTE, _FAILED, _PENDING = int(AdoptionMode.VOTE), int(AdoptionMode.FAILED), int(AdoptionMode.PENDING)
NO_TREATY_DEFAULT_LOSS = 100.0   # a world without a no-treaty table: every text beats no treaty (worst possible)
YES, NO, ABSTAIN, ABSENT = 0, 1, 2, 3   # columns of a vote tally
TIE = 1e-9                               # implementation: a distance margin that breaks exact ties


def no_treaty_utility(world) -> np.ndarray:
    """U0_i = -L0_i, each state's utility of no treaty (N,), on the scale of U_i(d) = -sum s|d - x| / sum s."""
    loss = getattr(world, "no_treaty_loss", None)
    if loss is None:
        return np.full(world.n_states, -NO_TREATY_DEFAULT_LOSS)
    return -np.asarray(loss, dtype=float)


def no_treaty_loss(budapest, theta, table: dict) -> np.ndarray:
    """L0_i = max(floor, budapest[status_i] + theta_slope * theta_i + polar_slope * |theta_i|), from the scenario's
    ``no_treaty`` table (theta: the 74/247 axis score; |theta|: how far a state stands towards either camp)."""
    by_status = table.get("budapest", {})
    missing = sorted(set(map(str, budapest)) - set(by_status))
    if missing:
        raise ConfigError("scenario.state_mapping.no_treaty.budapest", f"no entry for {missing[0]!r}",
                          "an entry for every Budapest status: " + ", ".join(sorted(set(map(str, budapest)))))
    base = np.array([float(by_status[b]) for b in budapest])
    theta = np.asarray(theta, dtype=float)
    slope, polar = float(table.get("theta_slope", 0.0)), float(table.get("polar_slope", 0.0))
    return np.maximum(float(table.get("floor", 0.0)), base + slope * theta + polar * np.abs(theta))


# ------------------------------------------------------------------------------------------------ helpers
_SATURATED = 40.0   # |z| beyond which 0.5 (1 + tanh(z / 2)) is exactly 0 or 1 in double precision


@njit(cache=True, inline="always")
def _logistic(z):
    if z > _SATURATED:
        return 1.0
    if z < -_SATURATED:
        return 0.0
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@njit(cache=True, inline="always")
def _util(s, d, x, r, i):
    """U_i(d[r]) with positions x[r, i]: -sum_k s_ik |d_rk - x_rik| / sum_k s_ik, summed in order."""
    num = 0.0
    den = 0.0
    for k in range(s.shape[1]):
        num += s[i, k] * abs(d[r, k] - x[r, i, k])
        den += s[i, k]
    return -num / den


@njit(cache=True)
def _blocker_pull(d, p, s, u0, cm_weight, threshold, noise, r, pull, prob):
    """The chair's estimate of blocking (prob (N,)) and the pull towards expected blockers (pull (K,)) for row r;
    returns whether anyone is expected to block at all.

    The pull is the blockers' weighted mean direction times the probability that at least one state blocks,
    1 - prod_i (1 - pi_i): a consensus body must buy in any one blocker, but where nobody is likely to block the
    chair has nobody to accommodate (without that factor, blocking probabilities of 1e-15 would pull the draft as
    hard as certain ones)."""
    n_, k_ = s.shape
    none_block = 1.0
    for i in range(n_):
        prob[i] = _logistic((u0[r, i] - _util(s, d, p, r, i) - threshold) / noise)
        none_block *= 1.0 - prob[i]
    anyone = none_block < 1.0
    for k in range(k_):
        num = 0.0
        den = 0.0
        if anyone:
            for i in range(n_):
                w = prob[i] * cm_weight[i, k]
                num += w * (p[r, i, k] - d[r, k])
                den += w
        pull[k] = (1.0 - none_block) * num / den if den > 0.0 else 0.0
    return anyone


@njit(cache=True)
def chair_draft(d, p, s, u0, cm_weight, eta, omega_max, kappa, mass, wsum, zeta, threshold, noise):
    """d <- (1 - eta) d + eta [(1 - omega) CM(p) + omega ybar_chair] + zeta * pull towards expected blockers.

    omega = omega_max (1 - exp(-mass / kappa)) and ybar = wsum / mass from the chair's stakeholder input (B,K);
    the pull is sum_i pi_i c_i s_ik (p_ik - d_k) / sum_i pi_i c_i s_ik with pi_i the chair's estimate of state i
    blocking (module docstring). References: Achen 2006; Tallberg 2010.
    """
    b_, n_, k_ = p.shape
    out = np.empty_like(d)
    pull, prob = np.empty(k_), np.empty(n_)
    wtot = np.zeros(k_)
    for i in range(n_):
        for k in range(k_):
            wtot[k] += cm_weight[i, k]
    for r in range(b_):
        _blocker_pull(d, p, s, u0, cm_weight, threshold, noise, r, pull, prob)
        for k in range(k_):
            cm = 0.0
            for i in range(n_):
                cm += p[r, i, k] * cm_weight[i, k]
            cm /= wtot[k]
            m = mass[r, k]
            omega = omega_max * -np.expm1(-m / kappa)
            ybar = wsum[r, k] / m if m > 0 else d[r, k]
            new = (1.0 - eta) * d[r, k] + eta * ((1.0 - omega) * cm + omega * ybar) + zeta * pull[k]
            out[r, k] = min(max(new, 0.0), 100.0)
    return out


def chair_draft_reference(d, p, s, u0, cm_weight, eta, omega_max, kappa, mass, wsum, zeta, threshold, noise):
    """The numpy specification of chair_draft (the tests hold the compiled one to it)."""
    util = -(s * np.abs(d[:, None, :] - p)).sum(axis=2) / s.sum(axis=1)
    prob = 0.5 * (1.0 + np.tanh(0.5 * (u0 - util - threshold) / noise))
    w = prob[:, :, None] * cm_weight
    den = w.sum(axis=1)
    any_block = 1.0 - np.prod(1.0 - prob, axis=1)[:, None]
    pull = np.where(den > 0, any_block * (w * (p - d[:, None, :])).sum(axis=1) / np.where(den > 0, den, 1.0), 0.0)
    cm = (p * cm_weight).sum(axis=1) / cm_weight.sum(axis=0)
    omega = omega_max * -np.expm1(-mass / kappa)
    ybar = np.where(mass > 0, wsum / np.where(mass > 0, mass, 1.0), d)
    return np.clip((1.0 - eta) * d + eta * ((1.0 - omega) * cm + omega * ybar) + zeta * pull, 0.0, 100.0)


@njit(cache=True)
def package(d, p, s, u0, cm_weight, rounds, step, threshold, noise):
    """The chair's take-it-or-leave-it package: ``rounds`` steps d <- d + step * pull towards expected blockers."""
    b_, n_, k_ = p.shape
    out = d.copy()
    pull, prob = np.empty(k_), np.empty(n_)
    for r in range(b_):
        for _ in range(rounds):
            if not _blocker_pull(out, p, s, u0, cm_weight, threshold, noise, r, pull, prob):
                break                                   # nobody left to buy in: the package is final
            for k in range(k_):
                out[r, k] = min(max(out[r, k] + step * pull[k], 0.0), 100.0)
    return out


@njit(cache=True, inline="always")
def passes(yes, no, majority):
    """A vote passes with ``majority`` of those present and voting; a simple majority (0.5) needs yes > no."""
    if yes <= 0:
        return False
    if majority <= 0.5:
        return yes > no
    return yes >= majority * (yes + no) - 1e-9


# ------------------------------------------------------------------------------------------------ the decision
@njit(cache=True)
def decide(d, x, s, u0, u_obj, u_req, u_abs, u_abst, fallback, threshold, provision_threshold, noise, indifference,
           absence, abstention, deletion_majority, adoption_majority, isolation, suspend_at, can_resume):
    """A concluding session's decision for a batch (B rows, N states, K provisions); see the module docstring.

    ``u0`` (B,N) no-treaty utilities (already lowered by the deadline cost where this is the last chance);
    ``u_obj``, ``u_req``, ``u_abs``, ``u_abst`` (B,N) uniforms: objection to the text, request of a deletion vote,
    absence, abstention. Returns the text (B,K); deletion votes held (B,K: 1 held and failed, 2 passed); their
    tallies (B,K,4: yes, no, abstain, absent); the whole-text vote (B,4); states objecting at the end (B,); the
    mode (B,) as AdoptionMode values (PENDING where suspended); suspended (B,) bool.
    """
    b_, n_, k_ = x.shape
    d = d.copy()
    held = np.zeros((b_, k_), np.int64)
    tally = np.zeros((b_, k_, 4), np.int64)
    text = np.zeros((b_, 4), np.int64)
    still_out, mode = np.zeros(b_, np.int64), np.full(b_, _PENDING, np.int64)
    suspended = np.zeros(b_, np.bool_)
    util, s_tot = np.empty(n_), np.empty(n_)
    requests, worst = np.empty(n_, np.bool_), np.empty(n_, np.int64)
    for i in range(n_):
        tot = 0.0
        for k in range(k_):
            tot += s[i, k]
        s_tot[i] = tot
    for r in range(b_):
        objectors = 0
        asked_any = False
        for i in range(n_):
            num = 0.0
            top = -1.0
            worst[i] = 0
            for k in range(k_):
                loss = s[i, k] * abs(d[r, k] - x[r, i, k])
                num += loss
                if loss > top:
                    top = loss
                    worst[i] = k
            util[i] = -num / s_tot[i]
            objects = u_obj[r, i] < _logistic((u0[r, i] - util[i] - threshold) / noise)
            objectors += objects
            requests[i] = objects or u_req[r, i] < _logistic((top - provision_threshold) / noise)
            asked_any = asked_any or requests[i]
        if can_resume and objectors >= suspend_at:
            suspended[r] = True
            still_out[r] = objectors
            continue
        for k in range(k_):
            asked = False
            for i in range(n_):
                if requests[i] and worst[i] == k:
                    asked = True
                    break
            if not asked:
                continue
            for i in range(n_):
                gain = -s[i, k] * (abs(fallback[k] - x[r, i, k]) - abs(d[r, k] - x[r, i, k])) / s_tot[i]
                tally[r, k, _ballot(gain, u_abs[r, i], u_abst[r, i], absence, abstention, indifference)] += 1
            if passes(tally[r, k, YES], tally[r, k, NO], deletion_majority):
                held[r, k] = 2
                for i in range(n_):
                    util[i] += -s[i, k] * (abs(fallback[k] - x[r, i, k]) - abs(d[r, k] - x[r, i, k])) / s_tot[i]
                d[r, k] = fallback[k]
            else:
                held[r, k] = 1
        still = 0
        for i in range(n_):
            still += u_obj[r, i] < _logistic((u0[r, i] - util[i] - threshold) / noise)
            text[r, _ballot(util[i] - u0[r, i], u_abs[r, i], u_abst[r, i], absence, abstention, indifference)] += 1
        still_out[r] = still
        if not asked_any:
            mode[r] = _CONSENSUS
        elif not passes(text[r, YES], text[r, NO], adoption_majority):
            mode[r] = _FAILED
        elif still > 0 and text[r, NO] >= isolation:
            mode[r] = _VOTE
        else:
            mode[r] = _AFTER_VOTES
    return d, held, tally, text, still_out, mode, suspended


@njit(cache=True, inline="always")
def _ballot(gain, u_absent, u_abstain, absence, abstention, indifference):
    """One state's ballot: absent, abstaining (by chance or indifferent), yes (gain above) or no (below)."""
    if u_absent < absence:
        return ABSENT
    if u_abstain < abstention or abs(gain) <= indifference:
        return ABSTAIN
    return YES if gain > 0 else NO
