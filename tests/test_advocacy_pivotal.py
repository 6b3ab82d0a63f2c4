"""Pivotal delegations (sim/advocacy/pivotal.py) on worlds where the answer is known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import toy_world
from sim import presets
from sim.advocacy import pivotal
from sim.config import CospSpec
from sim.engine import Negotiation

# States 0 and 2 hold both provisions at salience 1: their susceptibility lambda = s0 rho (1 - s)^gamma is 0, so
# engaging them (lambda x 1.25) changes nothing; state 1 (salience 0.5) listens, so engaging it must move the text.
DEAF_EXCEPT_1 = dict(salience=np.array([[1.0, 1.0], [0.5, 0.5], [1.0, 1.0]]))
TOY_RULES = presets.rules("cosp_open")      # one speaking time for every session (the toy world has two)


def test_engagement_of_one_is_the_baseline_bit_for_bit(params):
    w = toy_world()
    base = Negotiation(w, params, TOY_RULES, 7, np.arange(6)).run()
    same = Negotiation(w, params, TOY_RULES, 7, np.arange(6), engagement=np.ones(w.n_states)).run()
    np.testing.assert_array_equal(base.d, same.d)
    np.testing.assert_array_equal(base.p, same.p)


def test_only_a_delegation_that_listens_can_be_pivotal(params):
    w = toy_world(**DEAF_EXCEPT_1)
    assert params.salience_damping > 0          # the premise: (1 - 1)^gamma = 0
    piv = pivotal.provision_pivots(w, params, TOY_RULES, 7, np.arange(8), "political")
    effect = piv.table.set_index("iso")["effect"]
    assert effect["AA"] == 0.0 and effect["CC"] == 0.0            # exactly: the same draws, lambda 0 either way
    assert abs(effect["BB"]) > 1e-6
    lo, hi = piv.table.set_index("iso").loc["BB", ["lo", "hi"]]
    assert lo <= effect["BB"] <= hi
    assert piv.replicates == 8 and (piv.table["n"] == 8).all()


def test_a_bigger_step_moves_the_listening_delegation_further(params):
    w = toy_world(**DEAF_EXCEPT_1)
    small = pivotal.provision_pivots(w, params, TOY_RULES, 7, np.arange(8), "political", step=0.1, candidates=[1])
    large = pivotal.provision_pivots(w, params, TOY_RULES, 7, np.arange(8), "political", step=1.0, candidates=[1])
    assert abs(large.table["effect"].iloc[0]) > abs(small.table["effect"].iloc[0])


def test_the_step_and_the_provision_are_checked(params):
    w = toy_world()
    with pytest.raises(ValueError, match="documented range"):
        pivotal.provision_pivots(w, params, TOY_RULES, 7, np.arange(2), "political", step=5.0)
    with pytest.raises(ValueError, match="unknown provision 'politcal'"):
        pivotal.provision_pivots(w, params, TOY_RULES, 7, np.arange(2), "politcal")


def test_target_position_is_the_focus_weighted_mean_ideal():
    w = toy_world(sigma=np.array([[0.75, 0.25], [0.25, 0.75]]))
    # political: ideals 30 and 90 with focus 0.75 and 0.25 -> (22.5 + 22.5) / 1 = 45
    assert pivotal.target_position(w, "political") == pytest.approx(45.0)
    assert pivotal.target_position(w, "political", ["law_enforcement"]) == pytest.approx(90.0)


# Deciders: three states at 100, 90 and 10 on the access scale, the chair at 100 (open), draft rule 17(2) at 45 on
# the table, everyone present and voting (uniforms 0.5 above absence 0.2 and abstention 0.1).
E = np.array([[100.0, 90.0, 10.0]])
CHAIR = np.array([100.0])
U = np.full((1, 3), 0.5)


def test_consensus_the_lone_objector_decides_by_its_absence():
    # state 2 objects to every text above 46 (gain 35 - |o - 10| < -1); states 0 and 1 object to every text below
    # 45, so only the status quo passes. Without state 2 every open text passes and the chair picks open (100).
    params = presets.params()
    spec = CospSpec(decision_rule="consensus")
    adopted, absence, abstention = pivotal.deciders_from(E, CHAIR, spec, params, U, U)
    assert adopted.tolist() == ["rule_17_2"]
    assert absence.tolist() == [[False, False, True]]
    assert abstention.tolist() == [[False, False, False]]        # under consensus only presence matters


def test_two_thirds_either_supporter_decides_by_abstaining():
    # open: yes from 0 and 1, no from 2: 2 >= 2/3 x 3 passes. If 0 or 1 does not vote, 1 yes vs 1 no fails for
    # every text, so rule 17(2) stays; if 2 does not vote, open still passes.
    params = presets.params()
    spec = CospSpec(decision_rule="two_thirds")
    adopted, absence, abstention = pivotal.deciders_from(E, CHAIR, spec, params, U, U)
    assert adopted.tolist() == ["open"]
    assert absence.tolist() == [[True, True, False]]
    assert abstention.tolist() == [[True, True, False]]


@pytest.mark.slow
def test_access_pivots_on_the_default_world_rank_and_pair(world, params):
    spec, rules = CospSpec(), presets.rules("cosp_draft_rule_17")
    piv = pivotal.access_pivots(world, params, rules, spec, 3, np.arange(4), candidates=np.arange(12))
    t = piv.table
    assert len(t) == 12 and (t["n"] == 4).all()
    assert t["effect"].is_monotonic_decreasing
    assert ((t["lo"] <= t["effect"]) & (t["effect"] <= t["hi"])).all()
    assert 0 <= piv.baseline <= 100
