"""The COSP: the access-rule negotiation run by the same engine, the rule it maps to, and the protocol after it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import SEED
from sim.analysis import mean_ci
from sim.config import ConfigError, CospSpec
from sim.cosp import access_rule, access_world, camp_shift, cosp_chain, protocol_world, rules_negotiation
from sim.enums import SessionKind, Stance


def test_access_positions_follow_the_three_camps(world):
    spec = CospSpec(position_sd=0.0)
    aw = access_world(world, spec, SEED)
    x = aw.x_base[:, 0]
    assert (x[world.stance == Stance.OPEN] == 85).all() and (x[world.stance == Stance.LIMITED] == 50).all()
    assert (x[world.stance == Stance.OPPOSED] == 15).all()
    assert aw.n_issues == 1 and aw.n_sessions == spec.sessions
    assert aw.session_kind[-1] == SessionKind.CONCLUDING and (aw.salience[world.stance == Stance.LIMITED] == 0.3).all()
    shift = camp_shift(world, spec, SEED, [0, 1])
    for camp in (Stance.OPEN, Stance.LIMITED, Stance.OPPOSED):   # one shock per camp and replicate
        assert np.unique(shift[0, world.stance == camp]).size == 1
    assert not np.allclose(shift[0], shift[1])


def test_the_outcome_maps_onto_a_rule_by_hand():
    spec = CospSpec(open_above=66.7, none_below=33.3, fallback_rule="limited")
    pos = np.array([70.0, 66.7, 66.6, 33.3, 33.2, 90.0])
    adopted = np.array([True, True, True, True, True, False])
    assert access_rule(pos, adopted, spec).tolist() == ["open", "open", "limited", "limited", "none", "limited"]


def test_bad_cosp_settings_name_the_key():
    with pytest.raises(ConfigError, match="cosp.informals"):
        CospSpec(informals="secret")
    with pytest.raises(ConfigError, match="cosp.none_below"):
        CospSpec(none_below=70.0, open_above=60.0)


def test_opening_the_rules_negotiation_to_stakeholders_moves_access_towards_open(world, params, rules):
    reps = np.arange(48)
    closed, _, _ = rules_negotiation(world, params, rules, CospSpec(informals="excluded"), SEED, reps)
    watched, _, _ = rules_negotiation(world, params, rules, CospSpec(informals="observers"), SEED, reps)
    inside, _, _ = rules_negotiation(world, params, rules, CospSpec(informals="participants"), SEED, reps)
    assert mean_ci(watched - closed)[1] > 0 and mean_ci(inside - watched)[1] > 0     # paired, same draws
    spec = CospSpec()
    for a, b in ((closed, watched), (watched, inside)):
        assert (access_rule(b, np.ones(48, bool), spec) == "open").mean() >= \
               (access_rule(a, np.ones(48, bool), spec) == "open").mean()


def test_the_chain_runs_the_protocol_under_the_adopted_rule_against_the_ahc_model(world, params, rules):
    spec = CospSpec()
    t = cosp_chain(world, params, rules, spec, SEED, np.arange(24))
    assert list(t["replicate"]) == list(range(24)) and set(t["access_rule"]) <= {"open", "limited", "none"}
    assert protocol_world(world, spec).n_sessions == spec.protocol_sessions
    # the default camps adopt the limited rule (rule 17(2)), which costs stakeholders influence on the protocol
    limited = t["access_rule"] == "limited"
    assert limited.mean() > 0.5
    assert mean_ci(t.loc[limited, "influence_vs_as_is"])[2] < 0
    # a COSP whose camps lean open adopts the open rule, and stakeholders keep more influence than under 'limited'
    leaning = cosp_chain(world, params, rules, replace(spec, limited_position=75.0, opposed_position=60.0), SEED,
                         np.arange(24))
    assert (leaning["access_rule"] == "open").mean() > 0.5
    assert leaning.loc[leaning.access_rule == "open", "protocol_influence_all"].mean() > \
           t.loc[limited, "protocol_influence_all"].mean()
