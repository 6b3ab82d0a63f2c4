"""The influence channel of issue 11: anchors that keep what was heard, lobbying budgets, cross-sector coalitions,
and the metrics in points. Toy cases are computed by hand in the test; invariants over seeds and parameters."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED, toy_world
from sim import metrics, presets
from sim.core import fast
from sim.core import kernels as kn
from sim.engine import Negotiation
from sim.enums import OrgType
from sim.lobbying import SECTOR, allocation, cross_sector
from sim.runner import run_replicates, variant_masks

OMEGA = 0.15 * (1 - np.exp(-30 / 15))      # Omega_max (1 - e^(-M/kappa)) at M = 30, kappa = 15


# ----------------------------------------------------------------------------------- anchors (item 2)
def test_anchor_keeps_mu_of_the_stakeholder_shift_by_hand():
    # one state, one provision: anchor 40, position after informals b = 50, lambda 0.5; one source at 60, mass 30
    a, b, lam = np.array([[[40.0]]]), np.array([[[50.0]]]), np.array([[0.5]])
    mass, wsum = np.array([[[30.0]]]), np.array([[[30.0 * 60]]])
    shift = 0.5 * OMEGA * (60 - 50)                      # lambda Omega (ybar - b)
    for mu in (0.0, 0.4, 1.0):
        assert kn.anchor_update(a, b, lam, mass, wsum, 0.15, 15.0, mu)[0, 0, 0] == pytest.approx(40 + mu * shift)
    assert kn.anchor_update(a, b, lam, mass, wsum, 0.15, 15.0, 0.0)[0, 0, 0] == 40.0   # mu = 0: snaps back


def _one_source(anchor, b, mu, lam=0.5, eps=15.0):
    """The compiled kernel on 1 state, 1 organisation (at 60, weight 30 = exposure 30 x qsk 1), 1 provision."""
    y = np.array([[60.0]])
    src = kn.SortedSources.from_positions(y)
    one, zero, padded = np.ones((1, 1)), np.zeros((1, 1)), fast.pad_sorted(src.y_sorted)
    a = np.array([[[anchor]]])
    out, mass, moved = fast.persuade_windows(
        a, np.array([[[b]]]), np.array([[lam]]), np.array([[30.0]]), zero, zero, one, zero, 0.0,
        zero, zero, fast.by_issue(np.zeros((1, 1, 1))), fast.by_issue(np.zeros((1, 1, 1))), one, one, src.order, y,
        padded, fast.bucket_table(padded),
        np.zeros(1, np.int64), np.array([eps]), np.array([eps]), np.zeros(0, np.int64), np.zeros(0, np.int64), 0,
        0.15, 15.0, mu)
    return out, a, mass, moved                               # the anchor is updated in place


def test_persuasion_accumulates_over_two_sessions_only_when_it_sticks():
    # session 1: p1 = 0.5*40 + 0.5*((1-O)*50 + O*60); session 2 from the same b: with mu = 1 the anchor has moved by
    # 0.5*O*10, so p2 - p1 = (1 - lambda) * 0.5*O*10; with mu = 0 nothing accumulates (p2 = p1)
    p1 = 0.5 * 40 + 0.5 * ((1 - OMEGA) * 50 + OMEGA * 60)
    for mu, gain in ((1.0, 0.5 * 0.5 * OMEGA * 10), (0.0, 0.0)):
        out, anchor, _, _ = _one_source(40.0, 50.0, mu)
        assert out[0, 0, 0] == pytest.approx(p1, rel=1e-14)
        out2, _, _, _ = _one_source(anchor[0, 0, 0], 50.0, mu)
        assert out2[0, 0, 0] == pytest.approx(p1 + gain, rel=1e-14)


def test_a_source_outside_the_window_moves_neither_position_nor_anchor():
    out, anchor, mass, _ = _one_source(40.0, 40.0, 1.0)       # |60 - 40| = 20 >= eps 15
    assert out[0, 0, 0] == 40.0 and anchor[0, 0, 0] == 40.0 and mass[0] == 0.0


def test_mu_zero_is_the_old_snap_back_model(world, rules):
    neg = Negotiation(world, presets.params(anchor_persistence=0.0), rules, SEED, np.arange(3)).run()
    np.testing.assert_array_equal(neg.anchor, neg.x)               # every session re-anchors on the ideal point
    sticky = Negotiation(world, presets.params(anchor_persistence=1.0), rules, SEED, np.arange(3)).run()
    assert np.abs(sticky.anchor - sticky.x).max() > 0.1


# ----------------------------------------------------------------------------------- lobbying budgets (item 3)
def test_allocation_by_hand_allies_swing_and_chair():
    # two blocs at 30 and 60 with compromise weights 0.25 and 0.75; one organisation at 40; eps 25 (both listen)
    blocs, chair = allocation(np.array([[30.0], [60.0]]), np.array([[0.25], [0.75]]), np.array([[40.0]]),
                              np.array([[1.0]]), np.array([25.0]), 0.6, 0.2)
    ally = np.array([0.25 * 0.9, 0.75 * 0.8]) / (0.25 * 0.9 + 0.75 * 0.8)    # W (1 - d/100)
    swing = np.array([0.25 * 10, 0.75 * 20]) / (0.25 * 10 + 0.75 * 20)        # W d
    np.testing.assert_allclose(blocs[:, 0], 0.8 * (0.6 * ally + 0.4 * swing), rtol=1e-14)
    assert chair[0] == pytest.approx(0.2)
    # eps 15: only the bloc at 30 listens; an organisation at 90 reaches nobody and spends all on the chair
    blocs, chair = allocation(np.array([[30.0], [60.0]]), np.array([[0.25], [0.75]]), np.array([[40.0], [90.0]]),
                              np.ones((2, 1)), np.array([15.0]), 0.6, 0.2)
    np.testing.assert_allclose(blocs, [[0.8, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(chair, [0.2, 1.0])


def test_lobbying_budget_is_conserved_and_paid_only_by_the_accredited(world, params, rules):
    neg = Negotiation(world, params, rules, SEED, np.arange(2))
    counts = np.bincount(world.bloc, minlength=len(world.bloc_keys))
    spent = (neg.lobby_target * counts[:, None]).sum(axis=0) + neg.lobby_chair      # over delegations + chair
    np.testing.assert_allclose(spent, 1.0, rtol=1e-12)
    assert (neg.lobby_target >= 0).all() and (neg.lobby_chair >= 0).all()
    lobby = neg._lobbying(np.arange(len(neg.rep)))
    unit = params.lobby_contacts * params.lobby_exposure
    np.testing.assert_allclose(lobby, unit * world.resources * neg.accredited)


def test_toy_lobbying_reaches_the_chair_by_hand():
    rules = presets.rules(speaking_minutes=0, informal_share=0.0, written_submissions=False, intersessional=False)
    prm = presets.params(lobby_contacts=5.0, lobby_exposure=0.2, lobby_chair_share=0.25)
    neg = Negotiation(toy_world(), prm, rules, 1, [0])
    neg.accredited[:] = True
    neg.step()
    # each organisation has resources 1: 5 contacts x 0.2 exposure = 1.0, of which at least a quarter to the chair
    assert (neg._chair_input[0] >= 0.25 - 1e-12).all()
    assert neg._chair_input[0].max() <= 1.0 + 1e-12


# ----------------------------------------------------------------------------------- cross-sector coalitions
def test_cross_sector_by_hand():
    coalition = np.array([0, 0, 1, 1, 2])         # 0: rights NGO + company; 1: two rights NGOs; 2: solo
    types = [OrgType.HUMAN_RIGHTS, OrgType.INDUSTRY, OrgType.HUMAN_RIGHTS, OrgType.DIGITAL_RIGHTS, OrgType.INDUSTRY]
    sector = np.array([SECTOR[t] for t in types])
    active = np.array([[True] * 5, [True, False, True, True, True]])
    cross = cross_sector(active, coalition, sector, 2)
    np.testing.assert_array_equal(cross, [[True, True, False, False, False], [False] * 5])


def test_a_distant_delegation_hears_the_joint_position_but_not_the_member_by_hand():
    # members at 10 (weight 1) and 30 (weight 3): joint position 25, mass 4; states at 40 and 50, window 20
    w = np.array([1.0, 3.0])[None, None, :, None]                      # (B,G,O,K)
    mass, wsum = kn.joint_sums(w, np.array([[10.0], [30.0]]), np.array([0, 0]), 1, np.array([[[40.0], [50.0]]]),
                               np.zeros(2, int), np.array([20.0]))
    np.testing.assert_allclose(mass[0, :, 0], [4.0, 0.0])             # |25-40| = 15 < 20; |25-50| = 25
    np.testing.assert_allclose(wsum[0, :, 0], [100.0, 0.0])
    # alone, within a window of 10, the member at 30 is not heard by the state at 40 (|30-40| = 10, not < 10)
    src = kn.SortedSources.from_positions(np.array([[10.0], [30.0]]))
    m, _ = src.window_sums(np.array([1.0, 3.0])[None, None, None], np.array([[[40.0]]]), np.zeros(1, int),
                           np.array([10.0]))
    assert m[0, 0, 0] == 0.0


def test_without_industry_the_rights_and_tech_coalition_is_not_cross_sector(world, params, rules):
    names, masks = variant_masks(world, "leave_one_type_out")
    neg = Negotiation(world, params, rules, SEED, [0], masks)
    rt = world.coalition == world.coalition_keys.index("rights_and_tech")
    full, no_industry = neg.joint_scale[0], neg.joint_scale[names.index("without_industry")]
    assert (full[rt & neg.accredited[0]] > 0).all()
    assert (no_industry == 0).all()


# ----------------------------------------------------------------------------------- invariants
@settings(max_examples=10, deadline=None)
@given(st.floats(0, 1), st.floats(0, 10), st.floats(0, 100), st.floats(0, 200), st.floats(0, 1))
def test_positions_anchors_and_text_stay_in_range(world, mu, premium, reach, contacts, chair_share):
    prm = presets.params(anchor_persistence=mu, coalition_premium=premium, coalition_reach=reach,
                         lobby_contacts=contacts, lobby_chair_share=chair_share, susceptibility=1.0,
                         stakeholder_weight_max=1.0, salience_damping=0.0)
    neg = Negotiation(world, prm, presets.rules(), 3, np.arange(2)).run()
    for arr in (neg.p, neg.anchor, neg.d):
        assert np.all((arr >= 0) & (arr <= 100))


def test_without_stakeholders_the_influence_parameters_change_nothing(world, rules):
    none = np.zeros((1, world.n_orgs), bool)
    a = Negotiation(world, presets.params(), rules, SEED, np.arange(3), none).run()
    b = Negotiation(world, presets.params(anchor_persistence=1.0, coalition_premium=2.0, coalition_reach=40.0,
                                          lobby_contacts=20.0), rules, SEED, np.arange(3), none).run()
    np.testing.assert_array_equal(a.d, b.d)
    np.testing.assert_array_equal(a.anchor, a.x)


def test_no_channel_means_zero_effect_in_points(world):
    rules = presets.rules(speaking_minutes=0, written_submissions=False, intersessional=False)
    t = run_replicates(world, presets.params(lobby_contacts=0.0), rules, SEED, np.arange(4), "all_vs_none").table
    for k in world.issue_keys:
        assert (t[f"effect_{k}"] == 0).all()
    assert (t["asks_unmoved"] == 1.0).all()


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_a_veto_never_admits_more_than_a_vote(world, params, seed):
    vote = Negotiation(world, params, presets.rules(), seed, np.arange(2))
    veto = Negotiation(world, params, presets.rules(accreditation={"procedure": "single_state_veto"}), seed,
                       np.arange(2))
    assert not (veto.accredited & ~vote.accredited).any()


def test_batched_equals_one_by_one_with_the_new_mechanisms(world, rules):
    prm = presets.params(anchor_persistence=1.0, coalition_premium=2.0, lobby_contacts=20.0)
    names, masks = variant_masks(world, "leave_one_type_out")
    batch = Negotiation(world, prm, rules, SEED, np.arange(3), masks).run()
    for r in range(3):
        alone = Negotiation(world, prm, rules, SEED, [r], masks).run()
        rows = slice(r * len(names), (r + 1) * len(names))
        np.testing.assert_array_equal(batch.d[rows], alone.d)
        np.testing.assert_array_equal(batch.anchor[rows], alone.anchor)


def test_same_seed_same_magnitudes(world, params, rules):
    a = run_replicates(world, params, rules, SEED, np.arange(3), "leave_one_type_out").table
    b = run_replicates(world, params, rules, SEED, np.arange(3), "leave_one_type_out").table
    assert a.equals(b) and "effect_scope" in a and "effect_type_industry" in a


def test_sticky_persuasion_moves_the_text_more_than_snap_back(world, rules):
    def effect(mu):
        t = run_replicates(world, presets.params(anchor_persistence=mu), rules, SEED, np.arange(8), "all_vs_none").table
        return t[[f"effect_{k}" for k in world.issue_keys]].to_numpy().mean(axis=1)
    diff = effect(1.0) - effect(0.0)
    assert diff.mean() - 2 * diff.std(ddof=1) / np.sqrt(len(diff)) > 0


# ----------------------------------------------------------------------------------- metrics by hand
def test_gap_closed_and_unmoved_asks_by_hand():
    w = toy_world()          # organisations at (30, 45) and (90, 90), sigma 0.5 each
    without, with_ = np.array([[50.0, 50.0]]), np.array([[40.0, 50.5]])
    np.testing.assert_allclose(metrics.text_effect(with_, without), [[10.0, 0.5]])
    # org 0: gap 0.5*20 + 0.5*5 = 12.5 -> 0.5*10 + 0.5*5.5 = 7.75; org 1: 0.5*40 + 0.5*40 = 40 -> 0.5*50 + 0.5*39.5
    np.testing.assert_allclose(metrics.gap_closed(w, with_, without)[0], [(12.5 - 7.75) / 12.5, (40 - 44.75) / 40])
    # asks: every (org, provision) (sigma 0.5 >= 1/2); only org 0 on the political provision gained >= 1 point
    assert metrics.unmoved_asks(w, with_, without)[0] == pytest.approx(3 / 4)


def test_agent_views_show_the_anchor_and_the_lobbying_targets(world, params, rules):
    from sim.agents import Organisation, StateDelegation
    from sim.model import NegotiationModel

    model = NegotiationModel(world, rules, params, seed=SEED)
    model.step()
    state = model.agents_by_type[StateDelegation][3]
    np.testing.assert_array_equal(state.anchor, model.engine.anchor[0, 3])
    targets = model.agents_by_type[Organisation][7].lobbying_targets
    assert set(targets) == {*world.bloc_keys, "chair"} and sum(targets.values()) == pytest.approx(1.0)
