"""Compiled (numba) versions of the hot kernels, equal to their numpy reference in kernels.py up to rounding.

The numpy functions in ``sim.core.kernels`` are the readable specification; these fuse the same arithmetic in
the same order into loops without temporaries (numpy may associate a sum differently: agreement to ~1e-15).
Measured in benchmarks/bench_engine.py; tests/test_kernels.py
checks that both agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BUCKETS_PER_POINT = 4  # bucket index resolution of the exact window lookup (buckets per scale point)


def bucket_index(y_sorted: np.ndarray) -> np.ndarray:
    """start[k, q] = first j with y_sorted[k, j] >= q / BUCKETS_PER_POINT, for q = 0..100*BUCKETS_PER_POINT+1."""
    grid = np.arange(100 * BUCKETS_PER_POINT + 2) / BUCKETS_PER_POINT
    return np.stack([np.searchsorted(row, grid, side="left") for row in y_sorted]).astype(np.int64)


@njit(cache=True)
def _locate(y_sorted, start, k, v, strict):
    """First j with y[k, j] > v (strict) or >= v (not strict): a bucket jump, then a short scan (exact)."""
    o_ = y_sorted.shape[1]
    if v < 0.0:
        return 0
    if v > 100.0:
        return o_
    j = start[k, int(v * BUCKETS_PER_POINT)]
    if strict:
        while j < o_ and y_sorted[k, j] <= v:
            j += 1
    else:
        while j < o_ and y_sorted[k, j] < v:
            j += 1
    return j


@njit(cache=True)
def _prefix(base, relay, ind, align_sorted, qsk_sorted, order, y_sorted, r, c0, c1):
    g_, k_, o_ = align_sorted.shape
    for g in range(g_):
        for k in range(k_):
            s0 = 0.0
            s1 = 0.0
            c0[g, k, 0] = 0.0
            c1[g, k, 0] = 0.0
            for j in range(o_):
                o = order[k, j]
                wt = (base[r, o] + ind * relay[r, o] * align_sorted[g, k, j]) * qsk_sorted[k, j]
                s0 += wt
                s1 += wt * y_sorted[k, j]
                c0[g, k, j + 1] = s0
                c1[g, k, j + 1] = s1


@njit(cache=True)
def _buffers(centre, align_sorted, y_sorted):
    """Outputs (B,N,K) and per-row prefix sums (G,K,O+1) of the window kernels."""
    b_, n_, k_ = centre.shape
    g_, o_ = align_sorted.shape[0], y_sorted.shape[1]
    return (np.empty((b_, n_, k_)), np.empty((b_, n_, k_)), np.empty((g_, k_, o_ + 1)),
            np.empty((g_, k_, o_ + 1)))


@njit(cache=True)
def window_sums(base, relay, ind, align_sorted, qsk_sorted, order, y_sorted, start, centre, group, eps):
    """Bounded-confidence message mass and weighted sum for every (row, state, issue).

    Source o's weight for a state of group g on issue k is (base_o + ind * relay_o * align_gko) * qsk_ko; only
    sources with |y_ok - centre_ik| < eps_k count. ``base``, ``relay`` (B,O); ``align_sorted`` (G,K,O) and
    ``qsk_sorted``, ``order``, ``y_sorted`` (K,O) in per-issue sorted order; ``start`` from bucket_index;
    ``centre`` (B,N,K); ``group`` (N,). Same as kernels.SortedSources.window_sums.
    """
    b_, n_, k_ = centre.shape
    mass, wsum, c0, c1 = _buffers(centre, align_sorted, y_sorted)
    for r in range(b_):
        _prefix(base, relay, ind, align_sorted, qsk_sorted, order, y_sorted, r, c0, c1)
        for i in range(n_):
            g = group[i]
            for k in range(k_):
                c = centre[r, i, k]
                lo = _locate(y_sorted, start, k, c - eps[k], True)
                hi = max(lo, _locate(y_sorted, start, k, c + eps[k], False))
                mass[r, i, k] = c0[g, k, hi] - c0[g, k, lo]
                wsum[r, i, k] = c1[g, k, hi] - c1[g, k, lo]
    return mass, wsum


@njit(cache=True)
def _merge_windows(centre, r, k, perm, y_sorted, e, lo, hi):
    """For row r and issue k: sort the states by centre (insertion sort from ``perm``, the order of the previous
    session, so nearly sorted; perm (B,K,N) is updated in place), then sweep the sorted sources once with two
    pointers. Writes each state i's window into lo[i], hi[i]: lo = first source with y > c - eps, hi = first with
    y >= c + eps (hi >= lo), exactly the windows of window_sums."""
    n_, o_ = centre.shape[1], y_sorted.shape[1]
    p = perm[r, k]
    for a in range(1, n_):
        v = p[a]
        cv = centre[r, v, k]
        q = a - 1
        while q >= 0 and centre[r, p[q], k] > cv:
            p[q + 1] = p[q]
            q -= 1
        p[q + 1] = v
    low = 0
    high = 0
    for a in range(n_):
        i = p[a]
        c = centre[r, i, k]
        while low < o_ and y_sorted[k, low] <= c - e:
            low += 1
        while high < o_ and y_sorted[k, high] < c + e:
            high += 1
        lo[i] = low
        hi[i] = high if high > low else low


@njit(cache=True)
def window_sums_merged(base, relay, ind, align_sorted, qsk_sorted, order, y_sorted, centre, group, eps, perm):
    """The same sums as window_sums, with the windows found by _merge_windows instead of a lookup per state."""
    b_, n_, k_ = centre.shape
    mass, wsum, c0, c1 = _buffers(centre, align_sorted, y_sorted)
    lo = np.empty(n_, np.int64)
    hi = np.empty(n_, np.int64)
    for r in range(b_):
        _prefix(base, relay, ind, align_sorted, qsk_sorted, order, y_sorted, r, c0, c1)
        for k in range(k_):
            _merge_windows(centre, r, k, perm, y_sorted, eps[k], lo, hi)
            for i in range(n_):
                g = group[i]
                mass[r, i, k] = c0[g, k, hi[i]] - c0[g, k, lo[i]]
                wsum[r, i, k] = c1[g, k, hi[i]] - c1[g, k, lo[i]]
    return mass, wsum


@njit(cache=True)
def persuade_windows(x, b, lam, base, relay, ind, align_sorted, qsk_sorted, order, y_sorted, perm, group, eps,
                     omega_max, kappa):
    """The windows of window_sums_merged with the Friedkin-Johnsen update of kernels.persuade applied as each one
    is known (same arithmetic and order). Returns the positions (B,N,K) and each row's mean message mass (B,)."""
    b_, n_, k_ = b.shape
    out = np.empty_like(b)
    mass_mean = np.zeros(b_)
    _, _, c0, c1 = _buffers(b[:0], align_sorted, y_sorted)
    lo = np.empty(n_, np.int64)
    hi = np.empty(n_, np.int64)
    for r in range(b_):
        silent = True                       # no stakeholder reaches this row (e.g. the 'none' counterfactual)
        for o in range(base.shape[1]):
            if base[r, o] != 0.0 or relay[r, o] != 0.0:
                silent = False
                break
        if silent:                          # mass 0 everywhere: omega = 0 and the update is (1 - lam) x + lam b
            for i in range(n_):
                for k in range(k_):
                    out[r, i, k] = (1.0 - lam[i, k]) * x[r, i, k] + lam[i, k] * b[r, i, k]
            continue
        _prefix(base, relay, ind, align_sorted, qsk_sorted, order, y_sorted, r, c0, c1)
        total = 0.0
        for k in range(k_):
            _merge_windows(b, r, k, perm, y_sorted, eps[k], lo, hi)
            for i in range(n_):
                g = group[i]
                c = b[r, i, k]
                m = c0[g, k, hi[i]] - c0[g, k, lo[i]]
                total += m
                omega = omega_max * -np.expm1(-m / kappa)
                ybar = (c1[g, k, hi[i]] - c1[g, k, lo[i]]) / m if m > 0 else c
                lk = lam[i, k]
                out[r, i, k] = (1.0 - lk) * x[r, i, k] + lk * ((1.0 - omega) * c + omega * ybar)
        mass_mean[r] = total / (n_ * k_)
    return out, mass_mean


@njit(cache=True)
def informal_rounds(p, rounds, starts, counts, cohesion, concession, cm_weight):
    """Closed informals, as kernels.informal_rounds: bloc DeGroot step, then concession towards CM(p)."""
    b_, n_, k_ = p.shape
    out = p.copy()
    wsum = np.zeros(k_)
    for i in range(n_):
        for k in range(k_):
            wsum[k] += cm_weight[i, k]
    means = np.empty(k_)
    cm = np.empty(k_)
    for r in range(b_):
        q = out[r]
        for _ in range(rounds):
            for bl in range(starts.shape[0]):
                a, n = starts[bl], counts[bl]
                for k in range(k_):
                    means[k] = 0.0
                for i in range(a, a + n):
                    for k in range(k_):
                        means[k] += q[i, k]
                for k in range(k_):
                    means[k] = means[k] / n
                for i in range(a, a + n):
                    for k in range(k_):
                        q[i, k] = q[i, k] + cohesion[i, 0] * (means[k] - q[i, k])
            for k in range(k_):
                cm[k] = 0.0
            for i in range(n_):
                for k in range(k_):
                    cm[k] += q[i, k] * cm_weight[i, k]
            for k in range(k_):
                cm[k] = cm[k] / wsum[k]
            for i in range(n_):
                for k in range(k_):
                    q[i, k] = q[i, k] + concession[i, k] * (cm[k] - q[i, k])
    return out


@njit(cache=True)
def chair_update(d, p, x, s, u_reserve, threshold, cm_weight, eta, zeta, omega_max, kappa, mass, wsum):
    """The chair's draft of kernels.chair_draft with its inputs computed in the same pass: the stakeholder weight
    omega = omega_max (1 - exp(-mass / kappa)) and mean ybar from the chair's window sums (B,K), and the likely
    blockers, states whose utility U_i(d) = -sum s|d - x| / sum s falls below their reservation minus
    ``threshold``. Same arithmetic as the numpy reference up to the order of the sums (~1e-15)."""
    b_, n_, k_ = p.shape
    out = np.empty_like(d)
    wtot = np.zeros(k_)
    for i in range(n_):
        for k in range(k_):
            wtot[k] += cm_weight[i, k]
    blocker = np.zeros(n_, np.bool_)
    for r in range(b_):
        any_blocker = False
        for i in range(n_):
            num = 0.0
            den = 0.0
            for k in range(k_):
                num += s[i, k] * abs(d[r, k] - x[r, i, k])
                den += s[i, k]
            blocker[i] = -num / den < u_reserve[r, i] - threshold
            any_blocker = any_blocker or blocker[i]
        for k in range(k_):
            cm = 0.0
            for i in range(n_):
                cm += p[r, i, k] * cm_weight[i, k]
            cm /= wtot[k]
            m = mass[r, k]
            omega = omega_max * -np.expm1(-m / kappa)
            ybar = wsum[r, k] / m if m > 0 else d[r, k]
            new = (1.0 - eta) * d[r, k] + eta * ((1.0 - omega) * cm + omega * ybar)
            if any_blocker:
                pull = 0.0
                weight = 0.0
                for i in range(n_):
                    if blocker[i]:
                        pull += cm_weight[i, k] * (p[r, i, k] - d[r, k])
                        weight += cm_weight[i, k]
                new += zeta * pull / weight
            out[r, k] = min(max(new, 0.0), 100.0)
    return out


@njit(cache=True)
def row_abs_diff(a, b):
    """sum over (N,K) of |a - b| per row, (B,): one pass, no temporaries."""
    b_, n_, k_ = a.shape
    out = np.zeros(b_)
    for r in range(b_):
        acc = 0.0
        for i in range(n_):
            for k in range(k_):
                acc += abs(a[r, i, k] - b[r, i, k])
        out[r] = acc
    return out
