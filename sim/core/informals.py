"""The closed informals (kernels.informal_rounds), compiled with replicates side by side.

A session's informals are short loops: per round, a bloc DeGroot step then a concession towards the compromise,
over N states x K provisions with K = 10. Run one replicate at a time, the innermost loop is 10 long and the
compromise sums are dependency chains; here LANES replicates are copied into one scratch block laid out
(state, provision, lane), so every innermost loop runs over K x LANES contiguous numbers with the lanes as
independent chains. Every lane does exactly the arithmetic of one replicate alone, in the same order, so a
replicate's numbers do not depend on which replicates share its block (tests/test_kernels.py). LANES = 16 (two
512-bit vectors per provision) ran the default batch of 64 x 8 at a median of 804 replicate-runs per CPU second
against 760 with 8 lanes (8 interleaved runs each, 2026-12-08); 32 lanes were no faster. A batch runs in blocks
of LANES while that many rows are left, then in blocks of NARROW = 8 (the last one padded), so a small batch
(a fit's 8 replicates) does not pay for a wide block.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LANES = 16   # replicates per block (module docstring)
NARROW = 8   # replicates per block once fewer than LANES are left


@njit(cache=True)
def _column_sums(w):
    """sum over states of w (N,K), in state order: the denominators of the compromise."""
    out = np.zeros(w.shape[1])
    for i in range(w.shape[0]):
        for k in range(w.shape[1]):
            out[k] += w[i, k]
    return out


@njit(cache=True)
def _load(p, rows, j0, m, q):
    """q[i, k, lane] = p[rows[j0 + lane], i, k]; a short last block repeats its last row."""
    n_, k_ = p.shape[1], p.shape[2]
    for lane in range(q.shape[2]):
        r = rows[j0 + min(lane, m - 1)]
        for i in range(n_):
            for k in range(k_):
                q[i, k, lane] = p[r, i, k]


@njit(cache=True, inline="always")
def _concede(q, i, conc, cm):
    lanes = q.shape[2]
    for k in range(q.shape[1]):
        c = conc[i, k]
        for lane in range(lanes):
            q[i, k, lane] = q[i, k, lane] + c * (cm[k, lane] - q[i, k, lane])


@njit(cache=True)
def _rounds(q, rounds, starts, counts, cohesion, concession, cm_weight, wsum, means, cm, cm_next):
    """The rounds of kernels.informal_rounds on one block; each round's concession is applied bloc by bloc at the
    start of the next round's pass (every state's step is its own, so the order changes no number)."""
    n_, k_, lanes = q.shape
    for t in range(rounds):
        cm_next[:] = 0.0
        for bl in range(starts.shape[0]):      # blocs are contiguous and in state order, so the compromise
            a, n = starts[bl], counts[bl]      # sums accumulate in state order within the same pass
            means[:] = 0.0
            for i in range(a, a + n):
                if t > 0:
                    _concede(q, i, concession, cm)
                for k in range(k_):
                    for lane in range(lanes):
                        means[k, lane] += q[i, k, lane]
            for k in range(k_):
                for lane in range(lanes):
                    means[k, lane] = means[k, lane] / n
            for i in range(a, a + n):
                b = cohesion[i, 0]
                for k in range(k_):
                    w = cm_weight[i, k]
                    for lane in range(lanes):
                        v = q[i, k, lane] + b * (means[k, lane] - q[i, k, lane])
                        q[i, k, lane] = v
                        cm_next[k, lane] += v * w
        for k in range(k_):
            for lane in range(lanes):
                cm[k, lane] = cm_next[k, lane] / wsum[k]
    if rounds > 0:                             # the last round's concession
        for i in range(n_):
            _concede(q, i, concession, cm)


@njit(cache=True)
def _block(p, rows, j0, m, rounds, starts, counts, cohesion, concession, cm_weight, wsum, q, means, cm, cm_next,
           total, out, moved):
    """The informals of rows rows[j0:j0 + m] in one block of q.shape[2] lanes (m <= lanes)."""
    n_, k_, lanes = q.shape
    _load(p, rows, j0, m, q)
    _rounds(q, rounds, starts, counts, cohesion, concession, cm_weight, wsum, means, cm, cm_next)
    total[:] = 0.0
    for i in range(n_):
        for k in range(k_):
            for lane in range(lanes):
                total[lane] += abs(q[i, k, lane] - p[rows[j0 + min(lane, m - 1)], i, k])
    for lane in range(m):
        moved[j0 + lane] = total[lane]
        for i in range(n_):
            for k in range(k_):
                out[j0 + lane, i, k] = q[i, k, lane]


@njit(cache=True)
def informal_rounds_into(p, rows, rounds, starts, counts, cohesion, concession, cm_weight, out, moved):
    """Closed informals of rows ``rows`` of p (B,N,K), as kernels.informal_rounds: out[j] the positions of row
    rows[j] after the rounds, moved[j] its movement sum |out - p|. The blocs (``starts``, ``counts``) must cover
    every state, contiguously and in order. Blocks of LANES rows while that many are left, then of NARROW (the last
    one padded), so that a small batch does not pay for a wide block."""
    n_, k_ = p.shape[1], p.shape[2]
    wide = (np.empty((n_, k_, LANES)), np.empty((k_, LANES)), np.empty((k_, LANES)), np.empty((k_, LANES)),
            np.empty(LANES))
    narrow = (np.empty((n_, k_, NARROW)), np.empty((k_, NARROW)), np.empty((k_, NARROW)), np.empty((k_, NARROW)),
              np.empty(NARROW))
    wsum = _column_sums(cm_weight)
    j0 = 0
    while j0 < rows.shape[0]:
        left = rows.shape[0] - j0
        q, means, cm, cm_next, total = wide if left >= LANES else narrow
        m = min(q.shape[2], left)
        _block(p, rows, j0, m, rounds, starts, counts, cohesion, concession, cm_weight, wsum, q, means, cm, cm_next,
               total, out, moved)
        j0 += m


def informal_rounds(p, rounds, starts, counts, cohesion, concession, cm_weight, out=None):
    """informal_rounds_into over every row, into ``out`` (B,N,K; a new array if None; not ``p``): returns the
    positions and each row's movement (B,)."""
    out = np.empty_like(p) if out is None else out
    if np.shares_memory(out, p):
        raise ValueError("informal_rounds: out must not share memory with p (a block reads p after out is written)")
    moved = np.empty(p.shape[0])
    informal_rounds_into(p, np.arange(p.shape[0]), rounds, starts, counts, cohesion, concession, cm_weight, out,
                         moved)
    return out, moved
