"""Compiled (numba) versions of the hot kernels, equal to their numpy reference in kernels.py up to rounding.

The numpy functions in ``sim.core.kernels`` are the readable specification; these fuse the same arithmetic into
loops without temporaries, row by row (so a replicate's result never depends on the rest of its batch). Where they
differ it is by an ulp or so: sums over provisions run in order where numpy sums pairwise, and the stakeholder
weight's 1 - exp(-z) is a polynomial (``saturation``) within 1 ulp of expm1. Discrete outcomes (windows, statements,
votes, modes) are the reference's exactly. tests/test_kernels.py checks both agree; benchmarks/bench_engine.py
measures them.

A compiled function here calls only compiled functions of this file: numba's on-disk cache (``cache=True``) is
invalidated by a change to the function's own file, not to the files of the functions it calls, so a call into
another module would keep running the old code after that module changed (the model version would move, the
cached machine code would not). Small helpers are therefore repeated per file (``_column_sums``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.enums import AdoptionMode

UNROLLED_SIZE = 256  # sources per issue, padded, that the unrolled window search covers (up to 255 sources)


def pad_sorted(y_sorted: np.ndarray) -> np.ndarray:
    """The per-issue sorted source positions (K,O) padded with +inf to a power of two >= UNROLLED_SIZE > O, the
    layout the branchless window search needs (an index never runs past the end; +inf is never inside a window)."""
    k_, o_ = y_sorted.shape
    size = max(UNROLLED_SIZE, 1 << int(o_).bit_length())
    out = np.full((k_, size), np.inf)
    out[:, :o_] = y_sorted
    return out


@njit(cache=True, inline="always")
def _halve(yk, p, q, t, u, step):
    """One level of the two binary searches: p counts sources y <= t, q sources y < u (compiled to selects)."""
    p += step if yk[p + step - 1] <= t else 0
    q += step if yk[q + step - 1] < u else 0
    return p, q


@njit(cache=True)
def _windows(yk, col, e, lo, hi):
    """The bounded-confidence window of each centre col[i] among the sorted, padded sources yk: lo[i] = first source
    with y > c - e, hi[i] = first with y >= c + e (hi >= lo). Branchless binary searches, unrolled when the padded
    size is UNROLLED_SIZE, else level by level (any number of sources); both give the same windows (tested)."""
    n_, size = col.shape[0], yk.shape[0]
    if size == UNROLLED_SIZE:
        for i in range(n_):
            t = col[i] - e
            u = col[i] + e
            p, q = _halve(yk, 0, 0, t, u, 128)
            p, q = _halve(yk, p, q, t, u, 64)
            p, q = _halve(yk, p, q, t, u, 32)
            p, q = _halve(yk, p, q, t, u, 16)
            p, q = _halve(yk, p, q, t, u, 8)
            p, q = _halve(yk, p, q, t, u, 4)
            p, q = _halve(yk, p, q, t, u, 2)
            p, q = _halve(yk, p, q, t, u, 1)
            lo[i] = p
            hi[i] = max(p, q)
        return
    for i in range(n_):
        lo[i] = 0
        hi[i] = 0
    step = size >> 1
    while step > 0:
        for i in range(n_):
            lo[i], hi[i] = _halve(yk, lo[i], hi[i], col[i] - e, col[i] + e, step)
        step >>= 1
    for i in range(n_):
        hi[i] = max(lo[i], hi[i])


BUCKETS = 1024  # buckets of the 0-100 scale in the lookup table of the persuasion windows


def bucket_table(y_padded: np.ndarray) -> np.ndarray:
    """Per issue, the number of sorted sources below the lower edge of each of BUCKETS equal buckets of [0, 100),
    (K, BUCKETS): the start of the scan in _windows_by_table."""
    edges = np.arange(BUCKETS) * (100.0 / BUCKETS)
    return np.stack([np.searchsorted(row, edges, side="left") for row in y_padded]).astype(np.int64)


@njit(cache=True, inline="always")
def _count_from(yk, table_k, v, strict):
    """Sources with y <= v (y < v if ``strict``): start at the count below a bucket edge at or under v, then step."""
    b = int(v * (BUCKETS / 100.0)) - 1 if v > 0.0 else 0   # one bucket back: the edge is surely <= v
    b = min(max(b, 0), BUCKETS - 1)
    n = table_k[b]
    if strict:
        while yk[n] < v:
            n += 1
    else:
        while yk[n] <= v:
            n += 1
    return n


@njit(cache=True)
def _windows_by_table(yk, table_k, col, e, lo, hi):
    """The windows of _windows (lo = first source with y > c - e, hi = first with y >= c + e, hi >= lo) by a bucket
    table and a short scan (sources are on [0, 100]; the padding +inf ends every scan). Same windows (tested)."""
    for i in range(col.shape[0]):
        p = _count_from(yk, table_k, col[i] - e, False)
        q = _count_from(yk, table_k, col[i] + e, True)
        lo[i] = p
        hi[i] = max(p, q)


@njit(cache=True)
def _prefix(base, relay, ind, align_sorted, qsk_sorted, order, y_padded, r, c0, c1):
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
                s1 += wt * y_padded[k, j]
                c0[g, k, j + 1] = s0
                c1[g, k, j + 1] = s1


@njit(cache=True)
def window_sums(base, relay, ind, align_sorted, qsk_sorted, order, y_padded, centre, group, eps):
    """Bounded-confidence message mass and weighted sum for every (row, state, issue).

    Source o's weight for a state of group g on issue k is (base_o + ind * relay_o * align_gko) * qsk_ko; only
    sources with |y_ok - centre_ik| < eps_k count. ``base``, ``relay`` (B,O); ``align_sorted`` (G,K,O) and
    ``qsk_sorted``, ``order`` (K,O) in per-issue sorted order; ``y_padded`` from pad_sorted; ``centre`` (B,N,K);
    ``group`` (N,). Same as kernels.SortedSources.window_sums.
    """
    b_, n_, k_ = centre.shape
    g_, o_ = align_sorted.shape[0], align_sorted.shape[2]
    mass, wsum = np.empty((b_, n_, k_)), np.empty((b_, n_, k_))
    c0, c1 = np.empty((g_, k_, o_ + 1)), np.empty((g_, k_, o_ + 1))
    lo = np.empty(n_, np.int64)
    hi = np.empty(n_, np.int64)
    for r in range(b_):
        _prefix(base, relay, ind, align_sorted, qsk_sorted, order, y_padded, r, c0, c1)
        for k in range(k_):
            _windows(y_padded[k], centre[r, :, k], eps[k], lo, hi)
            for i in range(n_):
                g = group[i]
                mass[r, i, k] = c0[g, k, hi[i]] - c0[g, k, lo[i]]
                wsum[r, i, k] = c1[g, k, hi[i]] - c1[g, k, lo[i]]
    return mass, wsum


# 1 - exp(-z) for z >= 0 without a libm call, so that LLVM vectorises the loop: z = n ln 2 + r, |r| <= ln2 / 2,
# expm1(r) by its Taylor series to r^13 (truncation < 1e-17), then 1 - exp(-z) = -(2^n expm1(r) + 2^n - 1).
# At most 1 ulp from -np.expm1(-z) for z >= 0 (message mass is never negative), 2 for -1 <= z < 0 (tested); z is
# capped at 40, where 1 - exp(-z) rounds to 1.
_LN2_HI, _LN2_LO, _INV_LN2 = 6.93147180369123816490e-01, 1.90821492927058770002e-10, 1.44269504088896338700e+00
_Z_CAP = 40.0
_T2, _T3, _T4, _T5, _T6, _T7 = 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040
_T8, _T9, _T10, _T11, _T12, _T13 = 1 / 40320, 1 / 362880, 1 / 3628800, 1 / 39916800, 1 / 479001600, 1 / 6227020800


@njit(cache=True)
def saturation(z, scale, out, exponent):
    """out[j] = scale * (1 - exp(-z[j])) for z >= 0 (flat arrays; ``exponent`` int64 scratch of the same size)."""
    for j in range(z.shape[0]):
        y = max(-z[j], -_Z_CAP)
        n = np.floor(y * _INV_LN2 + 0.5)
        r = (y - n * _LN2_HI) - n * _LN2_LO
        r2 = r * r
        r4 = r2 * r2
        p = ((_T2 + _T3 * r) + (_T4 + _T5 * r) * r2) + ((_T6 + _T7 * r) + (_T8 + _T9 * r) * r2) * r4 \
            + ((_T10 + _T11 * r) + (_T12 + _T13 * r) * r2) * (r4 * r4)
        out[j] = r + r2 * p                          # expm1(r)
        exponent[j] = (np.int64(n) + 1023) << 52     # the bits of 2^n
    two_n = exponent.view(np.float64)
    for j in range(z.shape[0]):
        out[j] = -scale * (two_n[j] * out[j] + (two_n[j] - 1.0))


GROUP_LANES = 8   # groups summed side by side in _prefix_sorted (the groups are padded to a multiple of this)


@njit(cache=True)
def by_issue(sorted_gko):
    """(G,K,O) per-issue sorted weights as a contiguous (C,K,O,GROUP_LANES): the groups in C chunks of GROUP_LANES,
    padded with zeros, the layout _prefix_sorted reads."""
    g_, k_, o_ = sorted_gko.shape
    out = np.zeros((-(-g_ // GROUP_LANES), k_, o_, GROUP_LANES))
    for g in range(g_):
        for k in range(k_):
            for j in range(o_):
                out[g // GROUP_LANES, k, j, g % GROUP_LANES] = sorted_gko[g, k, j]
    return out


@njit(cache=True)
def _prefix_sorted(base, relay, lobby, solo, ind, qsk_sorted, order, align_kog, target_kog, y_padded, r, c0, c1):
    """Row r's prefix sums over sorted sources of the weight u + v * align_g + l * target_g (c0) and of weight * y
    (c1), (C,K,O+1,GROUP_LANES) as by_issue lays out ``align_kog``, ``target_kog``; u, v, l are the row's exposures
    (base, ind * relay, lobby) times solo scale and credibility x focus. Eight groups at a time, each running sum
    in its own variable and every index a literal: the chains advance side by side in registers instead of one
    group after another (1.5x faster than summing group by group, whose chain is the adder's latency; a loop
    over the groups sends the sums through memory; benchmarks/bench_kernels.py). Each group's sum runs in
    source order, so the numbers are exactly those of summing group by group."""
    c_, k_, o_ = align_kog.shape[0], align_kog.shape[1], align_kog.shape[2]
    for ch in range(c_):
        for k in range(k_):
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
            b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = 0.0
            for g in range(GROUP_LANES):
                c0[ch, k, 0, g] = 0.0
                c1[ch, k, 0, g] = 0.0
            for j in range(o_):
                o = order[k, j]
                q = solo[r, o] * qsk_sorted[k, j]
                u = base[r, o] * q
                v = ind * relay[r, o] * q
                lb = lobby[r, o] * q
                yv = y_padded[k, j]
                w = u + v * align_kog[ch, k, j, 0] + lb * target_kog[ch, k, j, 0]
                a0 += w
                b0 += w * yv
                w = u + v * align_kog[ch, k, j, 1] + lb * target_kog[ch, k, j, 1]
                a1 += w
                b1 += w * yv
                w = u + v * align_kog[ch, k, j, 2] + lb * target_kog[ch, k, j, 2]
                a2 += w
                b2 += w * yv
                w = u + v * align_kog[ch, k, j, 3] + lb * target_kog[ch, k, j, 3]
                a3 += w
                b3 += w * yv
                w = u + v * align_kog[ch, k, j, 4] + lb * target_kog[ch, k, j, 4]
                a4 += w
                b4 += w * yv
                w = u + v * align_kog[ch, k, j, 5] + lb * target_kog[ch, k, j, 5]
                a5 += w
                b5 += w * yv
                w = u + v * align_kog[ch, k, j, 6] + lb * target_kog[ch, k, j, 6]
                a6 += w
                b6 += w * yv
                w = u + v * align_kog[ch, k, j, 7] + lb * target_kog[ch, k, j, 7]
                a7 += w
                b7 += w * yv
                c0[ch, k, j + 1, 0] = a0
                c0[ch, k, j + 1, 1] = a1
                c0[ch, k, j + 1, 2] = a2
                c0[ch, k, j + 1, 3] = a3
                c0[ch, k, j + 1, 4] = a4
                c0[ch, k, j + 1, 5] = a5
                c0[ch, k, j + 1, 6] = a6
                c0[ch, k, j + 1, 7] = a7
                c1[ch, k, j + 1, 0] = b0
                c1[ch, k, j + 1, 1] = b1
                c1[ch, k, j + 1, 2] = b2
                c1[ch, k, j + 1, 3] = b3
                c1[ch, k, j + 1, 4] = b4
                c1[ch, k, j + 1, 5] = b5
                c1[ch, k, j + 1, 6] = b6
                c1[ch, k, j + 1, 7] = b7


@njit(cache=True)
def _joint_sums(base, relay, lobby, joint, ind, align, target, qsk, y, members, member_coal, r, jm, js):
    """Mass and weighted sum (G,C,K) of each coalition speaking jointly in row r (kernels.joint_sums)."""
    jm[:] = 0.0
    js[:] = 0.0
    g_, k_ = align.shape[0], qsk.shape[1]
    for m in range(members.shape[0]):
        o = members[m]
        scale = joint[r, o]
        if scale == 0.0:
            continue
        c = member_coal[m]
        for g in range(g_):
            e = (base[r, o] + ind * relay[r, o] * align[g, o] + lobby[r, o] * target[g, o]) * scale
            for k in range(k_):
                wt = e * qsk[o, k]
                jm[g, c, k] += wt
                js[g, c, k] += wt * y[o, k]


def persuade_windows(anchor, b, lam, base, relay, lobby, solo, joint, ind, align, target, align_kog, target_kog,
                     qsk, qsk_sorted, order, y, y_padded, table, group, eps, eps_joint, members, member_coal, n_coal,
                     omega_max, kappa, mu, out=None):
    """persuade_windows_into, into ``out`` (B,N,K; a new array if None; not ``b``, not ``anchor``). Returns the
    positions, each row's mean message mass (B,) and movement sum (B,)."""
    out = np.empty_like(b) if out is None else out
    if np.shares_memory(out, b) or np.shares_memory(out, anchor):
        raise ValueError("persuade_windows: out must not share memory with b or anchor (they are read after it "
                         "is written)")
    mass, moved = persuade_windows_into(out, anchor, b, lam, base, relay, lobby, solo, joint, ind, align, target,
                                        align_kog, target_kog, qsk, qsk_sorted, order, y, y_padded, table, group,
                                        eps, eps_joint, members, member_coal, n_coal, omega_max, kappa, mu)
    return out, mass, moved


@njit(cache=True)
def persuade_windows_into(out, anchor, b, lam, base, relay, lobby, solo, joint, ind, align, target, align_kog,
                          target_kog, qsk, qsk_sorted, order, y, y_padded, table, group, eps, eps_joint, members,
                          member_coal, n_coal, omega_max, kappa, mu):
    """Persuasion of a session, per row: the bounded-confidence windows of every source speaking alone (weights
    of kernels.persuasion_weights times ``solo``), the joint positions of cross-sector coalitions (weights times
    ``joint``, window ``eps_joint``: kernels.joint_sums; ``align_kog``, ``target_kog`` the bloc alignment and
    lobbying share per delegation in per-issue sorted order, laid out by by_issue once per negotiation; ``table``
    from bucket_table(y_padded)),
    the saturating weight, the
    Friedkin-Johnsen update of kernels.persuade around the ``anchor`` and the anchor's update
    (kernels.anchor_update, rate ``mu``).
    The anchors are updated in place and the positions written into ``out`` (B,N,K). Returns each row's mean
    message mass (B,) and movement sum |out - b| (B,)."""
    b_, n_, k_ = b.shape
    inv_kappa = 1.0 / kappa
    mass_mean = np.zeros(b_)
    moved = np.zeros(b_)
    g_, o_ = align.shape[0], align_kog.shape[2]
    c0, c1 = np.empty((align_kog.shape[0], k_, o_ + 1, GROUP_LANES)), np.empty((align_kog.shape[0], k_, o_ + 1, GROUP_LANES))
    jm, js = np.zeros((g_, max(n_coal, 1), k_)), np.zeros((g_, max(n_coal, 1), k_))
    jp, jw, jy = np.empty_like(jm), np.empty_like(jm), np.empty_like(jm)    # position, mass, sum of those heard
    lo = np.empty((k_, n_), np.int64)
    hi = np.empty((k_, n_), np.int64)
    mass = np.empty((k_, n_))
    wsum = np.empty((k_, n_))
    omega = np.empty(k_ * n_)
    scratch = np.empty(k_ * n_, np.int64)
    for r in range(b_):
        silent = True                       # no stakeholder reaches this row (e.g. the 'none' counterfactual)
        jointly = False
        for o in range(base.shape[1]):
            if base[r, o] != 0.0 or relay[r, o] != 0.0 or lobby[r, o] != 0.0:
                silent = False
            if joint[r, o] != 0.0:
                jointly = True
        if silent:                          # mass 0 everywhere: omega = 0, the update is (1 - lam) a + lam b
            step = 0.0
            for i in range(n_):
                for k in range(k_):
                    v = (1.0 - lam[i, k]) * anchor[r, i, k] + lam[i, k] * b[r, i, k]
                    out[r, i, k] = v
                    step += abs(v - b[r, i, k])
            moved[r] = step
            continue
        _prefix_sorted(base, relay, lobby, solo, ind, qsk_sorted, order, align_kog, target_kog, y_padded, r, c0, c1)
        n_on = 0
        if jointly:
            _joint_sums(base, relay, lobby, joint, ind, align, target, qsk, y, members, member_coal, r, jm, js)
            for cc in range(n_coal):                # the coalitions speaking jointly in this row, and where
                heard = False
                for g in range(g_):
                    for k in range(k_):
                        wj = jm[g, cc, k]
                        jp[g, n_on, k] = js[g, cc, k] / wj if wj > 0.0 else np.inf
                        jw[g, n_on, k] = wj
                        jy[g, n_on, k] = js[g, cc, k]
                        heard = heard or wj > 0.0
                n_on += 1 if heard else 0
        total = 0.0
        for k in range(k_):
            _windows_by_table(y_padded[k], table[k], b[r, :, k], eps[k], lo[k], hi[k])
            for i in range(n_):
                g = group[i]
                ch, gl = g // GROUP_LANES, g % GROUP_LANES
                m = c0[ch, k, hi[k, i], gl] - c0[ch, k, lo[k, i], gl]
                ws = c1[ch, k, hi[k, i], gl] - c1[ch, k, lo[k, i], gl]
                for cc in range(n_on):
                    if abs(jp[g, cc, k] - b[r, i, k]) < eps_joint[k]:
                        m += jw[g, cc, k]
                        ws += jy[g, cc, k]
                total += m
                mass[k, i] = m * inv_kappa
                wsum[k, i] = ws / m if m > 0 else np.nan
        mass_mean[r] = total / (n_ * k_)
        saturation(mass.reshape(k_ * n_), omega_max, omega, scratch)
        step = 0.0
        for i in range(n_):
            for k in range(k_):
                c = b[r, i, k]
                w = omega[k * n_ + i]
                ybar = wsum[k, i] if w > 0 else c
                lk = lam[i, k]
                a = anchor[r, i, k]
                v = (1.0 - lk) * a + lk * ((1.0 - w) * c + w * ybar)
                out[r, i, k] = v
                step += abs(v - c)
                if mu != 0.0:
                    anchor[r, i, k] = min(max(a + mu * (lk * w * (ybar - c)), 0.0), 100.0)
        moved[r] = step
    return mass_mean, moved


@njit(cache=True)
def _column_sums(w):
    """sum over states of w (N,K), in state order: the denominators of the compromise."""
    out = np.zeros(w.shape[1])
    for i in range(w.shape[0]):
        for k in range(w.shape[1]):
            out[k] += w[i, k]
    return out


@njit(cache=True, inline="always")
def _utility(s, centre, x, r, i):
    """U_i(centre[r]) = -sum_k s_ik |centre_rk - x_rik| / sum_k s_ik (kernels.utility), the sums in order."""
    num = 0.0
    den = 0.0
    for k in range(s.shape[1]):
        num += s[i, k] * abs(centre[r, k] - x[r, i, k])
        den += s[i, k]
    return -num / den


@njit(cache=True)
def informal_rounds(p, rounds, starts, counts, cohesion, concession, cm_weight):
    """Closed informals, as kernels.informal_rounds: bloc DeGroot step, then concession towards CM(p). The blocs
    (``starts``, ``counts``) must cover every state, contiguously and in order: the compromise is summed during the
    bloc pass, and each round's concession is applied bloc by bloc at the start of the next round's pass (every
    state's step is its own, so the order does not change a number). Returns the positions (B,N,K) and each row's
    movement sum |out - p| (B,)."""
    b_, n_, k_ = p.shape
    out = p.copy()
    moved = np.zeros(b_)
    wsum = _column_sums(cm_weight)
    means = np.empty(k_)
    cm = np.empty(k_)
    cm_next = np.empty(k_)
    for r in range(b_):
        q = out[r]
        for t in range(rounds):
            for k in range(k_):
                cm_next[k] = 0.0
            for bl in range(starts.shape[0]):      # blocs are contiguous and in state order, so the compromise
                a, n = starts[bl], counts[bl]      # sums accumulate in state order within the same pass
                for k in range(k_):
                    means[k] = 0.0
                for i in range(a, a + n):
                    if t > 0:                      # the previous round's concession (each state on its own)
                        for k in range(k_):
                            q[i, k] = q[i, k] + concession[i, k] * (cm[k] - q[i, k])
                    for k in range(k_):
                        means[k] += q[i, k]
                for k in range(k_):
                    means[k] = means[k] / n
                for i in range(a, a + n):
                    for k in range(k_):
                        q[i, k] = q[i, k] + cohesion[i, 0] * (means[k] - q[i, k])
                        cm_next[k] += q[i, k] * cm_weight[i, k]
            for k in range(k_):
                cm[k] = cm_next[k] / wsum[k]
        if rounds > 0:                             # the last round's concession
            for i in range(n_):
                for k in range(k_):
                    q[i, k] = q[i, k] + concession[i, k] * (cm[k] - q[i, k])
        total = 0.0
        for i in range(n_):
            for k in range(k_):
                total += abs(q[i, k] - p[r, i, k])
        moved[r] = total
    return out, moved


@njit(cache=True)
def chair_update(d, p, x, s, u_reserve, threshold, cm_weight, eta, zeta, omega_max, kappa, mass, wsum):
    """The chair's draft of kernels.chair_draft with its inputs computed in the same pass: the stakeholder weight
    omega = omega_max (1 - exp(-mass / kappa)) and mean ybar from the chair's window sums (B,K), and the likely
    blockers, states whose utility U_i(d) = -sum s|d - x| / sum s falls below their reservation minus
    ``threshold``. Same arithmetic as the numpy reference up to the order of the sums (~1e-15)."""
    b_, n_, k_ = p.shape
    out = np.empty_like(d)
    wtot = _column_sums(cm_weight)
    blocker = np.zeros(n_, np.bool_)
    for r in range(b_):
        any_blocker = False
        for i in range(n_):
            blocker[i] = _utility(s, d, x, r, i) < u_reserve[r, i] - threshold
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
def plenary_statements(acc, group, resources, u, n_groups, exponent):
    """kernels.plenary_statements, compiled: the same counts and shares (every sum in the same order)."""
    b_, o_ = acc.shape
    per_org = np.zeros((b_, o_))
    made = np.zeros(b_)
    members = np.empty(n_groups)
    weight = np.empty(n_groups)
    cdf = np.empty(n_groups)
    counts = np.empty(n_groups)
    for r in range(b_):
        members[:] = 0.0
        weight[:] = 0.0
        counts[:] = 0.0
        for o in range(o_):
            if acc[r, o]:
                members[group[o]] += 1.0
                weight[group[o]] += resources[o]
        total = 0.0
        for g in range(n_groups):
            total += weight[g]
            cdf[g] = total
        if total <= 0.0:
            continue
        for g in range(n_groups):
            cdf[g] = cdf[g] / total
        for m in range(u.shape[1]):
            v = u[r, m]
            lo, hi = 0, n_groups                 # number of cdf entries <= v, by bisection
            while lo < hi:
                mid = (lo + hi) >> 1
                if cdf[mid] <= v:
                    lo = mid + 1
                else:
                    hi = mid
            counts[min(lo, n_groups - 1)] += 1.0
        n = 0.0
        for g in range(n_groups):
            n += counts[g]
            if members[g] > 0:
                counts[g] = counts[g] * max(members[g], 1.0) ** (exponent - 1.0)
        made[r] = n
        for o in range(o_):
            if acc[r, o]:
                per_org[r, o] = counts[group[o]]
    return per_org, made


@njit(cache=True)
def bloc_means(p, starts, counts, out, slot):
    """out[r, slot[b], k] = mean of p[r, i, k] over bloc b's states (contiguous from starts[b]), summed in order
    as np.add.reduceat does. ``out`` (B,G,K) keeps its other entries (absent blocs)."""
    b_, _, k_ = p.shape
    for r in range(b_):
        for bl in range(starts.shape[0]):
            g = slot[bl]
            for k in range(k_):
                out[r, g, k] = p[r, starts[bl], k]
            for i in range(starts[bl] + 1, starts[bl] + counts[bl]):
                for k in range(k_):
                    out[r, g, k] += p[r, i, k]
            for k in range(k_):
                out[r, g, k] /= counts[bl]


@njit(cache=True)
def compromise_utility(x, weight, s):
    """The compromise CM(x) (B,K) of kernels.compromise and each state's utility of it (B,N) of kernels.utility,
    in one pass (the sums over states in the same order as numpy's; over provisions in order)."""
    b_, n_, k_ = x.shape
    cm = np.zeros((b_, k_))
    util = np.empty((b_, n_))
    wtot = _column_sums(weight)
    for r in range(b_):
        for i in range(n_):
            for k in range(k_):
                cm[r, k] += x[r, i, k] * weight[i, k]
        for k in range(k_):
            cm[r, k] /= wtot[k]
        for i in range(n_):
            util[r, i] = _utility(s, cm, x, r, i)
    return cm, util


_CONSENSUS, _AFTER_VOTES = int(AdoptionMode.CONSENSUS), int(AdoptionMode.CONSENSUS_AFTER_VOTES)
_VOTE, _FAILED = int(AdoptionMode.VOTE), int(AdoptionMode.FAILED)


@njit(cache=True)
def _logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@njit(cache=True)
def decide(d, x, s, reserve, u_text, u_prov, fallback, threshold, provision_threshold, noise, indifference,
           isolation):
    """kernels.decide, compiled, row by row (the sums over provisions run in order, so utilities may differ from
    numpy's pairwise sums by an ulp)."""
    b_, n_, k_ = x.shape
    d = d.copy()
    held = np.zeros((b_, k_), np.int64)
    yes_out, no_out = np.zeros(b_, np.int64), np.zeros(b_, np.int64)
    still_out, mode = np.zeros(b_, np.int64), np.zeros(b_, np.int64)
    util, gain, s_tot = np.empty(n_), np.empty(n_), np.empty(n_)
    objects, requests, worst = np.empty(n_, np.bool_), np.empty(n_, np.bool_), np.empty(n_, np.int64)
    for i in range(n_):
        tot = 0.0
        for k in range(k_):
            tot += s[i, k]
        s_tot[i] = tot
    for r in range(b_):
        consensus = True
        for i in range(n_):
            num = 0.0
            worst[i] = 0
            top = -1.0
            for k in range(k_):
                loss = s[i, k] * abs(d[r, k] - x[r, i, k])
                num += loss
                if loss > top:
                    top = loss
                    worst[i] = k
            util[i] = -num / s_tot[i]
            objects[i] = u_text[r, i] < _logistic((reserve[r, i] - util[i] - threshold) / noise)
            requests[i] = u_prov[r, i] < _logistic((top - provision_threshold) / noise) or objects[i]
            consensus = consensus and not requests[i]
        for k in range(k_):
            asked = False
            for i in range(n_):
                if requests[i] and worst[i] == k:
                    asked = True
                    break
            if not asked:
                continue
            yes, no = 0, 0
            for i in range(n_):
                gain[i] = -s[i, k] * (abs(fallback[k] - x[r, i, k]) - abs(d[r, k] - x[r, i, k])) / s_tot[i]
                yes += gain[i] > indifference
                no += gain[i] < -indifference
            if 3 * yes >= 2 * (yes + no) and yes > 0:
                held[r, k] = 2
                d[r, k] = fallback[k]
                for i in range(n_):
                    util[i] += gain[i]
            else:
                held[r, k] = 1
        yes, no, still = 0, 0, 0
        for i in range(n_):
            still += u_text[r, i] < _logistic((reserve[r, i] - util[i] - threshold) / noise)
            surplus = util[i] - reserve[r, i]
            yes += surplus > indifference
            no += surplus < -indifference
        yes_out[r], no_out[r], still_out[r] = yes, no, still
        if consensus:
            mode[r] = _CONSENSUS
        elif 3 * yes < 2 * (yes + no):
            mode[r] = _FAILED
        elif still > 0 and no >= isolation:
            mode[r] = _VOTE
        else:
            mode[r] = _AFTER_VOTES
    return d, held, yes_out, no_out, still_out, mode
