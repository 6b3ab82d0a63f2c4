"""The decision stage: the chair who drafts to pass, the disagreement point, and a concluding session that can fail.

MODEL.md §4 steps 5-6, rebuilt for issue 11 (items 4, 5):

- **The disagreement point is no treaty** (Achen 2006; Romer & Rosenthal 1978): each state's utility of the
  existing frameworks, U0_i = -L0_i, with L0_i from the scenario (``state_mapping.no_treaty``: Budapest parties keep
  their convention and lose least; states with bilateral mutual legal assistance only lose most; mandate sponsors
  lose more, theta slope). It is *not* the states' own compromise, so a text can lose against it.
- **The chair drafts to pass** (Tallberg 2010): each session, besides moving towards the compromise of the stated
  positions and the stakeholders' written and intersessional input, the chair pulls the draft towards the states
  expected to block, estimated from their *stated* positions p_i. Two kinds of threat, mixed by
  ``chair_redline_share`` (beta):
  - whole-text blocking, pi_i = logistic((U0_i - U_i(d; p_i) - theta_c) / tau_chair) against no treaty, which pulls
    every provision towards the same states (those with the best outside option), weighted pi_i c_i s_ik;
  - red lines per provision and direction, rho_ik = logistic((s_ik |d_k - p_ik| - r) / tau_chair) with r the
    ``provision_threshold`` at which a state forces a deletion vote, which pulls provision k towards the states whose
    red line on k is crossed, from either side, weighted rho_ik c_i s_ik. In the record the threats were
    provision-specific and came from both camps: the Russia-led group wanted a broader scope than the chair's
    draft (dig.watch, sixth session, Sep 2023) and forced deletion votes on human-rights provisions (Aug 2024), the
    Western states held Articles 6 and 24 as protections "that should not be diluted" (dig.watch, reconvened
    session, 30 Jul 2024); the final text moved above the compromise on scope and below it on the human-rights
    clause, which a whole-text pull, one direction for every provision, cannot produce.
  beta = 0 is the whole-text pull alone (the model before this mechanism, bit for bit).
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
from sim.core.fast import _INV_LN2, _LN2_HI, _LN2_LO, _T2, _T3, _T4, _T5, _T6, _T7, _T8, _T9, _T10, _T11, _T12, _T13
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
_SATURATED = 40.0   # |z| beyond which the logistic is 1 exactly, or below 5e-18 and taken as 0


@njit(cache=True, inline="always")
def _logistic(z):
    """1 / (1 + exp(-z)), the same function as the reference's 0.5 (1 + tanh(z / 2)) to within 2 ulp; exp is what
    keeps the chair's red-line estimate (one logistic per state and provision) cheap: the tanh form made
    ``chair_draft`` and ``package`` 2.3x slower (benchmarks/bench_engine.py)."""
    if z > _SATURATED:
        return 1.0
    if z < -_SATURATED:
        return 0.0
    return 1.0 / (1.0 + np.exp(-z))


# The chair's estimate takes ~2,000 logistics per row and draft; by a polynomial exp over whole arrays, which LLVM
# vectorises, it is 1.5x faster than with a scalar exp per element (benchmarks/bench_kernels.py). The polynomial is
# sim.core.fast's (its constants are imported: fixed numbers); the functions are repeated here, not called across
# files, because numba's cache does not see a change to a called function in another file (sim/core/fast.py).
@njit(cache=True)
def expm1_inplace(y, exponent):
    """y[j] <- expm1(y[j]) for |y[j]| <= 40 (a flat array; ``exponent`` int64 scratch at least as long), in two
    passes that LLVM vectorises. In place, because with two arrays that might overlap LLVM's run-time overlap check
    chooses the scalar loop. Within 1 ulp of np.expm1 for y <= 0, 2 for y > 0 (tested)."""
    for j in range(y.shape[0]):
        v = y[j]
        n = np.floor(v * _INV_LN2 + 0.5)
        r = (v - n * _LN2_HI) - n * _LN2_LO
        r2 = r * r
        r4 = r2 * r2
        p = ((_T2 + _T3 * r) + (_T4 + _T5 * r) * r2) + ((_T6 + _T7 * r) + (_T8 + _T9 * r) * r2) * r4 \
            + ((_T10 + _T11 * r) + (_T12 + _T13 * r) * r2) * (r4 * r4)
        y[j] = r + r2 * p                            # expm1(r)
        exponent[j] = (np.int64(n) + 1023) << 52     # the bits of 2^n
    two_n = exponent[:y.shape[0]].view(np.float64)
    for j in range(y.shape[0]):
        y[j] = two_n[j] * y[j] + (two_n[j] - 1.0)


@njit(cache=True)
def logistic_into(z, out, exponent, m, cap):
    """out[j] = 1 / (1 + exp(-z[j])) for j < m, 1 exactly where z > cap and 0 where z < -cap (flat arrays, ``out``
    not ``z``; ``exponent`` int64 scratch; cap <= 40), by expm1_inplace. Within 3 ulp of 1 / (1 + exp(-z)), and
    within 4.5e-16 of the numpy specification's 0.5 (1 + tanh(z / 2)) (tested)."""
    for j in range(m):
        out[j] = min(max(-z[j], -cap), cap)
    expm1_inplace(out[:m], exponent)
    for j in range(m):
        v = 1.0 / (2.0 + out[j])
        out[j] = 1.0 if z[j] > cap else (0.0 if z[j] < -cap else v)


@njit(cache=True)
def salience_totals(s):
    """sum_k s_ik per state (N,), summed in order: the denominators of every utility, computed once per call."""
    out = np.zeros(s.shape[0])
    for i in range(s.shape[0]):
        for k in range(s.shape[1]):
            out[i] += s[i, k]
    return out


@njit(cache=True)
def _scratch(n_, k_):
    """The scratch of _blocker_pull: pull (K,), prob (N,), acc (5,K), z (N*K,), z_text (N,), rho (N*K,), bits (N*K,)."""
    return (np.empty(k_), np.empty(n_), np.empty((5, k_)), np.empty(n_ * k_), np.empty(n_), np.empty(n_ * k_),
            np.empty(n_ * k_, np.int64))


@njit(cache=True)
def _blocker_pull(d, p, s, s_tot, u0, cm_weight, threshold, noise, redline, share, r, scratch):
    """The chair's estimate of blocking (prob (N,), in ``scratch``) and the pull towards expected blockers (pull
    (K,)) for row r; returns whether anyone is expected to block at all. ``scratch`` from ``_scratch``.

    Two kinds of threat, mixed by ``share`` (module docstring): whole-text blocking, pi_i =
    logistic((U0_i - U_i(d; p_i) - theta_c) / tau), which pulls every provision towards the same states; and red
    lines per provision, rho_ik = logistic((s_ik |d_k - p_ik| - r) / tau), which pull provision k towards the states
    whose red line on k is crossed, from either side. Each pull is the threatening states' weighted mean direction
    times the probability that at least one of them blocks, 1 - prod (1 - pi): a consensus body must buy in any one
    blocker, but where nobody is likely to block the chair has nobody to accommodate. The loss s_ik |d_k - p_ik| is
    computed once per state and provision and serves both the utility and the red line; the logistics are taken
    over whole arrays (logistic_into), so that they vectorise, and both pulls are summed in one pass."""
    pull, prob, acc, z, z_text, rho, bits = scratch
    n_, k_ = s.shape
    lines = share > 0.0
    for i in range(n_):
        num = 0.0
        for k in range(k_):
            loss = s[i, k] * abs(p[r, i, k] - d[r, k])
            num += loss
            z[i * k_ + k] = (loss - redline) / noise
        z_text[i] = (u0[r, i] + num / s_tot[i] - threshold) / noise
    logistic_into(z_text, prob, bits, n_, _SATURATED)
    if lines:
        logistic_into(z, rho, bits, n_ * k_, _SATURATED)
    for k in range(k_):
        acc[0, k] = 0.0      # whole text: sum pi c s (p - d)
        acc[1, k] = 0.0      #             sum pi c s
        acc[2, k] = 0.0      # red lines:  sum rho c s (p - d)
        acc[3, k] = 0.0      #             sum rho c s
        acc[4, k] = 1.0      #             prod (1 - rho)
    none_block = 1.0
    for i in range(n_):
        none_block *= 1.0 - prob[i]
    anyone = none_block < 1.0
    if lines or anyone:
        for i in range(n_):
            pi = prob[i] if anyone else 0.0
            for k in range(k_):
                c = cm_weight[i, k]
                gap = p[r, i, k] - d[r, k]
                q = rho[i * k_ + k] if lines else 0.0
                w = q * c
                acc[2, k] += w * gap
                acc[3, k] += w
                acc[4, k] *= 1.0 - q
                w = pi * c
                acc[0, k] += w * gap
                acc[1, k] += w
    found = anyone and share < 1.0
    for k in range(k_):
        text = (1.0 - none_block) * acc[0, k] / acc[1, k] if acc[1, k] > 0.0 else 0.0
        line = (1.0 - acc[4, k]) * acc[2, k] / acc[3, k] if acc[3, k] > 0.0 else 0.0
        pull[k] = text if not lines else (1.0 - share) * text + share * line
        found = found or (lines and acc[4, k] < 1.0)
    return found


@njit(cache=True)
def chair_draft(d, p, s, u0, cm_weight, eta, omega_max, kappa, mass, wsum, zeta, threshold, noise, redline, share):
    """d <- (1 - eta) d + eta [(1 - omega) CM(p) + omega ybar_chair] + zeta * pull towards expected blockers.

    omega = omega_max (1 - exp(-mass / kappa)) and ybar = wsum / mass from the chair's stakeholder input (B,K);
    the pull mixes whole-text blockers and provision red lines (``_blocker_pull``; ``share`` of red lines, ``redline``
    the salience-weighted distance at which a state would refuse a provision). References: Achen 2006; Tallberg 2010.
    """
    b_, n_, k_ = p.shape
    out = np.empty_like(d)
    scratch = _scratch(n_, k_)
    pull = scratch[0]
    s_tot = salience_totals(s)
    wtot = np.zeros(k_)
    for i in range(n_):
        for k in range(k_):
            wtot[k] += cm_weight[i, k]
    for r in range(b_):
        _blocker_pull(d, p, s, s_tot, u0, cm_weight, threshold, noise, redline, share, r, scratch)
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


def blocker_estimate(d, p, s, u0, cm_weight, threshold, noise, redline, share):
    """The numpy specification of the chair's estimate (B rows): whole-text blocking pi (B,N), red lines rho
    (B,N,K) and the pull (B,K) of ``_blocker_pull``. Also what a diagnosis reads: who the chair accommodates."""
    loss = s * np.abs(d[:, None, :] - p)
    util = -loss.sum(axis=2) / s.sum(axis=1)
    prob = 0.5 * (1.0 + np.tanh(0.5 * (u0 - util - threshold) / noise))
    rho = 0.5 * (1.0 + np.tanh(0.5 * (loss - redline) / noise))

    def towards(weight, any_block):
        den = weight.sum(axis=1)
        num = (weight * (p - d[:, None, :])).sum(axis=1)
        return np.where(den > 0, any_block * num / np.where(den > 0, den, 1.0), 0.0)

    text = towards(prob[:, :, None] * cm_weight, 1.0 - np.prod(1.0 - prob, axis=1)[:, None])
    line = towards(rho * cm_weight, 1.0 - np.prod(1.0 - rho, axis=1))
    return prob, rho, (1.0 - share) * text + share * line


def chair_draft_reference(d, p, s, u0, cm_weight, eta, omega_max, kappa, mass, wsum, zeta, threshold, noise, redline,
                          share):
    """The numpy specification of chair_draft (the tests hold the compiled one to it)."""
    pull = blocker_estimate(d, p, s, u0, cm_weight, threshold, noise, redline, share)[2]
    cm = (p * cm_weight).sum(axis=1) / cm_weight.sum(axis=0)
    omega = omega_max * -np.expm1(-mass / kappa)
    ybar = np.where(mass > 0, wsum / np.where(mass > 0, mass, 1.0), d)
    return np.clip((1.0 - eta) * d + eta * ((1.0 - omega) * cm + omega * ybar) + zeta * pull, 0.0, 100.0)


@njit(cache=True)
def package(d, p, s, u0, cm_weight, rounds, step, threshold, noise, redline, share):
    """The chair's take-it-or-leave-it package: ``rounds`` steps d <- d + step * pull towards expected blockers."""
    b_, n_, k_ = p.shape
    out = d.copy()
    scratch = _scratch(n_, k_)
    pull = scratch[0]
    s_tot = salience_totals(s)
    for r in range(b_):
        for _ in range(rounds):
            if not _blocker_pull(out, p, s, s_tot, u0, cm_weight, threshold, noise, redline, share, r, scratch):
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
    util = np.empty(n_)
    requests, worst = np.empty(n_, np.bool_), np.empty(n_, np.int64)
    s_tot = salience_totals(s)
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
