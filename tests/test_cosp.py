"""The COSP: the access-rule negotiation over discrete rule texts (positions from the engine, linkage, the winset of
the status quo under the COSP's decision rule), and the protocol after it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED
from sim import presets
from sim.analysis import mean_ci
from sim.config import ACCESS_RULES, ConfigError, CospSpec
from sim.cosp import (
    RULE_PRESETS,
    access_world,
    camp_shift,
    cosp_chain,
    decide_rule,
    linked_positions,
    protocol_world,
    rules_negotiation,
    winset,
)
from sim.engine import Negotiation
from sim.enums import SessionKind, Stance

POS = np.array([CospSpec().option_positions[o] for o in ACCESS_RULES])    # 100, 80, 65, 45, 35, 25, 0
EVERYONE = np.ones((1, 5))                                               # present and voting


def test_access_positions_follow_the_three_camps(world):
    spec = CospSpec(position_sd=0.0)
    aw = access_world(world, spec, SEED)
    x = aw.x_base[:, 0]
    assert (x[world.stance == Stance.OPEN] == 85).all() and (x[world.stance == Stance.LIMITED] == 50).all()
    assert (x[world.stance == Stance.OPPOSED] == 15).all()
    assert aw.n_issues == 1 and aw.n_sessions == spec.sessions
    assert (aw.session_kind == SessionKind.SUBSTANTIVE).all()       # the rule texts are decided by decide_rule
    assert (aw.salience[world.stance == Stance.LIMITED] == 0.3).all()
    shift = camp_shift(world, spec, SEED, [0, 1])
    for camp in (Stance.OPEN, Stance.LIMITED, Stance.OPPOSED):   # one shock per camp and replicate
        assert np.unique(shift[0, world.stance == camp]).size == 1
    assert not np.allclose(shift[0], shift[1])


def test_winset_of_the_status_quo_by_hand(params):
    prm = replace(params, vote_indifference=1.0, absence_prob=0.2, abstention_prob=0.1)
    # states at 60, 60, 70, 90 prefer the two-thirds override (65) to rule 17(2) (45); the state at 10 does not:
    # 4 yes against 1 no passes two-thirds, and under consensus the one objection blocks
    e = np.array([[60.0, 60.0, 70.0, 90.0, 10.0]])
    vote = winset(e, POS, 45.0, EVERYONE, EVERYONE, prm, "two_thirds")[0]
    veto = winset(e, POS, 45.0, EVERYONE, EVERYONE, prm, "consensus")[0]
    assert dict(zip(ACCESS_RULES, vote, strict=True)) == {"open": False, "ahc_modalities": False,
                                                          "two_thirds_override": True, "rule_17_2": True,
                                                          "consent_based": False, "limited_technical": False,
                                                          "none": False}
    assert veto.tolist() == [o == "rule_17_2" for o in ACCESS_RULES]
    # the objector absent: consensus admits the override too
    absent = np.array([[0.5, 0.5, 0.5, 0.5, 0.1]])
    assert winset(e, POS, 45.0, absent, EVERYONE, prm, "consensus")[0][ACCESS_RULES.index("two_thirds_override")]
    # the chair at 70 proposes the override under two-thirds; under consensus the status quo stays
    spec = CospSpec()
    assert decide_rule(e, np.array([70.0]), spec, prm, EVERYONE, EVERYONE)[0] == "two_thirds_override"
    assert decide_rule(e, np.array([70.0]), replace(spec, decision_rule="consensus"), prm, EVERYONE,
                       EVERYONE)[0] == "rule_17_2"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(ACCESS_RULES))
def test_a_veto_never_admits_more_than_a_vote(params, seed, status_quo):
    rng = np.random.default_rng(seed)
    e = rng.uniform(0, 100, (4, 9))
    u_abs, u_abst = rng.random((4, 9)), rng.random((4, 9))
    q = CospSpec().option_positions[status_quo]
    veto = winset(e, POS, q, u_abs, u_abst, params, "consensus")
    vote = winset(e, POS, q, u_abs, u_abst, params, "two_thirds")
    assert not (veto & ~vote).any()


def test_linkage_moves_the_swing_camp_towards_the_open_camp(world):
    spec = CospSpec(linkage=0.5)
    p = np.full((1, world.n_states), 40.0)
    moved = linked_positions(world, spec, p)[0]
    s = world.salience[:, world.issue_keys.index("tech_assistance")]
    swing = world.stance == Stance.LIMITED
    np.testing.assert_allclose(moved[swing], 40.0 + 0.5 * s[swing] * (85.0 - 40.0))
    assert (moved[~swing] == 40.0).all()
    np.testing.assert_array_equal(linked_positions(world, replace(spec, linkage=0.0), p), p)


def test_bad_cosp_settings_name_the_key():
    with pytest.raises(ConfigError, match="cosp.informals"):
        CospSpec(informals="secret")
    with pytest.raises(ConfigError, match="cosp.decision_rule"):
        CospSpec(decision_rule="majority")
    with pytest.raises(ConfigError, match="cosp.status_quo"):
        CospSpec(status_quo="rule_17")
    with pytest.raises(ConfigError, match=r"cosp.option_positions.*missing"):
        CospSpec(option_positions={"open": 100.0})
    with pytest.raises(ConfigError, match=r"cosp.org_positions.*missing"):
        CospSpec(org_positions={"human_rights": 90.0})


def test_every_rule_text_has_a_rules_preset_that_governs_the_protocol_sessions(world, params):
    assert set(RULE_PRESETS) == set(ACCESS_RULES)
    pw = protocol_world(world, CospSpec())
    for name in RULE_PRESETS.values():
        Negotiation(pw, params, presets.rules(name), SEED, [0])     # schedules fit the COSP's calendar


def test_the_status_quo_is_sticky_and_consensus_stickier(world, params, rules):
    reps = np.arange(48)
    _, vote, changed = rules_negotiation(world, params, rules, CospSpec(), SEED, reps)
    _, veto, _ = rules_negotiation(world, params, rules, CospSpec(decision_rule="consensus"), SEED, reps)
    assert (veto == "rule_17_2").all()                         # 193 states: someone always objects to a change
    assert set(vote) <= set(ACCESS_RULES) and (vote == "rule_17_2").mean() > 0.5
    assert (changed == (vote != "rule_17_2")).all()
    # camps that lean open move the COSP off the status quo towards the open end
    leaning = CospSpec(limited_position=75.0, opposed_position=60.0)
    _, lean, _ = rules_negotiation(world, params, rules, leaning, SEED, reps)
    order = {o: i for i, o in enumerate(ACCESS_RULES)}
    assert np.mean([order[o] for o in lean]) < np.mean([order[o] for o in vote])


def test_the_chain_runs_the_protocol_under_the_adopted_rule_against_the_ahc_model(world, params, rules):
    spec = CospSpec()
    t = cosp_chain(world, params, rules, spec, SEED, np.arange(24))
    assert list(t["replicate"]) == list(range(24)) and set(t["access_rule"]) <= set(ACCESS_RULES)
    assert protocol_world(world, spec).n_sessions == spec.protocol_sessions
    # the status quo, rule 17(2), is kept in most replicates and costs stakeholders influence on the protocol
    sq = t["access_rule"] == "rule_17_2"
    assert sq.mean() > 0.5 and mean_ci(t.loc[sq, "influence_vs_as_is"])[2] < 0
    # camps that lean open leave the status quo for a more open text, and stakeholders keep more influence
    leaning = cosp_chain(world, params, rules, replace(spec, limited_position=75.0, opposed_position=60.0), SEED,
                         np.arange(24))
    assert (leaning["access_rule"] != "rule_17_2").mean() > 0.5
    assert leaning["protocol_influence_all"].mean() > t.loc[sq, "protocol_influence_all"].mean()


def test_the_rule_negotiation_is_reproducible_and_batched_equals_one_by_one(world, params, rules):
    spec = CospSpec(limited_position=60.0)
    pos, rule, _ = rules_negotiation(world, params, rules, spec, SEED, np.arange(6))
    again, rule_again, _ = rules_negotiation(world, params, rules, spec, SEED, np.arange(6))
    np.testing.assert_array_equal(pos, again)
    np.testing.assert_array_equal(rule, rule_again)
    for r in (0, 4):
        alone, rule_alone, _ = rules_negotiation(world, params, rules, spec, SEED, [r])
        assert alone[0] == pos[r] and rule_alone[0] == rule[r]
