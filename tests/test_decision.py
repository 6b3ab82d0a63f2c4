"""The decision stage (sim/decision.py): the chair's draft and package by hand, who blocks, suspension, deletion votes
with absence and abstention by hand, and invariants of the disagreement point on the default scenario."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED, toy_world
from sim import decision, presets
from sim.config import ConfigError
from sim.engine import Negotiation
from sim.enums import AdoptionMode, SessionKind

TINY = 1e-3     # a noise so small that every logistic is a step
WHOLE_TEXT = (1000.0, 0.0)   # (red line, share): no provision red line is ever crossed; the whole-text pull alone


def three_states(u0):
    """One issue, three states at 20, 50, 80, equal weights; the draft at 50; no stakeholder input."""
    d = np.array([[50.0]])
    p = np.array([[[20.0], [50.0], [80.0]]])
    return d, p, np.ones((3, 1)), np.array([u0], float), np.ones((3, 1)), np.zeros((1, 1)), np.zeros((1, 1))


def test_chair_pulls_the_draft_towards_the_one_state_that_would_block():
    # state 0 loses 30 points from the draft against 10 under no treaty: it would block (pi = 1), the others not
    d, p, s, u0, w, mass, wsum = three_states([-10.0, -100.0, -100.0])
    out = decision.chair_draft(d, p, s, u0, w, 0.5, 0.0, 15.0, mass, wsum, 0.1, 0.0, TINY, *WHOLE_TEXT)
    # (1 - 0.5) 50 + 0.5 CM(p) = 50, plus 0.1 x (20 - 50)
    np.testing.assert_allclose(out, [[47.0]])
    ref = decision.chair_draft_reference(d, p, s, u0, w, 0.5, 0.0, 15.0, mass, wsum, 0.1, 0.0, TINY, *WHOLE_TEXT)
    np.testing.assert_allclose(out, ref)
    nobody = decision.chair_draft(d, p, s, np.full((1, 3), -100.0), w, 0.5, 0.0, 15.0, mass, wsum, 0.1, 0.0, TINY,
                                  *WHOLE_TEXT)
    np.testing.assert_allclose(nobody, [[50.0]])          # no expected blocker: no pull


def test_unlikely_blockers_do_not_pull_the_draft():
    # every state is far better off with the text than without a treaty (loss 100): with the chair's default
    # estimate noise (3) blocking probabilities are ~1e-14, and the pull, scaled by P(anyone blocks), vanishes
    d, p, s, u0, w, mass, wsum = three_states([-100.0, -100.0, -100.0])
    d = np.array([[35.0]])                                # off the compromise (50), so the pull would show
    out = decision.chair_draft(d, p, s, u0, w, 0.5, 0.0, 15.0, mass, wsum, 0.5, 0.0, 3.0, *WHOLE_TEXT)
    np.testing.assert_allclose(out, [[0.5 * 35.0 + 0.5 * 50.0]], atol=1e-9)   # compromise step only, no pull
    ref = decision.chair_draft_reference(d, p, s, u0, w, 0.5, 0.0, 15.0, mass, wsum, 0.5, 0.0, 3.0, *WHOLE_TEXT)
    np.testing.assert_allclose(out, ref, atol=1e-9)


def test_package_moves_until_the_blocker_is_bought_in():
    # step 0.5: 50 -> 35 (pull -30); state 0 then loses 15: above 10 it still blocks, 35 -> 27.5; below 20 it does not
    d, p, s, _, w, _, _ = three_states([0, 0, 0])
    still = decision.package(d, p, s, np.array([[-10.0, -100.0, -100.0]]), w, 2, 0.5, 0.0, TINY, *WHOLE_TEXT)
    bought = decision.package(d, p, s, np.array([[-20.0, -100.0, -100.0]]), w, 2, 0.5, 0.0, TINY, *WHOLE_TEXT)
    np.testing.assert_allclose(still, [[27.5]])
    np.testing.assert_allclose(bought, [[35.0]])


def _decide(d, x, u0, fallback, u_abs, u_abst, **kw):
    b_, n_ = x.shape[0], x.shape[1]
    args = dict(threshold=0.0, provision_threshold=-100.0, noise=TINY, indifference=1.0, absence=0.2,
                abstention=0.1, deletion_majority=0.5, adoption_majority=2 / 3, isolation=10, suspend_at=1,
                can_resume=False) | kw
    s = np.ones((n_, x.shape[2]))
    return decision.decide(d, x, s, u0, np.full((b_, n_), 0.5), np.full((b_, n_), 0.5), u_abs, u_abst, fallback,
                           *args.values())


def test_deletion_vote_with_absence_and_abstention_by_hand():
    # deleting the provision (fallback 100) gains states at 90, 100, 95 and costs those at 0, 10 (50 points each);
    # the state at 100 is absent and the one at 95 abstains: 1 yes against 2 no, the deletion fails
    x = np.array([[[0.0], [10.0], [90.0], [100.0], [95.0]]])
    u0 = np.full((1, 5), -1000.0)                                   # nobody objects to the text
    u_abs = np.array([[0.5, 0.5, 0.5, 0.1, 0.5]])
    u_abst = np.array([[0.5, 0.5, 0.5, 0.5, 0.05]])
    d, held, tally, text, still, mode, suspended = _decide(np.array([[50.0]]), x, u0, np.array([100.0]), u_abs, u_abst)
    assert held[0, 0] == 1 and tally[0, 0].tolist() == [1, 2, 1, 1] and d[0, 0] == 50.0
    assert text[0].tolist() == [3, 0, 1, 1] and still[0] == 0           # yes, no, abstain, absent on the text
    assert AdoptionMode(mode[0]) == AdoptionMode.CONSENSUS_AFTER_VOTES and not suspended[0]
    # everyone present and voting: 3 yes against 2 no, the deletion passes and the text takes the fallback
    d, held, tally, *_ = _decide(np.array([[50.0]]), x, u0, np.array([100.0]), np.ones((1, 5)), np.ones((1, 5)))
    assert held[0, 0] == 2 and tally[0, 0].tolist() == [3, 2, 0, 0] and d[0, 0] == 100.0
    # two-thirds of those voting: 3 of 5 is short
    _, held, *_ = _decide(np.array([[50.0]]), x, u0, np.array([100.0]), np.ones((1, 5)), np.ones((1, 5)),
                          deletion_majority=2 / 3)
    assert held[0, 0] == 1


def test_a_concluding_session_is_suspended_when_enough_states_object_and_a_resumption_follows():
    d, p, *_ = three_states([0, 0, 0])
    u0 = np.array([[-10.0, -100.0, -100.0]])          # state 0 objects to the text at 50 (loss 30 > 10)
    out = _decide(d, p, u0, np.array([0.0]), np.ones((1, 3)), np.ones((1, 3)), can_resume=True)
    assert out[6][0] and AdoptionMode(out[5][0]) == AdoptionMode.PENDING and (out[1] == 0).all()
    out = _decide(d, p, u0, np.array([0.0]), np.ones((1, 3)), np.ones((1, 3)), can_resume=True, suspend_at=2)
    assert not out[6][0] and AdoptionMode(out[5][0]) != AdoptionMode.PENDING     # one objector is not enough


def resumable_toy(**changes):
    kinds = np.array([SessionKind.SUBSTANTIVE, SessionKind.CONCLUDING, SessionKind.RESUMED])
    world = toy_world(session_keys=("s1", "final", "resumed"), session_labels=("s1", "final", "resumed"),
                      session_kind=kinds, session_minutes=np.full(3, 3600.0), intersessional=np.array([1, 0, 0], bool),
                      **changes)
    rules = presets.rules(speaking_minutes=0, informal_share=0.0, written_submissions=False, intersessional=False)
    return world, rules


def test_suspended_then_adopted_on_resumption_under_the_deadline():
    # state 2 prefers no treaty to any text (loss 0) until the last session costs it 100 points: it blocks the
    # concluding session, which is suspended, and joins the consensus at the resumed one (a chair who does not
    # accommodate: with the package the draft would move towards state 2 until it no longer objects)
    world, rules = resumable_toy(no_treaty_loss=np.array([1000.0, 1000.0, 0.0]))
    prm = presets.params(suspend_objectors=1, deadline_cost=100.0, objection_noise=TINY, provision_threshold=100.0,
                         package_rounds=0, chair_blocker_pull=0.0, chair_redline_share=0.0)
    neg = Negotiation(world, prm, rules, SEED, [0]).run()
    assert neg.suspended_in[0] == 1 and neg.decided_in[0] == 2
    assert AdoptionMode(neg.mode[0]) == AdoptionMode.CONSENSUS
    without_deadline = Negotiation(world, replace(prm, deadline_cost=0.0), rules, SEED, [0]).run()
    assert without_deadline.decided_in[0] == 2 and AdoptionMode(without_deadline.mode[0]) != AdoptionMode.CONSENSUS
    # the package's pull shrinks with the chance that anyone still blocks, so buying state 2 in takes 10 rounds
    accommodating = Negotiation(world, replace(prm, package_rounds=10, chair_blocker_pull=0.1), rules, SEED, [0]).run()
    assert accommodating.suspended_in[0] == -1 and accommodating.decided_in[0] == 1    # the package buys state 2 in


# ------------------------------------------------------------------------------ invariants on the default scenario
R = np.arange(12)


def test_a_disagreement_point_worse_than_every_draft_adopts_in_the_first_concluding_session(world, params, rules):
    worst = replace(world, no_treaty_loss=np.full(world.n_states, 1000.0))
    neg = Negotiation(worst, params, rules, SEED, R).run()
    concluding = list(world.session_kind).index(SessionKind.CONCLUDING)
    assert (neg.decided_in == concluding).all() and (neg.suspended_in == -1).all()
    assert (neg.mode != AdoptionMode.FAILED).all()


def test_every_state_preferring_no_treaty_collapses_the_process(world, params, rules):
    best = replace(world, no_treaty_loss=np.zeros(world.n_states))      # U0 = 0 >= U(d) for every text
    neg = Negotiation(best, params, rules, SEED, R).run()
    assert (neg.mode == AdoptionMode.FAILED).all()
    assert (neg.suspended_in >= 0).all()                 # suspended first, then failed at the resumed session


def test_the_disagreement_point_is_not_the_compromise(world, params, rules):
    neg = Negotiation(world, params, rules, SEED, R)
    u0 = neg.u_reserve[0]
    party, none = world.budapest == "party", world.budapest == "none"
    assert u0[party].mean() > u0[none].mean()           # Budapest parties value no treaty more
    neg.run()
    assert not np.allclose(neg.d, neg.draft[:, world.n_sessions - 2])   # the decision stage can move the text


def test_same_seed_same_decisions_and_batched_equal_one_by_one(world, params, rules):
    a = Negotiation(world, params, rules, SEED, R).run()
    b = Negotiation(world, params, rules, SEED, R).run()
    for key in ("d", "mode", "suspended_in", "deletion_tally", "text_vote", "decided_in"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    for r in (0, 5, 11):
        alone = Negotiation(world, params, rules, SEED, [r]).run()
        for key in ("d", "mode", "suspended_in", "deletion_tally", "text_vote", "objectors"):
            np.testing.assert_array_equal(getattr(a, key)[r], getattr(alone, key)[0])


def test_absent_states_never_vote(world, params, rules):
    neg = Negotiation(world, replace(params, absence_prob=1.0), rules, SEED, R).run()
    voted = neg.deletion_votes > 0
    assert (neg.deletion_tally[voted][:, :3] == 0).all()      # nobody present: no yes, no no, no abstention
    assert (neg.deletion_votes != 2).all()                    # ... and no deletion can pass


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(-5.0, 5.0), st.floats(0.5, 5.0), st.floats(0.0, 0.3), st.floats(0.0, 40.0),
       st.floats(0.0, 1.0))
def test_compiled_chair_equals_the_numpy_reference(seed, threshold, noise, zeta, redline, share):
    rng = np.random.default_rng(seed)
    b_, n_, k_ = 3, 7, 4
    d, p = rng.uniform(0, 100, (b_, k_)), rng.uniform(0, 100, (b_, n_, k_))
    s, w = rng.uniform(0.1, 1, (n_, k_)), rng.uniform(0.1, 2, (n_, k_))
    u0 = -rng.uniform(0, 40, (b_, n_))
    mass, wsum = rng.uniform(0, 5, (b_, k_)), rng.uniform(0, 100, (b_, k_))
    mass[0, 0] = 0.0
    args = (d, p, s, u0, w, 0.5, 0.05, 15.0, mass, wsum * mass, zeta, threshold, noise, redline, share)
    np.testing.assert_allclose(decision.chair_draft(*args), decision.chair_draft_reference(*args), rtol=0, atol=1e-9)


def test_a_no_treaty_table_without_a_budapest_status_names_it():
    with pytest.raises(ConfigError, match="no_treaty.budapest.*'none'"):
        decision.no_treaty_loss(np.array(["party", "none"]), np.zeros(2), {"budapest": {"party": 10.0}})
    loss = decision.no_treaty_loss(np.array(["party", "none"]), np.array([-1.0, 1.0]),
                                   {"budapest": {"party": 10.0, "none": 20.0}, "theta_slope": 2.0,
                                    "polar_slope": -1.0, "floor": 9.0})
    np.testing.assert_allclose(loss, [9.0, 21.0])     # max(9, 10 - 2 - 1), 20 + 2 - 1


def test_a_more_tolerant_chair_suspends_a_subset_of_the_same_replicates(world, params, rules):
    # the drafts up to the concluding session do not depend on the tolerance, so the objectors are the same
    strict, lax, never = (Negotiation(world, replace(params, suspend_objectors=n), rules, SEED, R).run()
                          for n in (5, 30, 1000))
    concluding = list(world.session_kind).index(SessionKind.CONCLUDING)
    s_strict, s_lax = strict.suspended_in == concluding, lax.suspended_in == concluding
    assert not (s_lax & ~s_strict).any() and (never.suspended_in == -1).all()
    np.testing.assert_array_equal(strict.draft[:, concluding], lax.draft[:, concluding])
