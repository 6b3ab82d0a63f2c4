"""The camp salience contrast (sim.scenario.camp_salience, parameter ``camp_salience``): hand-computed toy cases,
its invariants, and the logroll it exists to produce on the default scenario."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from conftest import SEED, toy_world
from sim import presets
from sim.engine import Negotiation
from sim.runner import run_replicates
from sim.scenario import camp_salience

ROLES = np.array([1.0, -1.0])      # the toy's political provision is a power, its technical one a safeguard


def test_the_odds_move_by_e_to_the_gamma_theta_role():
    # theta = -1, 0, 1; salience [[.5,.5],[.5,.25],[1/3,.5]]; gamma = ln 2 doubles or halves the odds
    w = camp_salience(toy_world(role=ROLES), math.log(2.0))
    expected = np.array([[1 / 3, 2 / 3],      # theta -1: power odds 1 -> 1/2, safeguard odds 1 -> 2
                         [0.5, 0.25],         # theta 0: unchanged
                         [0.5, 1 / 3]])       # theta +1: power odds 1/2 -> 1, safeguard odds 1 -> 1/2
    np.testing.assert_allclose(w.salience, expected, rtol=0, atol=1e-15)


def test_no_contrast_or_no_roles_is_the_world_itself():
    w = toy_world(role=ROLES)
    assert camp_salience(w, 0.0) is w
    plain = toy_world()
    assert camp_salience(plain, 2.0) is plain
    neutral = toy_world(role=np.zeros(2))
    assert camp_salience(neutral, 3.0) is neutral


def test_salience_stays_in_range_and_keeps_its_ends():
    w = toy_world(role=ROLES, salience=np.array([[0.0, 1.0], [1.0, 0.0], [0.999, 0.001]]),
                  theta=np.array([-5.0, 5.0, 3.0]))
    out = camp_salience(w, 4.0).salience
    assert out[0, 0] == 0.0 and out[0, 1] == 1.0 and out[1, 0] == 1.0 and out[1, 1] == 0.0
    assert np.all((out >= 0.0) & (out <= 1.0)) and np.all(np.isfinite(out))
    # monotone: a state further towards the sponsors holds a power provision more salient
    ws = toy_world(role=ROLES, salience=np.full((3, 2), 0.4))
    s = camp_salience(ws, 1.0).salience
    assert s[0, 0] < s[1, 0] < s[2, 0] and s[0, 1] > s[1, 1] > s[2, 1]


def test_a_role_vector_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="one per provision"):
        camp_salience(toy_world(role=np.ones(3)), 1.0)


def test_the_engine_weighs_the_compromise_with_the_leaning_salience(params):
    # political positions 20, 40, 80, capability 1, 1, 2: configured weights .5 .5 (2/3) -> compromise 50;
    # with gamma = ln 2 the weights are 1/3, 1/2, 1 -> (20/3 + 20 + 80) / (11/6) = 58.1818...
    rules = presets.rules(speaking_minutes=0, statement_minutes=3, informal_share=0.0)   # the toy's 2 sessions
    prm = replace(params, camp_salience=math.log(2.0))
    before = Negotiation(toy_world(role=ROLES), params, rules, 1, [0])
    after = Negotiation(toy_world(role=ROLES), prm, rules, 1, [0])
    assert before.compromise_x[0, 0] == pytest.approx(50.0, abs=1e-12)
    assert after.compromise_x[0, 0] == pytest.approx((20 / 3 + 20 + 80) / (11 / 6), abs=1e-12)
    np.testing.assert_allclose(after.world.salience, camp_salience(toy_world(role=ROLES), prm.camp_salience).salience)


def test_zero_contrast_is_bit_for_bit_the_model_without_roles(world, params, rules):
    plain = replace(world, role=None)
    a = Negotiation(world, params, rules, SEED, np.arange(4)).run()
    b = Negotiation(plain, params, rules, SEED, np.arange(4)).run()
    assert params.camp_salience == 0.0
    assert np.array_equal(a.d, b.d) and np.array_equal(a.draft, b.draft)


def test_the_contrast_makes_a_logroll_on_the_default_scenario(world, params, rules):
    """Stylised fact over 32 replicates: with the sponsors caring more about the powers and the other camp about
    the safeguards, the final text moves up (broader) on power provisions and down on safeguards, by points."""
    keys = world.issue_keys
    power = [keys.index(k) for k in ("scope", "cooperation", "e_evidence")]
    safeguard = [keys.index("hr_clause")]
    text = {}
    for gamma in (0.0, 1.5):
        res = run_replicates(world, replace(params, camp_salience=gamma), rules, SEED, np.arange(32))
        text[gamma] = res.table[[f"text_{k}" for k in keys]].to_numpy()
    shift = text[1.5].mean(axis=0) - text[0.0].mean(axis=0)
    spread = text[0.0].std(axis=0, ddof=1)
    assert shift[power].min() >= 5.0, shift               # every power provision broader by 5+ points
    assert shift[safeguard].max() <= -5.0, shift          # the human-rights clause more protective by 5+ points
    assert np.all(np.abs(shift[power + safeguard]) > 3 * spread[power + safeguard] / np.sqrt(32))
    assert np.all((text[1.5] >= 0) & (text[1.5] <= 100))


def test_the_shipped_scenario_codes_a_role_per_provision(world):
    roles = dict(zip(world.issue_keys, world.role, strict=True))
    assert roles["scope"] == 1.0 and roles["hr_clause"] == -1.0 and roles["csam"] == 0.0
    assert set(np.unique(world.role)) <= {-1.0, 0.0, 1.0}


def test_the_cosp_access_world_has_no_provision_roles(world):
    from sim import cosp
    from sim.config import CospSpec

    aw = cosp.access_world(world, CospSpec(), SEED)
    assert aw.role is None
    assert camp_salience(aw, 2.0) is aw
