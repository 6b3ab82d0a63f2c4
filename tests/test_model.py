"""The Mesa façade: agents are views on the engine's rows, one step is one session, and the model reproduces the
batched engine exactly."""

import numpy as np

from conftest import SEED
from sim.agents import Organisation, StateDelegation
from sim.engine import Negotiation
from sim.model import NegotiationModel


def test_model_steps_sessions_and_matches_the_batched_engine(world, params, rules):
    model = NegotiationModel(world, rules, params, replicate=2, seed=SEED)
    assert len(model.agents_by_type[StateDelegation]) == 193
    assert len(model.agents_by_type[Organisation]) == 200
    steps = 0
    while model.running:
        model.step()
        steps += 1
    batch = Negotiation(world, params, rules, SEED, [0, 1, 2, 3]).run()
    np.testing.assert_array_equal(model.engine.d[0], batch.d[2])
    assert steps == int(batch.decided_in[2]) + 1
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == steps + 1                        # collected at t=0 and after each session
    np.testing.assert_allclose(df["draft_scope"].iloc[-1], batch.d[2, 0])


def test_agents_are_views_on_the_arrays(world, params, rules):
    model = NegotiationModel(world, rules, params, seed=SEED)
    model.step()
    state = model.agents_by_type[StateDelegation][5]
    np.testing.assert_array_equal(state.position, model.engine.p[0, 5])
    model.step()
    np.testing.assert_array_equal(state.position, model.engine.p[0, 5])   # follows the engine, holds no copy
    org = model.agents_by_type[Organisation][0]
    assert org.accredited == bool(model.engine.accredited[0, 0])
    assert org.org_type.key in org.coalition or org.coalition
