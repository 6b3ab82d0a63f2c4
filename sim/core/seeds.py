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


def draw_uniform(root: int, purpose: Purpose, replicates: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform draws of ``shape`` for each replicate, stacked on a leading axis (float64)."""
    out = np.empty((len(replicates), *shape))
    for j, r in enumerate(replicates):
        stream(root, purpose, int(r)).random(out=out[j])
    return out


def draw_normal(root: int, purpose: Purpose, replicates: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws of ``shape`` for each replicate, stacked on a leading axis."""
    out = np.empty((len(replicates), *shape))
    for j, r in enumerate(replicates):
        stream(root, purpose, int(r)).standard_normal(out=out[j])
    return out
