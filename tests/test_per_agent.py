"""The per-agent Mesa baseline of benchmarks/ computes the same session step as the batched engine, so the
benchmark compares like with like."""

import numpy as np

from benchmarks.per_agent import LoopingSessionModel
from conftest import SEED
from sim.engine import Negotiation


def test_per_agent_session_step_equals_the_batched_engine(world, params, rules):
    neg = Negotiation(world, params, rules, SEED, [4])
    looping = LoopingSessionModel(neg, 0)
    looping.step()
    neg.step()
    np.testing.assert_allclose(looping.positions(), neg.p[0], rtol=1e-10, atol=1e-9)
