"""The three Mesa baselines of benchmarks/ (naive loops, agents with numpy attributes, a vectorised Mesa model)
compute the same session step as the batched engine on the same inputs and draws, so the benchmark compares like
with like: positions, anchors and the chair's draft after the session agree to 1e-12 points."""

import numpy as np
import pytest

from benchmarks import mesa_common as mc
from benchmarks.mesa_agents import AgentSessionModel
from benchmarks.mesa_vectorised import VectorisedSessionModel
from benchmarks.per_agent import LoopingSessionModel
from conftest import SEED
from sim.engine import Negotiation
from sim.runner import variant_masks

MODELS = {"agents": AgentSessionModel, "vectorised": VectorisedSessionModel,
          "naive": lambda r: LoopingSessionModel(r.neg, replicate=r)}


def _batch(world, params, rules):
    """Two replicates x every leave-one-type-out variant: rows differ in accreditation, who speaks jointly, draws."""
    _, masks = variant_masks(world, "leave_one_type_out")
    return Negotiation(world, params, rules, SEED, [4, 9], masks)


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("t", [0, 5])
def test_a_baseline_session_step_equals_the_engine(world, params, rules, name, t):
    neg = _batch(world, params, rules)
    rows = np.arange(len(neg.rep))
    picked = [0, 3, len(rows) - 1]
    takes = [mc.Replicate.take(neg, r) for r in picked]
    assert any(tk.joint.any() for tk in takes) and any(not tk.acc.all() for tk in takes)   # both paths exercised
    models = [MODELS[name](tk) for tk in takes]
    neg._session(rows, t)
    for r, m in zip(picked, models, strict=True):
        m.session(t)
        assert np.abs(m.positions() - neg.p[r]).max() < 1e-12
        assert np.abs(m.anchors() - neg.anchor[r]).max() < 1e-12
        assert np.abs(m.replicate.d - neg.d[r]).max() < 1e-12
    moved = np.abs(neg.p[picked] - np.array([tk.p for tk in takes])).max()
    assert moved > 1.0           # the session moved the positions: equality is not of two untouched copies


def test_the_naive_baseline_keeps_the_benchmark_interface(world, params, rules):
    """bench_engine.py builds LoopingSessionModel(neg, 0) from a one-row Negotiation and steps it."""
    neg = Negotiation(world, params, rules, SEED, [4])
    looping = LoopingSessionModel(neg, 0)
    looping.step()
    neg.step()
    assert np.abs(looping.positions() - neg.p[0]).max() < 1e-12
