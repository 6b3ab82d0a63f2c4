"""numpy's PCG64 uniform doubles, compiled: the same numbers as ``Generator(PCG64(...)).random``, bit for bit.

numpy fills an array through a function pointer per number, one stream at a time (~2.7 ns a number here). Here the
128-bit step is a single LLVM i128 multiply-add, four replicates' streams advance side by side (their steps are
independent, so the CPU overlaps them: ~1.8 ns a number), and the accreditation draw compares each number with its
objection probability without storing it. The generator is PCG XSL-RR 128/64 (O'Neill 2014), as in
numpy/random/src/pcg64: state <- state * MULT + inc (mod 2^128), output rotr64(hi ^ lo, hi >> 58), and a double is
(output >> 11) * 2^-53. The states come from sim.core.seeds.state_words (SeedSequence); tests/test_seeds.py checks
every number against numpy.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_MULT = (2549297995355413924 << 64) + 4865540595714422341     # PCG_DEFAULT_MULTIPLIER_128
_U11, _U58, _U63, _U64 = np.uint64(11), np.uint64(58), np.uint64(63), np.uint64(64)
_TWO_M53 = 1.0 / 9007199254740992.0
LANES = 4   # streams advanced side by side (measured: 4 beats 2 and 8 on this machine)


@intrinsic
def _step(typingctx, hi, lo, inc_hi, inc_lo):
    """(hi, lo) <- (hi:lo) * MULT + (inc_hi:inc_lo) mod 2^128, in LLVM's 128-bit integers."""
    pair = types.UniTuple(types.uint64, 2)
    sig = pair(types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        wide, word = ir.IntType(128), ir.IntType(64)

        def join(h, low):
            return builder.or_(builder.shl(builder.zext(h, wide), ir.Constant(wide, 64)), builder.zext(low, wide))

        s = builder.add(builder.mul(join(args[0], args[1]), ir.Constant(wide, _MULT)), join(args[2], args[3]))
        high = builder.trunc(builder.lshr(s, ir.Constant(wide, 64)), word)
        return context.make_tuple(builder, pair, (high, builder.trunc(s, word)))

    return sig, codegen


@njit(cache=True, inline="always")
def _uniform(hi, lo, inc_hi, inc_lo):
    """One PCG64 step: the new state and the uniform double in [0, 1) that numpy draws from it."""
    hi, lo = _step(hi, lo, inc_hi, inc_lo)
    x = hi ^ lo
    rot = hi >> _U58
    out = (x >> rot) | (x << ((_U64 - rot) & _U63))
    return hi, lo, np.float64(np.int64(out >> _U11)) * _TWO_M53


@njit(cache=True, inline="always")
def _lanes(state, j0, m):
    """The states of streams j0 .. j0+m-1 in LANES slots (a short last block repeats its last stream)."""
    hi, lo = np.empty(LANES, np.uint64), np.empty(LANES, np.uint64)
    inc_hi, inc_lo = np.empty(LANES, np.uint64), np.empty(LANES, np.uint64)
    for lane in range(LANES):
        src = j0 + min(lane, m - 1)
        hi[lane], lo[lane], inc_hi[lane], inc_lo[lane] = state[src, 0], state[src, 1], state[src, 2], state[src, 3]
    return hi, lo, inc_hi, inc_lo


@njit(cache=True)
def _fill(state, size, prob, uniforms, below):
    """Draw ``size`` uniforms from each stream, LANES streams side by side, into uniforms[j] or, when ``prob`` has
    entries, as the comparisons uniform < prob into below[j] (the unused output is empty)."""
    compare = prob.shape[0] > 0
    r_ = state.shape[0]
    for j0 in range(0, r_, LANES):
        m = min(LANES, r_ - j0)
        hi, lo, inc_hi, inc_lo = _lanes(state, j0, m)
        for k in range(size):
            for lane in range(LANES):
                hi[lane], lo[lane], u = _uniform(hi[lane], lo[lane], inc_hi[lane], inc_lo[lane])
                if lane < m:
                    if compare:
                        below[j0 + lane, k] = u < prob[k]
                    else:
                        uniforms[j0 + lane, k] = u


@njit(cache=True)
def fill_uniform(state, out):
    """out[j] = the uniforms of the stream in PCG64 state state[j] = (hi, lo, inc_hi, inc_lo), in C order: the
    numbers of Generator.random(out=out[j])."""
    flat = out.reshape(out.shape[0], -1)
    _fill(state, flat.shape[1], np.empty(0), flat, np.empty((0, 0), np.bool_))


@njit(cache=True)
def fill_below(state, prob, out):
    """out[j] = (uniforms of stream j, drawn in the shape of ``prob``, C order) < prob, without storing them.

    Returns np.flatnonzero(out), found eight bytes at a time (the True entries, objections, are rare)."""
    p = prob.ravel()
    _fill(state, p.shape[0], p, np.empty((0, 0)), out.reshape(out.shape[0], -1))
    return _flatnonzero(out.reshape(-1))


@njit(cache=True)
def _flatnonzero(mask):
    """np.flatnonzero of a contiguous boolean array, skipping all-False 8-byte words."""
    n = mask.shape[0]
    whole = n // 8
    words = mask[:whole * 8].view(np.uint64)
    hits = 0
    for w in range(whole):
        if words[w] != 0:
            for b in range(8 * w, 8 * w + 8):
                hits += mask[b]
    for b in range(8 * whole, n):
        hits += mask[b]
    out = np.empty(hits, np.int64)
    h = 0
    for w in range(whole):
        if words[w] != 0:
            for b in range(8 * w, 8 * w + 8):
                if mask[b]:
                    out[h] = b
                    h += 1
    for b in range(8 * whole, n):
        if mask[b]:
            out[h] = b
            h += 1
    return out
