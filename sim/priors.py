"""The priors of the behavioural parameters: each ``Params`` field uniform on its documented plausible range.

One place for what ``plenary calibrate`` fits (``experiments/calibrate.py``) and for what a result over the
posterior draws for the parameters the fit left out (``sim.posterior.draws(..., unfitted="prior")``):

- a field is *uncertain* when its plausible range (``sim/config.py``, ``_p(..., plausible, ...)``) is wider than one
  point; the others are fixed by design;
- a whole-number field is discrete uniform on lo .. hi (the support [lo, hi + 1) floored);
- ``admission_no`` never exceeds ``admission_yes`` (their ranges overlap): a draw that puts it above is set equal.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np

from sim.config import Params

PRIOR_STREAM = 0x707269   # spawn key of the prior-draw generator ("pri"), apart from every model stream (MODEL.md §7)


def meta() -> dict[str, dict]:
    """Each ``Params`` field's metadata (bounds, plausible range, source, doc) and whether it is a whole number."""
    return {f.name: {**f.metadata, "integer": isinstance(f.default, int)} for f in fields(Params)}


def uncertain_parameters() -> list[str]:
    """The ``Params`` fields with a plausible range wider than one point, in declaration order."""
    return [k for k, m in meta().items() if m["plausible"][0] < m["plausible"][1]]


def prior_ranges(names: list[str]) -> dict[str, tuple[float, float]]:
    """The prior's support per parameter: the plausible range (whole-number fields: [lo, hi + 1), floored)."""
    m = meta()
    return {n: (float(m[n]["plausible"][0]), float(m[n]["plausible"][1]) + (1.0 if m[n]["integer"] else 0.0))
            for n in names}


def from_unit(values: dict[str, float]) -> dict[str, float]:
    """theta per parameter from its place u in the unit box: theta = lo + (hi - lo) u, u clipped to [0, 1]."""
    ranges = prior_ranges(list(values))
    return {k: lo + (hi - lo) * min(max(float(u), 0.0), 1.0) for k, u in values.items() for lo, hi in [ranges[k]]}


def to_params(base: Params, values: dict[str, float]) -> Params:
    """``base`` with the parameter ``values`` (theta): whole-number fields floored into their plausible range;
    where a draw puts ``admission_no`` above ``admission_yes`` (their ranges overlap), it is set equal to it."""
    m, out = meta(), {}
    for k, v in values.items():
        lo, hi = m[k]["plausible"]
        out[k] = int(min(max(math.floor(v), lo), hi)) if m[k]["integer"] else float(v)
    params = {**{f.name: getattr(base, f.name) for f in fields(Params)}, **out}
    params["admission_no"] = min(params["admission_no"], params["admission_yes"])
    return Params(**params)


def sample_units(names: list[str], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` points of the unit box over ``names`` (independent uniforms), reproducible from ``seed`` and the same
    for a parameter whatever other names are drawn beside it (one stream per parameter, keyed by its name)."""
    out: list[dict[str, float]] = [{} for _ in range(n)]
    for name in names:
        key = int.from_bytes(name.encode(), "little") % (2**63)
        u = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PRIOR_STREAM, key))).random(n)
        for row, value in zip(out, u, strict=True):
            row[name] = float(value)
    return out
