"""sim.advocacy.coalitions: Shapley values on hand games and over coalitions, and joint versus separate."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SEED, toy_world
from sim import metrics, presets
from sim.advocacy import coalitions as co
from sim.runner import run_replicates

REPS = np.arange(4)
# toy rules with scalar schedules (the toy world has two sessions); stakeholders speak, informals are short
TOY_RULES = dict(speaking_minutes=30, statement_minutes=3, informal_share=0.2)
# both toy organisations want the text lower than the states' compromise, so influence over everyone cannot cancel
TOY_Y = np.array([[30.0, 45.0], [10.0, 20.0]])


def game(v: dict[str, float], reps: int = 1) -> dict[int, np.ndarray]:
    """A coalition game from v over players '1', '2', '3' (bits 0, 1, 2), v('') = 0, repeated ``reps`` times."""
    out = {}
    for s in range(8):
        name = "".join(str(g + 1) for g in range(3) if s >> g & 1)
        out[s] = np.full(reps, float(v.get(name, 0.0)))
    return out


# ------------------------------------------------------------------------------------------------ hand games
def test_symmetric_three_player_game_by_hand():
    # pairs are worth 6, the grand coalition 12: by symmetry each gets 12 / 3 = 4
    phi = metrics.shapley_values(game({"12": 6, "13": 6, "23": 6, "123": 12}, reps=2), 3)
    assert phi.shape == (2, 3)
    np.testing.assert_allclose(phi, 4.0)


def test_asymmetric_game_with_a_null_player_by_hand():
    # players 1, 2 alone are worth 1 and 2, together 6; player 3 adds nothing anywhere
    # phi1 = 1/2 * 1 + 1/2 * (6 - 2) = 2.5, phi2 = 1/2 * 2 + 1/2 * (6 - 1) = 3.5, phi3 = 0
    phi = metrics.shapley_values(game({"1": 1, "2": 2, "12": 6, "13": 1, "23": 2, "123": 6}), 3)[0]
    np.testing.assert_allclose(phi, [2.5, 3.5, 0.0])
    assert phi.sum() == pytest.approx(6.0)                 # efficiency: v(123) - v()


def test_game_where_only_a_pair_creates_value_by_hand():
    # v(23) = 6, v(123) = 12, everything else 0. Player 1's only marginal is 12 - 6 at S = {2,3}, weight 2!0!/3! =
    # 1/3 -> 2; player 2: at {3} 6 (weight 1/6) and at {1,3} 12 (weight 1/3) -> 1 + 4 = 5; player 3 likewise 5
    phi = metrics.shapley_values(game({"23": 6, "123": 12}), 3)[0]
    np.testing.assert_allclose(phi, [2.0, 5.0, 5.0])


# ------------------------------------------------------------------------------------------------ players and masks
def test_players_and_masks_of_the_default_world(world):
    names, members = co.players(world)
    assert names == [*co.named_coalitions(world), co.UNAFFILIATED]
    assert (np.sum(members, axis=0) == 1).all()                          # a partition of the organisations
    masks = co.coalition_masks(members)
    assert masks.shape == (1 << len(names), world.n_orgs)
    assert not masks[0].any() and masks[-1].all()
    np.testing.assert_array_equal(masks[0b101], members[0] | members[2])


def test_separate_makes_every_member_solo_and_keeps_the_rest(world):
    apart = co.separate(world)
    assert co.named_coalitions(apart) == []
    assert apart.coalition_keys == tuple(f"solo_{o}" for o in range(world.n_orgs))
    assert sorted(apart.coalition) == list(range(world.n_orgs))
    first = co.named_coalitions(world)[0]
    one = co.separate(world, [first])
    assert co.named_coalitions(one) == co.named_coalitions(world)[1:]
    for i, key in enumerate(co.named_coalitions(one)):                   # renumbered 0.., same members
        np.testing.assert_array_equal(one.coalition == i, world.coalition == world.coalition_keys.index(key))
    assert (one.coalition[world.coalition == 0] >= len(co.named_coalitions(one))).all()
    with pytest.raises(ValueError, match="no named coalition"):
        co.separate(world, ["nonexistent"])


# ------------------------------------------------------------------------------------------------ coalition Shapley
def test_a_coalition_without_members_is_an_exact_null_player():
    # three named coalitions, c2 has no member: every v(S + c2) is the very same run as v(S)
    w = toy_world(noise_sd=5.0, y=TOY_Y, coalition_keys=("c0", "c1", "c2"))
    out = co.coalition_shapley(w, presets.params(), presets.rules(**TOY_RULES), SEED, REPS)
    assert list(out["player"]) == ["c0", "c1", "c2"]               # no solo organisation: no "unaffiliated"
    row = out.set_index("player").loc["c2"]
    assert row["members"] == 0 and row["shapley"] == 0.0 and row["shapley_lo"] == 0.0 and row["shapley_hi"] == 0.0
    assert out["shapley"].abs().max() > 0                              # the others did move the text


def test_an_organisation_without_credibility_or_resources_is_a_null_player():
    # c1's only member has no credibility (its messages weigh nothing) and no lobbying budget
    w = toy_world(noise_sd=5.0, y=TOY_Y, credibility=np.array([[0.5, 0.8], [0.0, 0.0]]), resources=np.array([1.0, 0.0]))
    names, values = co.coalition_values(w, presets.params(), presets.rules(**TOY_RULES), SEED, REPS)
    phi = metrics.shapley_values(values, len(names))
    assert names == ["c0", "c1"]
    np.testing.assert_allclose(phi[:, 1], 0.0, atol=1e-9)
    assert np.abs(phi[:, 0]).min() > 1e-6


def test_efficiency_against_the_run_with_all_versus_none(world, params, rules):
    names, values = co.coalition_values(world, params, rules, SEED, REPS)
    phi = metrics.shapley_values(values, len(names))
    np.testing.assert_array_equal(values[0], 0.0)                       # v(no one) = 0
    table = run_replicates(world, params, rules, SEED, REPS, "all_vs_none").table
    np.testing.assert_allclose(phi.sum(axis=1), table["influence_all"], rtol=1e-9, atol=1e-12)
    out = co.coalition_shapley(world, params, rules, SEED, REPS)
    assert out["shapley"].sum() == pytest.approx(table["influence_all"].mean())
    assert out["share_of_total"].sum() == pytest.approx(1.0)
    assert (out["shapley_lo"] <= out["shapley"]).all() and (out["shapley"] <= out["shapley_hi"]).all()
    assert (out["replicates"] == len(REPS)).all()


def test_provision_values_are_the_text_movement_and_sum_to_the_effect(world, params, rules):
    out = co.coalition_shapley(world, params, rules, SEED, REPS, provision="scope")
    table = run_replicates(world, params, rules, SEED, REPS, "all_vs_none").table
    assert out["shapley"].sum() == pytest.approx(table["effect_scope"].mean())
    with pytest.raises(ValueError, match="no provision"):
        co.coalition_shapley(world, params, rules, SEED, REPS, provision="nonexistent")


def test_type_shapley_wraps_the_runner(world, params, rules):
    out = co.type_shapley(world, params, rules, SEED, np.arange(2))
    table = run_replicates(world, params, rules, SEED, np.arange(2), "all_vs_none").table
    assert out["shapley"].sum() == pytest.approx(table["influence_all"].mean())
    assert out["members"].sum() == world.n_orgs


# ------------------------------------------------------------------------------------------------ joint vs separate
def test_with_no_named_coalition_joint_and_separate_are_the_same_run():
    w = toy_world(noise_sd=5.0, y=TOY_Y, coalition_keys=("solo_0", "solo_1"))
    pairs = co.paired_joint_separate(w, presets.params(), presets.rules(**TOY_RULES), SEED, REPS)
    assert set(pairs["outcome"]) == {"effect"}                          # no coalition: no towards / gap rows
    assert (pairs["difference"] == 0.0).all() and len(pairs) == len(REPS) * w.n_issues
    assert (pairs["joint"] > 0).any()                                    # the organisations did move the text


def test_joint_vs_separate_invariants_on_the_default_world(world, params, rules):
    pairs = co.paired_joint_separate(world, params, rules, SEED, REPS)
    for _, grp in pairs.groupby(["outcome", "provision", "coalition"]):
        assert sorted(grp["replicate"]) == list(REPS)                    # paired: the same replicates
    np.testing.assert_allclose(pairs["difference"], pairs["joint"] - pairs["separate"])
    out = co.joint_vs_separate(world, params, rules, SEED, REPS)
    named = co.named_coalitions(world)
    k = world.n_issues
    assert len(out) == k + len(named) * (k + 1)
    assert (out["replicates"] == len(REPS)).all()
    assert (out["difference_lo"] <= out["difference"]).all() and (out["difference"] <= out["difference_hi"]).all()
    np.testing.assert_allclose(out["difference"], out["joint"] - out["separate"], atol=1e-12)
    assert set(out.loc[out["outcome"] == "gap_closed", "coalition"]) == set(named)
    assert set(out["unit"]) == {"points", "share of gap"}
    effect = out[out["outcome"] == "effect"]
    assert (effect["joint"] >= 0).all() and (effect["separate"] >= 0).all()
    # the effect with the coalitions joint is the runner's effect_<k> for the same replicates
    table = run_replicates(world, params, rules, SEED, REPS, "all_vs_none").table
    np.testing.assert_allclose(effect["joint"], [table[f"effect_{key}"].mean() for key in world.issue_keys])


def test_the_text_without_stakeholders_does_not_depend_on_coalitions(world, params, rules):
    _, joint_none = co._all_vs_none(world, params, rules, SEED, REPS)
    _, apart_none = co._all_vs_none(co.separate(world), params, rules, SEED, REPS)
    np.testing.assert_array_equal(joint_none, apart_none)


def test_separating_one_coalition_reports_only_that_one(world, params, rules):
    first = co.named_coalitions(world)[0]
    out = co.joint_vs_separate(world, params, rules, SEED, np.arange(2), coalitions=[first])
    assert set(out.loc[out["outcome"] != "effect", "coalition"]) == {first}
    assert len(out) == world.n_issues + world.n_issues + 1
