"""The default run with the engine's compiled informals equals the same run on the numpy specification
(sim.core.kernels.informal_rounds): discrete outcomes equal, numbers within 1e-12."""

import numpy as np

from sim.core import informals
from sim.core import kernels as kn
from sim.engine import Negotiation
from sim.runner import variant_masks

SUMS = ("informal_move", "total_move", "message_mass")


def _numpy_informals(p, rounds, starts, counts, cohesion, concession, cm_weight, out=None):
    """kernels.informal_rounds behind the compiled kernel's signature (positions, movement per row)."""
    spec = kn.informal_rounds(p, rounds, kn.Blocs(starts, counts), cohesion, concession, cm_weight)
    if out is not None:
        out[...] = spec
    return spec if out is None else out, np.abs(spec - p).sum(axis=(1, 2))


def _outcomes(neg):
    return {k: np.array(getattr(neg, k)) for k in ("p", "d", "anchor", "draft", "positions", "informal_move",
                                                   "total_move", "message_mass", "package_move", "mode",
                                                   "decided_in", "deletion_votes", "text_vote", "objectors")}


def test_default_run_equals_the_numpy_specification_of_the_informals(world, params, rules, monkeypatch):
    _, masks = variant_masks(world, "leave_one_type_out")
    compiled = _outcomes(Negotiation(world, params, rules, 1, np.arange(3), masks).run())
    monkeypatch.setattr(informals, "informal_rounds", _numpy_informals)
    spec = _outcomes(Negotiation(world, params, rules, 1, np.arange(3), masks).run())
    for key, value in compiled.items():
        if key in SUMS:          # sums of ~2,000 moves (thousands of points): numpy sums pairwise, 1e-15 relative
            np.testing.assert_allclose(value, spec[key], rtol=1e-13, atol=0, err_msg=key)
        elif value.dtype.kind == "f":
            np.testing.assert_allclose(value, spec[key], rtol=0, atol=1e-12, err_msg=key)
        else:
            np.testing.assert_array_equal(value, spec[key], err_msg=key)
    assert (compiled["informal_move"][:, 0] > 0).all()    # the informals moved positions in every row
