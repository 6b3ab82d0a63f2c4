"""After adoption: signature, win-set gate, reservations, hazard and entry into force on hand-computed cases, and
the behaviour of the whole chain on the default scenario."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import SEED, toy_world
from sim import aftermath as am
from sim.runner import run_replicates

TOY = dict(budapest=np.array(["party", "none", "signatory"]), reservable=np.array([True, False]))


def test_framework_gains_by_hand(params):
    w = toy_world(**TOY)
    p = replace(params, proximity_gain=2.0, cooperation_gain=3.0)
    # parties: 1 of 3. A party gains 2 + 3 * (2/3); a non-party 3 * (1/3); the signatory also half the proximity
    np.testing.assert_allclose(am.framework_gains(w, p), [2 + 2, 1.0, 1.0 + 1.0])


def test_signature_rule_by_hand(params):
    w = toy_world(**TOY)
    p = replace(params, proximity_gain=0.0, cooperation_gain=0.0, within_influence=0.5, signature_threshold=1.0,
                signature_noise=0.0)
    x = w.x_base[None]
    d = np.array([[30.0, 50.0]])
    # U = -sum s|d - x| / sum s: state 0: -(0.5*10 + 0.5*10) / 1 = -10; 1: -(0.5*10 + 0.25*10)/0.75 = -10; 2: -(50/3 +
    # 10) / (5/6) = -32
    util = np.array([-10.0, -10.0, -32.0])
    u_reserve = np.array([[-20.0, -10.5, -30.0]])
    # gain = U - U0 + 0.5 * (-U): 10 + 5 = 15; 0.5 + 5 = 5.5; -2 + 16 = 14 -> all above 1
    assert am.signatures(w, p, d, x, u_reserve, np.zeros((1, 3))).all()
    p2 = replace(p, within_influence=0.0, signature_threshold=1.0)
    # without the within-influence reason: 10, 0.5, -2 -> only state 0 signs
    np.testing.assert_array_equal(am.signatures(w, p2, d, x, u_reserve, np.zeros((1, 3)))[0], [True, False, False])
    assert np.allclose(util, -(w.salience * np.abs(d - w.x_base)).sum(axis=1) / w.salience.sum(axis=1))


def test_win_set_gate_reserves_the_largest_domestic_loss_first(params):
    w = toy_world(**{**TOY, "reservable": np.array([True, True])})
    p = replace(params, domestic_sd=0.0, winset_tolerance=1.0, reservation_base=0.0)
    x = w.x_base[None]
    cm = (x[0] * (w.capability[:, None] * w.salience)).sum(axis=0) / (w.capability[:, None] * w.salience).sum(axis=0)
    # no treaty costs each state exactly what the compromise costs it (the decision stage's reference, U0 = -L0)
    w = replace(w, no_treaty_loss=(w.salience * np.abs(cm - x[0])).sum(axis=1) / w.salience.sum(axis=1))
    # the text at the compromise: every state is exactly at its win-set boundary -> feasible, no reservation
    feasible, reserve = am.gate_and_reservations(w, p, cm[None], x, np.zeros((1, 3, 2)), np.ones((1, 3, 2)))
    assert feasible.all() and not reserve.any()
    # a text far from state 0 on issue 0 only: state 0 needs exactly one reservation, on issue 0
    d = cm[None].copy()
    d[0, 0] = 100.0
    feasible, reserve = am.gate_and_reservations(w, p, d, x, np.zeros((1, 3, 2)), np.ones((1, 3, 2)))
    assert feasible[0, 0] and reserve[0, 0].tolist() == [True, False]
    # when the provision cannot be reserved, the gate fails for good
    w2 = replace(w, reservable=np.array([False, True]))
    feasible, reserve = am.gate_and_reservations(w2, p, d, x, np.zeros((1, 3, 2)), np.ones((1, 3, 2)))
    assert not feasible[0, 0] and not reserve[0, 0].any()


def test_voluntary_reservations_rise_with_democracy_and_breadth(params):
    w = toy_world(**{**TOY, "treaty_value": np.array([100.0, 100.0, 100.0])})
    p = replace(params, reservation_base=1.0, domestic_sd=0.0)
    d = np.array([[80.0, 80.0]])
    u = np.full((1, 3, 2), 0.45)
    # probability = democracy * 80/100: 0.8, 0.4, 0.0 against u = 0.45 -> only state 0, only on the reservable issue
    _, reserve = am.gate_and_reservations(w, p, d, w.x_base[None], np.zeros((1, 3, 2)), u)
    assert reserve[0].tolist() == [[True, False], [False, False], [False, False]]


def test_hazard_by_hand_and_peer_effect(params):
    w = toy_world(**{**TOY, "quarters": 1})
    p = replace(params, ratify_base=-1.0, ratify_utility=0.0, ratify_democracy=0.0, ratify_budapest=0.0,
                ratify_capacity=0.0, ratify_peer=0.0)
    h = 1 - np.exp(-np.exp(-1.0))                          # 0.3078
    u = np.array([[[h - 1e-9, h + 1e-9, 0.0]]])            # (R, Q, N)
    q = am.ratify(w, p, np.array([[True, True, False]]), np.zeros((1, 3)), u)
    assert q.tolist() == [[1, 0, 0]]                       # ratifies iff u < h; ineligible never
    # peer effect: state 1 shares a bloc with state 0, which ratified in quarter 1
    w2 = toy_world(**{**TOY, "quarters": 2})
    p2 = replace(p, ratify_peer=2.0)
    hp = 1 - np.exp(-np.exp(-1.0 + 2.0 * 0.5))            # half of the bloc ratified -> 0.632
    u2 = np.array([[[0.0, 0.9, 0.9], [0.9, hp - 1e-9, 0.9]]])
    assert am.ratify(w2, p2, np.ones((1, 3), bool), np.zeros((1, 3)), u2).tolist() == [[1, 2, 0]]


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_entry_into_force_is_exactly_the_nth_ratification_plus_the_delay(threshold):
    w = toy_world(**{**TOY, "quarters": 6, "eif_ratifications": threshold, "eif_delay_days": 90.0,
                     "days_per_quarter": 91.0})
    quarter = np.array([[2, 5, 0], [1, 1, 3], [0, 0, 0]])
    curve, eif_q, days = am.entry_into_force(w, quarter)
    assert curve.tolist()[1] == [0, 2, 2, 3, 3, 3, 3]
    expected_q = {1: [2, 1, 0], 2: [5, 1, 0], 3: [0, 3, 0]}[threshold]
    assert eif_q.tolist() == expected_q
    for r in range(3):
        if expected_q[r]:
            assert curve[r, expected_q[r]] >= threshold > curve[r, expected_q[r] - 1]
            assert days[r] == expected_q[r] * 91.0 + 90.0
        else:
            assert np.isnan(days[r])


def test_misuse_risk_is_powers_times_thin_safeguards_times_low_checks(world):
    d = np.full((1, world.n_issues), 50.0)
    keys = list(world.issue_keys)
    for k in am.POWERS:
        d[0, keys.index(k)] = 80.0
    for k in am.SAFEGUARDS:
        d[0, keys.index(k)] = 60.0
    ratified = np.ones((1, world.n_states), bool)
    impl, misuse = am.implementation_and_misuse(world, d, ratified, np.zeros((1, world.n_states, world.n_issues), bool))
    np.testing.assert_allclose(misuse[0], 0.8 * 0.6 * (1 - world.democracy))
    np.testing.assert_allclose(impl[0], world.capacity)


def test_a_broader_thinner_text_loses_rights_protective_signatures_and_gains_reservations(world, params, rules):
    reps = np.arange(48)
    base = run_replicates(world, params, rules, SEED, reps, "none")
    # a broader, thinner text (powers and safeguards 15 points further towards broad), same draws
    from sim.aftermath import after_adoption
    from sim.engine import Negotiation

    neg = Negotiation(world, params, rules, SEED, reps).run()
    keys = list(world.issue_keys)
    broader = neg.d.copy()
    for k in (*am.POWERS, *am.SAFEGUARDS):
        broader[:, keys.index(k)] = np.minimum(100.0, broader[:, keys.index(k)] + 15.0)
    adopted = np.ones(len(reps), bool)
    a0 = after_adoption(world, params, SEED, reps, neg.d, neg.x, neg.u_reserve, adopted)
    a1 = after_adoption(world, params, SEED, reps, broader, neg.x, neg.u_reserve, adopted)
    rights = neg.x[0][:, keys.index("safeguards")] < np.median(neg.x[0][:, keys.index("safeguards")])
    assert a1.signed[:, rights].sum() < a0.signed[:, rights].sum()
    assert a1.reservations.sum() > a0.reservations.sum()
    reservable = [keys.index(k) for k in am.POWERS]
    assert a1.reservations[:, :, reservable].sum() > a0.reservations[:, :, reservable].sum()
    assert base.table["signatures"].between(40, 100).all()


def test_default_signature_threshold_and_hazard_base_are_what_calibrate_finds():
    from experiments.calibrate import ratification_base, signature_threshold
    from experiments.config import load

    cfg = load([])
    assert signature_threshold(cfg, 64) == pytest.approx(cfg.params.signature_threshold, abs=0.05)
    assert ratification_base(cfg, 64) == pytest.approx(cfg.params.ratify_base, abs=0.05)
