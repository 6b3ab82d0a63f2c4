"""Vectorised kernels of a session, on arrays with a leading batch axis B (replicates x variants).

Shapes: p, x (B,N,K) state positions and ideals; d (B,K) the chair's draft; y (O,K) organisation ideals.
Every kernel is row-independent (no reduction across the batch axis, no BLAS), so a replicate's result does not
depend on which other replicates share its batch: batched and one-by-one runs are bit-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.enums import AdoptionMode


def compromise(p: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Capability x salience weighted mean per issue, CM_k = sum_i w_ik p_ik / sum_i w_ik (Achen 2006).

    ``p`` is (B,N,K), ``weight`` (N,K) or (B,N,K); returns (B,K).
    """
    return (p * weight).sum(axis=1) / weight.sum(axis=-2)


def utility(d: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Salience-weighted linear loss U_i(d) = -sum_k s_ik |d_k - x_ik| / sum_k s_ik (DEU-compatible); (B,N)."""
    return -(s * np.abs(d[:, None, :] - x)).sum(axis=2) / s.sum(axis=1)


def logistic(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True)
class Blocs:
    """Contiguous bloc blocks of the state axis (states are sorted by bloc)."""

    starts: np.ndarray   # (nb',) starts of the non-empty blocs
    counts: np.ndarray   # (nb',)

    def means(self, p: np.ndarray) -> np.ndarray:
        """Each state's bloc mean position, (B,N,K)."""
        sums = np.add.reduceat(p, self.starts, axis=1)
        return np.repeat(sums / self.counts[:, None], self.counts, axis=1)


def informal_rounds(p, rounds: int, blocs: Blocs, cohesion, concession, cm_weight):
    """Closed informals: per round, a within-bloc DeGroot step then concession towards the compromise.

    p_i <- p_i + beta_b (mean_b - p_i)  (DeGroot 1974, bloc coordination; MODEL.md §3)
    p_ik <- p_ik + mu (1 - s_ik) (CM_k(p) - p_ik)  (concession, LITERATURE §8.3 step 3)
    ``cohesion`` (N,1) and ``concession`` (N,K) already include delegation capacity.
    """
    for _ in range(rounds):
        p = p + cohesion * (blocs.means(p) - p)
        p = p + concession * (compromise(p, cm_weight)[:, None, :] - p)
    return p


@dataclass(frozen=True)
class SortedSources:
    """Organisation positions sorted per issue, for bounded-confidence windows by prefix sums (O((N+O) log O))."""

    order: np.ndarray     # (K,O) argsort of y[:, k]
    y_sorted: np.ndarray  # (K,O)

    @classmethod
    def from_positions(cls, y: np.ndarray) -> SortedSources:
        order = np.argsort(y.T, axis=1, kind="stable")
        y_sorted = np.take_along_axis(y.T, order, axis=1)
        return cls(order, y_sorted)

    def sort(self, w: np.ndarray) -> np.ndarray:
        """Reorder per-organisation weights (..., O, K) into (..., K, O) sorted order."""
        moved = np.moveaxis(w, -1, -2)
        return np.take_along_axis(moved, np.broadcast_to(self.order, moved.shape), axis=-1)

    def window_sums(self, w_sorted, centre, group, eps):
        """Sums of w and w*y over sources with |y_ok - centre_ik| < eps_k.

        ``w_sorted`` (B,G,K,O) weights in sorted order per group; ``centre`` (B,N,K); ``group`` (N,) in [0,G).
        Returns (mass, weighted_sum), each (B,N,K).
        """
        b_, g_, k_, o_ = w_sorted.shape
        zero = np.zeros((b_, g_, k_, 1))
        c0 = np.concatenate([zero, np.cumsum(w_sorted, axis=3)], axis=3).reshape(-1, o_ + 1)
        c1 = np.concatenate([zero, np.cumsum(w_sorted * self.y_sorted, axis=3)], axis=3).reshape(-1, o_ + 1)
        lo = np.stack([np.searchsorted(self.y_sorted[k], centre[..., k] - eps[k], side="right") for k in range(k_)], -1)
        hi = np.stack([np.searchsorted(self.y_sorted[k], centre[..., k] + eps[k], side="left") for k in range(k_)], -1)
        hi = np.maximum(hi, lo)
        n_ = centre.shape[1]
        row = ((np.arange(b_)[:, None, None] * g_ + np.broadcast_to(group, (n_,))[None, :, None]) * k_
               + np.arange(k_)[None, None, :])
        return c0[row, hi] - c0[row, lo], c1[row, hi] - c1[row, lo]


def persuade(x, b, lam, mass, wsum, omega_max: float, kappa: float):
    """Friedkin-Johnsen update with stakeholders as stubborn sources and a saturating weight.

    Omega = Omega_max (1 - exp(-M / kappa)); ybar = credibility-weighted target of sources within confidence;
    p <- (1 - lambda) x + lambda [(1 - Omega) b + Omega ybar]
    References: Friedkin & Johnsen 1990; Acemoglu et al. 2013 (stubborn agents); Hegselmann & Krause 2002
    (bounded confidence); the saturation is an assumption (diminishing returns, crowding).
    """
    omega = omega_max * -np.expm1(-mass / kappa)
    positive = mass > 0
    ybar = np.where(positive, wsum / np.where(positive, mass, 1.0), b)
    return (1.0 - lam) * x + lam * ((1.0 - omega) * b + omega * ybar)


def persuasion_weights(base, relay, ind: float, lobby, align, target, qsk):
    """Each source's message weight for a state of group g on issue k, (B,G,O,K):
    (base_o + ind * relay_o * align_go + lobby_o * target_go) * qsk_ok.

    ``base``, ``relay``, ``lobby`` (B,O) per-row exposures (public + room, public, corridor budget); ``align``,
    ``target`` (G,O) bloc alignment (the allied-delegation channel, Böhmelt et al. 2014) and the lobbying share per
    delegation of the bloc (sim.lobbying.allocation); ``qsk`` (O,K) credibility x focus.
    """
    w = base[:, None, :] + ind * relay[:, None, :] * align[None] + lobby[:, None, :] * target[None]
    return w[..., None] * qsk[None, None]


def joint_sums(w, y, coalition, n_coalitions: int, centre, group, eps):
    """Message mass and weighted sum (B,N,K) of coalitions heard as one joint position each.

    ``w`` (B,G,O,K) weights (zero for organisations not speaking jointly); coalition c's joint position is
    Y_gck = sum_{o in c} w y / sum_{o in c} w, heard by a state of group g when |Y - centre| < eps_k, with mass
    sum_{o in c} w (Junk 2019: a diverse coalition counts as one credible voice).
    """
    b_, g_, _, k_ = w.shape
    mass_c, sum_c = np.zeros((b_, g_, n_coalitions, k_)), np.zeros((b_, g_, n_coalitions, k_))
    for c in range(n_coalitions):
        m = coalition == c
        mass_c[:, :, c] = w[:, :, m].sum(axis=2)
        sum_c[:, :, c] = (w[:, :, m] * y[m]).sum(axis=2)
    mass_i, sum_i = mass_c[:, group], sum_c[:, group]                                   # (B,N,C,K)
    pos = sum_i / np.where(mass_i > 0, mass_i, 1.0)
    inside = (mass_i > 0) & (np.abs(pos - centre[:, :, None, :]) < eps)
    return (mass_i * inside).sum(axis=2), (sum_i * inside).sum(axis=2)


def anchor_update(anchor, b, lam, mass, wsum, omega_max: float, kappa: float, mu: float):
    """The delegation's anchor after a session: a <- clip(a + mu * lambda * Omega * (ybar - b), 0, 100).

    The stakeholder-induced part of the session's move, lambda Omega (ybar - b), stays with share ``mu`` (time-
    varying prejudice: Friedkin & Johnsen 2011; information received changes the delegation's beliefs: Austen-Smith
    1993); concessions in the informals do not move the anchor. mu = 0 is the fixed-anchor Friedkin-Johnsen model.
    """
    omega = omega_max * -np.expm1(-mass / kappa)
    positive = mass > 0
    ybar = np.where(positive, wsum / np.where(positive, mass, 1.0), b)
    return np.clip(anchor + mu * (lam * omega * (ybar - b)), 0.0, 100.0)


def chair_draft(d, p, cm_weight, eta: float, omega, ybar, zeta: float, blockers):
    """d <- (1-eta) d + eta [(1-omega) CM(p) + omega ybar_chair] + zeta * pull towards likely blockers.

    References: Achen 2006 (compromise model); Tallberg 2010 (chair brokerage); Moss 2002 (why a chair).
    ``omega``, ``ybar`` are (B,K); ``blockers`` (B,N) bool.
    """
    target = (1.0 - omega) * compromise(p, cm_weight) + omega * ybar
    new = (1.0 - eta) * d + eta * target
    rows = np.flatnonzero(blockers.any(axis=1))
    if len(rows):  # rare: only where some state would block
        w = blockers[rows, :, None] * cm_weight
        pull = (w * (p[rows] - d[rows, None, :])).sum(axis=1) / w.sum(axis=1)
        new[rows] += zeta * pull
    return np.clip(new, 0.0, 100.0)


def row_bincount(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Per-row bincount: ``index`` (B,M) in [0,n), ``weights`` (B,M) -> (B,n). Sequential per row (deterministic)."""
    b_ = index.shape[0]
    flat = (index + n * np.arange(b_)[:, None]).ravel()
    return np.bincount(flat, weights=np.broadcast_to(weights, index.shape).ravel(), minlength=b_ * n).reshape(b_, n)


def draw_categories(u: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: u (B,M) in [0,1) -> category (B,M) with probability proportional to weight (B,G).

    The category is the number of cumulative shares <= u (searchsorted, side right), at most G - 1."""
    csum = np.cumsum(weight, axis=1)
    total = csum[:, -1:]
    cdf = csum / np.where(total > 0, total, 1.0)
    return np.minimum((u[:, :, None] >= cdf[:, None, :]).sum(axis=2), weight.shape[1] - 1)


def plenary_statements(acc, group, resources, u, n_groups: int, exponent: float):
    """Stakeholder statements per organisation (B,O) and statements made (B,) in one session's plenary.

    Each of the M slots (``u`` (B,M) uniforms) goes to a speaker group with probability proportional to its
    accredited members' resources; a group's statements are shared among its accredited members, each credited
    members ** (exponent - 1) of each (exponent 1: every member gets the full statement; 0: split evenly).
    ``acc`` (B,O) bool, ``group`` (O,) speaker group of each organisation (MODEL.md §4.2).
    """
    grp = np.broadcast_to(group, acc.shape)
    members = row_bincount(grp, acc.astype(float), n_groups)
    weight = row_bincount(grp, acc * resources, n_groups)
    has = (weight > 0).any(axis=1)
    counts = row_bincount(draw_categories(u, weight), has[:, None].astype(float), n_groups)
    share = np.where(members > 0, np.maximum(members, 1.0) ** (exponent - 1.0), 0.0)
    return np.take_along_axis(counts * share, grp, axis=1) * acc, counts.sum(axis=1)


def decide(d, x, s, reserve, u_text, u_prov, fallback, threshold: float, provision_threshold: float, noise: float,
           indifference: float, isolation: int):
    """A concluding session's decision (MODEL.md §4.6), for a batch (B rows, N states, K provisions).

    Consensus unless some state asks for a vote: it objects to the text (probability logistic((reserve - U(d) -
    threshold) / noise)) or to its worst provision (logistic((max_k loss_k - provision_threshold) / noise)). Then a
    deletion vote (two-thirds of those voting, ``indifference`` abstains) on each provision someone asked to delete,
    the text reverting to ``fallback`` where it passes; then the whole-text vote (two-thirds): adopted by vote if at
    least ``isolation`` states vote no while some still object, else by consensus after votes.
    Returns the text (B,K), deletion votes (B,K: 1 held and failed, 2 passed), yes and no votes on the text (B,),
    states still objecting (B,) and the mode (B,) as AdoptionMode values.
    """
    d = d.copy()
    util = utility(d, x, s)
    objects = u_text < logistic((reserve - util - threshold) / noise)
    loss = s * np.abs(d[:, None, :] - x)
    worst = loss.argmax(axis=2)
    requests = (u_prov < logistic((loss.max(axis=2) - provision_threshold) / noise)) | objects
    consensus = ~requests.any(axis=1)
    held = np.zeros(d.shape, np.int64)
    for k in range(d.shape[1]):
        asked = (requests & (worst == k)).any(axis=1)
        if not asked.any():
            continue
        gain = -s[:, k] * (np.abs(fallback[k] - x[:, :, k]) - np.abs(d[:, None, k] - x[:, :, k])) / s.sum(axis=1)
        yes, no = (gain > indifference).sum(axis=1), (gain < -indifference).sum(axis=1)
        passed = asked & (3 * yes >= 2 * (yes + no)) & (yes > 0)
        held[:, k] = np.where(passed, 2, np.where(asked, 1, 0))
        d[passed, k] = fallback[k]
        util = np.where(passed[:, None], util + gain, util)
    still = u_text < logistic((reserve - util - threshold) / noise)
    surplus = util - reserve
    yes, no = (surplus > indifference).sum(axis=1), (surplus < -indifference).sum(axis=1)
    passes = 3 * yes >= 2 * (yes + no)
    forced = still.any(axis=1) & (no >= isolation)
    mode = np.select([consensus, ~passes, forced], [AdoptionMode.CONSENSUS, AdoptionMode.FAILED, AdoptionMode.VOTE],
                     AdoptionMode.CONSENSUS_AFTER_VOTES)
    return d, held, yes, no, still.sum(axis=1), mode
