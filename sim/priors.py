"""The priors of the behavioural parameters: each ``Params`` field uniform on its documented plausible range.

One place for what ``plenary calibrate`` fits (``experiments/calibrate.py``) and for what a result over the
posterior draws for the parameters the fit left out (``sim.posterior.draws(..., unfitted="prior")``):

- a field is *uncertain* when its plausible range (``sim/config.py``, ``_p(..., plausible, ...)``) is wider than one
  point; the others are fixed by design;
- a whole-number field is discrete uniform on lo .. hi (the support [lo, hi + 1) floored);
- ``admission_no`` never exceeds ``admission_yes`` (their ranges overlap): a draw that puts it above is set equal;
- a fit may set another range for a parameter it fits (``plenary calibrate --prior NAME=LO:HI``, parsed by
  :func:`custom_ranges`): it must lie inside the field's hard bounds and be wider than a point; it is recorded in the
  posterior's provenance. The unfitted parameters always keep their documented plausible ranges.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np

from sim.config import Params
from sim.errors import ConfigError, nearest

PRIOR_STREAM = 0x707269   # spawn key of the prior-draw generator ("pri"), apart from every model stream (MODEL.md §7)


def meta() -> dict[str, dict]:
    """Each ``Params`` field's metadata (bounds, plausible range, source, doc) and whether it is a whole number."""
    return {f.name: {**f.metadata, "integer": isinstance(f.default, int)} for f in fields(Params)}


def uncertain_parameters() -> list[str]:
    """The ``Params`` fields with a plausible range wider than one point, in declaration order."""
    return [k for k, m in meta().items() if m["plausible"][0] < m["plausible"][1]]


Ranges = dict[str, tuple[float, float]]      # a parameter's prior range (lo, hi), as a user states it


def custom_ranges(specs: list[str] | tuple[str, ...], fitted: list[str]) -> Ranges:
    """Prior ranges ``NAME=LO:HI`` (``--prior``) for parameters among ``fitted``, checked.

    Raises:
        ConfigError: a malformed spec, a name that is not fitted (with a suggestion), a range that is not wider
            than a point, outside the field's hard bounds, or not whole numbers for a whole-number field.
    """
    m, out = meta(), {}
    form = "NAME=LO:HI, e.g. chair_rate=0.2:0.9"
    for spec in specs:
        name, eq, rest = str(spec).partition("=")
        name = name.strip()
        lo_text, colon, hi_text = rest.partition(":")
        if not (eq and colon and name):
            raise ConfigError("--prior", f"{spec!r} is not a prior range", form)
        if name not in fitted:
            near = nearest(name, fitted)
            why = "is not a parameter" if name not in m else "is not fitted (add it to --parameters)"
            raise ConfigError("--prior", f"{name!r} {why}", ", ".join(fitted), near[0] if near else None)
        try:
            lo, hi = float(lo_text), float(hi_text)
        except ValueError:
            raise ConfigError("--prior", f"{spec!r}: LO and HI must be numbers", form) from None
        b_lo, b_hi = m[name]["bounds"]
        whole = m[name]["integer"]
        allowed = f"{'whole numbers' if whole else 'numbers'} with {b_lo} <= LO < HI <= {b_hi}"
        if not (math.isfinite(lo) and math.isfinite(hi) and b_lo <= lo < hi <= b_hi) or (
                whole and not (lo.is_integer() and hi.is_integer())):
            raise ConfigError(f"--prior {name}", f"the range {lo_text}:{hi_text} is not allowed (hard bounds "
                              f"[{b_lo}, {b_hi}])", allowed)
        out[name] = (lo, hi)
    return out


def prior_ranges(names: list[str], custom: Ranges | None = None) -> dict[str, tuple[float, float]]:
    """The prior's support per parameter: its ``custom`` range if given, else its plausible range (whole-number
    fields: [lo, hi + 1), floored)."""
    m, custom = meta(), custom or {}
    out = {}
    for n in names:
        lo, hi = custom.get(n, m[n]["plausible"])
        out[n] = (float(lo), float(hi) + (1.0 if m[n]["integer"] else 0.0))
    return out


def provenance_priors(names: list[str], custom: Ranges | None = None) -> dict[str, dict]:
    """The priors as a posterior's provenance records them: ``uniform`` (the support of :func:`prior_ranges`) and,
    for a range set by ``--prior``, that range as given (``range``)."""
    custom = custom or {}
    return {k: {"uniform": list(v), **({"set_by": "--prior", "range": list(custom[k])} if k in custom else {})}
            for k, v in prior_ranges(names, custom).items()}


def custom_from_provenance(provenance: dict) -> Ranges:
    """The ``--prior`` ranges a posterior was fitted with (empty when every prior is the plausible range)."""
    return {k: tuple(v["range"]) for k, v in provenance.get("priors", {}).items() if "range" in v}


def from_unit(values: dict[str, float], custom: Ranges | None = None) -> dict[str, float]:
    """theta per parameter from its place u in the unit box: theta = lo + (hi - lo) u, u clipped to [0, 1], on the
    support of :func:`prior_ranges`."""
    ranges = prior_ranges(list(values), custom)
    return {k: lo + (hi - lo) * min(max(float(u), 0.0), 1.0) for k, u in values.items() for lo, hi in [ranges[k]]}


def to_params(base: Params, values: dict[str, float], custom: Ranges | None = None) -> Params:
    """``base`` with the parameter ``values`` (theta): whole-number fields floored into their prior range (the
    ``custom`` one if given, else the plausible range); where a draw puts ``admission_no`` above ``admission_yes``
    (their ranges overlap), it is set equal to it."""
    m, out, custom = meta(), {}, custom or {}
    for k, v in values.items():
        lo, hi = custom.get(k, m[k]["plausible"])
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
