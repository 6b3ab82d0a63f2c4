"""Random streams: one root seed, one independent stream per (replicate, purpose) (MODEL.md §7).

Every random quantity of a replicate is drawn from the stream of its purpose, in a fixed shape that depends only on
the scenario (never on the rules or on which agents are present): draw, then mask. So removing an organisation,
changing a rule or changing the batch size leaves every other draw unchanged (common random numbers), and results
are identical on any launcher, process count or order. The cell of a sweep is deliberately *not* part of the key:
cells that share replicate numbers share their draws, so rule effects are paired differences.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.core.pcg64 import fill_uniform


class Purpose(IntEnum):
    """What a stream is used for; the integer is part of the seed key, so never renumber."""

    ORGANISATIONS = 1
    NOISE = 2
    ACCREDITATION = 3
    SUBMISSIONS = 4
    SPEAKING = 5
    CONSULTATIONS = 6
    DECISION = 7
    SIGNATURE = 8
    RATIFICATION = 9
    DOMESTIC = 10
    RESERVATION = 11
    COSP = 12


def stream(root: int, purpose: Purpose, replicate: int | None = None) -> np.random.Generator:
    """The generator for ``purpose`` (and ``replicate``, for per-replicate streams) under root seed ``root``."""
    key = [int(root), int(purpose)] if replicate is None else [int(root), int(purpose), int(replicate)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


# Seeding many streams at once. np.random.SeedSequence + PCG64 cost ~36 us per stream, more than the draws of a
# replicate's smaller streams; streams() below reproduces them exactly (tested bit for bit against stream()) with the
# hash vectorised over replicates and the state set on one bit generator (~2 us). The constants are those of numpy's
# SeedSequence (numpy/random/bit_generator.pyx, after O'Neill's seed_seq) and PCG64 (numpy/random/src/pcg64).
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _XSHIFT, _MASK32, _POOL = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF, 4
_PCG_MULT, _MASK128 = (2549297995355413924 << 64) + 4865540595714422341, (1 << 128) - 1


def _words(n: int) -> list[int]:
    """numpy's split of a non-negative int into 32-bit words, least significant first (0 -> [0])."""
    if n < 0:
        raise ValueError(f"seeds and replicate numbers must be >= 0, got {n}")
    out = [] if n else [0]
    while n > 0:
        out.append(n & _MASK32)
        n >>= 32
    return out


def _seed_words(entropy: np.ndarray) -> np.ndarray:
    """SeedSequence(entropy).generate_state(4, uint64) for each row of ``entropy`` (R,L) uint32 words -> (R,4)."""
    e = entropy.astype(np.uint64)
    r_, l_ = e.shape
    m = np.uint64(_MASK32)
    const = _INIT_A

    def hashmix(value):
        nonlocal const
        value = value ^ np.uint64(const)
        const = (const * _MULT_A) & _MASK32
        value = (value * np.uint64(const)) & m
        return value ^ (value >> np.uint64(_XSHIFT))

    def mix(x, y):
        res = (np.uint64(_MIX_L) * x - np.uint64(_MIX_R) * y) & m
        return res ^ (res >> np.uint64(_XSHIFT))

    zero = np.zeros(r_, np.uint64)
    pool = [hashmix(e[:, i] if i < l_ else zero) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL, l_):
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(e[:, src]))
    const, state = _INIT_B, []
    for i in range(2 * 4):                      # four 64-bit words from eight 32-bit ones, little-endian
        value = pool[i % _POOL] ^ np.uint64(const)
        const = (const * _MULT_B) & _MASK32
        value = (value * np.uint64(const)) & m
        state.append(value ^ (value >> np.uint64(_XSHIFT)))
    return np.stack([state[2 * j] | (state[2 * j + 1] << np.uint64(32)) for j in range(4)], axis=1)


def _pcg64_state(words) -> dict:
    """PCG64's state after seeding with SeedSequence words (pcg64_set_seed: pcg_setseq_128_srandom_r)."""
    seed = (int(words[0]) << 64) | int(words[1])
    inc = (((int(words[2]) << 64) | int(words[3])) << 1 | 1) & _MASK128
    state = (inc + seed) & _MASK128                    # a step from state 0 gives inc; add the seed; one more step
    state = (state * _PCG_MULT + inc) & _MASK128
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}


def _states(root: int, purpose: Purpose, replicates) -> list[dict]:
    """The PCG64 state of ``stream(root, purpose, r)`` for each replicate r."""
    reps = [int(r) for r in replicates]
    head = _words(int(root)) + _words(int(purpose))
    keys = [head + _words(r) for r in reps]
    words = np.empty((len(reps), 4), np.uint64)
    for size in {len(k) for k in keys}:        # one vectorised hash per key length (one, unless replicates > 2^32)
        rows = [j for j, k in enumerate(keys) if len(k) == size]
        words[rows] = _seed_words(np.array([keys[j] for j in rows], dtype=np.uint64))
    return [_pcg64_state(w) for w in words]


def streams(root: int, purpose: Purpose, replicates):
    """For each replicate in turn, a generator in the state of ``stream(root, purpose, r)``: the same numbers.

    It is one generator, re-seeded at each step, so draw from it before asking for the next."""
    bits = np.random.PCG64(0)
    gen = np.random.Generator(bits)
    for state in _states(root, purpose, replicates):
        bits.state = state
        yield gen


def state_words(root: int, purpose: Purpose, replicates) -> np.ndarray:
    """(R,4) uint64: each replicate's PCG64 state as (state_hi, state_lo, inc_hi, inc_lo), for sim.core.pcg64."""
    low = (1 << 64) - 1
    return np.array([[s >> 64, s & low, i >> 64, i & low] for s, i in
                     ((st["state"]["state"], st["state"]["inc"]) for st in _states(root, purpose, replicates))],
                    dtype=np.uint64).reshape(-1, 4)


def draw_uniform(root: int, purpose: Purpose, replicates: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform draws of ``shape`` for each replicate, stacked on a leading axis (float64)."""
    out = np.empty((len(replicates), *shape))
    fill_uniform(state_words(root, purpose, replicates), out)
    return out


def draw_normal(root: int, purpose: Purpose, replicates: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws of ``shape`` for each replicate, stacked on a leading axis."""
    out = np.empty((len(replicates), *shape))
    for j, gen in enumerate(streams(root, purpose, replicates)):
        gen.standard_normal(out=out[j])
    return out
