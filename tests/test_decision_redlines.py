"""The chair's red lines per provision and direction (sim/decision.py, ``chair_redline_share``): two camps whose
threats point in opposite directions on two provisions, worked by hand."""

from __future__ import annotations

import numpy as np

from sim import decision

TINY = 1e-3          # every logistic is a step
RED = 20.0           # the red line: salience-weighted distance s |d - p| at which a state would refuse a provision


def two_camps(u0, capability=(1.0, 1.0, 1.0, 1.0)):
    """Two provisions (scope, safeguards), the draft at (50, 50). Camp W (states 0, 1) stands at (20, 20) and cares
    most about safeguards (salience 0.5, 1); camp R (states 2, 3) stands at (80, 80) and cares most about scope
    (salience 1, 0.5). Chair rate 0 and no stakeholder input, so only the pull (zeta 0.1) moves the draft."""
    d = np.array([[50.0, 50.0]])
    p = np.array([[[20.0, 20.0], [20.0, 20.0], [80.0, 80.0], [80.0, 80.0]]])
    s = np.array([[0.5, 1.0], [0.5, 1.0], [1.0, 0.5], [1.0, 0.5]])
    w = np.asarray(capability, float)[:, None] * s
    zeros = np.zeros((1, 2))
    return d, p, s, np.array([u0], float), w, zeros, zeros


def draft(case, share):
    d, p, s, u0, w, mass, wsum = case
    args = (d, p, s, u0, w, 0.0, 0.0, 15.0, mass, wsum, 0.1, 0.0, TINY, RED, share)
    out = decision.chair_draft(*args)
    np.testing.assert_allclose(out, decision.chair_draft_reference(*args), atol=1e-9)
    return out


def test_red_lines_pull_each_provision_towards_the_camp_whose_line_is_crossed():
    # nobody blocks the whole text (no treaty costs everyone 100). Scope: W loses 0.5 x 30 = 15 < 20, R loses
    # 1 x 30 = 30 > 20, so the pull is towards R, +30; safeguards: W loses 30 > 20, R 15: towards W, -30.
    # d = 50 + 0.1 x (+30, -30): the provisions move in opposite directions.
    case = two_camps([-100.0] * 4)
    np.testing.assert_allclose(draft(case, 1.0), [[53.0, 47.0]])
    np.testing.assert_allclose(draft(case, 0.0), [[50.0, 50.0]])       # whole-text pull alone: nobody to buy in


def test_the_whole_text_pull_moves_every_provision_the_same_way():
    # camp W's outside option is good (U0 = -10 > U(d) = -(0.5 x 30 + 30) / 1.5 = -30): it would block the text;
    # camp R would not (U0 = -100). Whole text: both provisions towards W, 0.1 x (-30, -30) -> (47, 47).
    # Half and half: scope 50 + 0.1 (0.5 x -30 + 0.5 x 30) = 50; safeguards 50 + 0.1 (-30) = 47.
    case = two_camps([-10.0, -10.0, -100.0, -100.0])
    np.testing.assert_allclose(draft(case, 0.0), [[47.0, 47.0]])
    np.testing.assert_allclose(draft(case, 0.5), [[50.0, 47.0]])
    np.testing.assert_allclose(draft(case, 1.0), [[53.0, 47.0]])


def test_both_camps_over_the_line_pull_towards_their_weighted_mean():
    # salience 1 everywhere: on each provision both camps lose 30 > 20. Equal capability: the pull is
    # (2 x -30 + 2 x 30) / 4 = 0; camp R with capability 2: (2 x -30 + 4 x 30) / 6 = +10 -> d = 51.
    d, p, _, u0, _, mass, wsum = two_camps([-100.0] * 4)
    s = np.ones((4, 2))
    np.testing.assert_allclose(draft((d, p, s, u0, s, mass, wsum), 1.0), [[50.0, 50.0]])
    w = np.array([1.0, 1.0, 2.0, 2.0])[:, None] * s
    np.testing.assert_allclose(draft((d, p, s, u0, w, mass, wsum), 1.0), [[51.0, 51.0]])


def test_the_package_stops_once_no_red_line_is_crossed():
    # one provision, camp R alone over its line (loss 30 > 20 on scope at 50, salience 1; W at 40, salience 0.5:
    # loss 5). Step 0.5: 50 -> 65 (R's loss 15 < 20; W's 0.5 x 25 = 12.5 < 20): nobody left, the package stops.
    d = np.array([[50.0]])
    p = np.array([[[40.0], [80.0]]])
    s = np.array([[0.5], [1.0]])
    u0 = np.full((1, 2), -100.0)
    out = decision.package(d, p, s, u0, s, 5, 0.5, 0.0, TINY, RED, 1.0)
    np.testing.assert_allclose(out, [[65.0]])
