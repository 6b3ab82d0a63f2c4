"""Unit tests of each mechanism against hand-computed values, and of the compiled kernels against numpy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import decision
from sim.core import fast
from sim.core import kernels as kn


def test_compromise_is_capability_salience_weighted_mean():
    p = np.array([[[20.0], [40.0], [80.0]]])
    w = np.array([[1.0], [1.0], [2.0]])          # c*s
    assert kn.compromise(p, w)[0, 0] == pytest.approx((20 + 40 + 160) / 4)


def test_utility_is_salience_weighted_linear_loss():
    x = np.array([[[20.0, 40.0]]])
    s = np.array([[0.75, 0.25]])
    d = np.array([[30.0, 60.0]])
    assert kn.utility(d, x, s)[0, 0] == pytest.approx(-(0.75 * 10 + 0.25 * 20) / 1.0)


def test_one_informal_round_by_hand():
    p = np.array([[[20.0], [40.0], [80.0]]])
    blocs = kn.Blocs(np.array([0, 2]), np.array([2, 1]))
    cohesion = np.array([[0.5], [0.5], [0.5]])
    concession = np.array([[0.1], [0.1], [0.1]])
    w = np.array([[1.0], [1.0], [2.0]])
    out = kn.informal_rounds(p, 1, blocs, cohesion, concession, w)
    # bloc step: A mean 30 -> 25, 35; B alone -> 80. CM = (25 + 35 + 160)/4 = 55. concession 10% of the way.
    expected = np.array([25 + 0.1 * 30, 35 + 0.1 * 20, 80 - 0.1 * 25])
    np.testing.assert_allclose(out[0, :, 0], expected)


def test_compiled_informals_equal_numpy_exactly():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 100, (5, 7, 3))
    blocs = kn.Blocs(np.array([0, 3, 4]), np.array([3, 1, 3]))
    coh, conc, w = rng.uniform(0, 1, (7, 1)), rng.uniform(0, 0.3, (7, 3)), rng.uniform(0.1, 2, (7, 3))
    a = kn.informal_rounds(p, 4, blocs, coh, conc, w)
    b, moved = fast.informal_rounds(p, 4, blocs.starts, blocs.counts, coh, conc, w)
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-12)   # numpy may associate sums differently
    np.testing.assert_allclose(moved, np.abs(a - p).sum(axis=(1, 2)), rtol=1e-12)


def test_persuasion_by_hand_one_source_inside_one_outside():
    # state at b=50 (ideal x=40), lambda=0.5; source A at 60 (inside eps=15) mass 30; source B at 80 (outside)
    x, b, lam = np.array([[[40.0]]]), np.array([[[50.0]]]), np.array([[0.5]])
    mass, wsum = np.array([[[30.0]]]), np.array([[[30.0 * 60]]])
    omega = 0.15 * (1 - np.exp(-30 / 15))
    expected = 0.5 * 40 + 0.5 * ((1 - omega) * 50 + omega * 60)
    assert kn.persuade(x, b, lam, mass, wsum, 0.15, 15.0)[0, 0, 0] == pytest.approx(expected)
    # no source within confidence: plain Friedkin-Johnsen anchoring
    assert kn.persuade(x, b, lam, np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), 0.15, 15.0)[0, 0, 0] == 45.0


def test_windows_exclude_sources_exactly_at_the_confidence_bound():
    y = np.array([[35.0], [50.0], [65.0], [65.0001]])
    src = kn.SortedSources.from_positions(y)
    w = np.ones((1, 1, 1, 4))
    mass, _ = src.window_sums(w * src.sort(np.ones((4, 1)))[None, None], np.array([[[50.0]]]), np.zeros(1, int),
                              np.array([15.0]))
    assert mass[0, 0, 0] == 1.0      # |35-50| = 15 and |65-50| = 15 are not < 15


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.5, 60))
def test_compiled_windows_equal_numpy_reference(seed, eps):
    rng = np.random.default_rng(seed)
    o_, k_, n_, b_, g_ = 12, 3, 5, 2, 2
    y = np.round(rng.uniform(0, 100, (o_, k_)), 1)
    src = kn.SortedSources.from_positions(y)
    base, relay = rng.uniform(0, 2, (b_, o_)), rng.uniform(0, 2, (b_, o_))
    align = rng.uniform(0, 1, (g_, o_))
    qsk = rng.uniform(0, 3, (o_, k_))
    centre = np.round(rng.uniform(-5, 105, (b_, n_, k_)), 1)
    group = rng.integers(0, g_, n_)
    eps_k = np.full(k_, eps)
    align_s = src.sort(align[:, :, None] * np.ones(k_))
    qsk_s = src.sort(qsk)
    ws = (src.sort(base[:, :, None] * np.ones(k_))[:, None] + 0.3 * src.sort(relay[:, :, None] * np.ones(k_))[:, None]
          * align_s[None]) * qsk_s
    m1, s1 = src.window_sums(ws, centre, group, eps_k)
    m2, s2 = fast.window_sums(base, relay, 0.3, align_s, qsk_s, src.order, fast.pad_sorted(src.y_sorted), centre,
                              group, eps_k)
    np.testing.assert_allclose(m1, m2, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(s1, s2, rtol=1e-12, atol=1e-7)


def test_chair_draft_by_hand():
    d = np.array([[50.0]])
    p = np.array([[[20.0], [40.0], [80.0]]])
    w = np.array([[1.0], [1.0], [2.0]])      # CM(p) = 55
    omega, ybar = np.array([[0.1]]), np.array([[30.0]])
    blockers = np.array([[False, False, True]])
    out = kn.chair_draft(d, p, w, 0.5, omega, ybar, 0.1, blockers)
    assert out[0, 0] == pytest.approx(0.5 * 50 + 0.5 * (0.9 * 55 + 0.1 * 30) + 0.1 * (80 - 50))


def test_category_draws_follow_weights_and_skip_zero_weights():
    rng = np.random.default_rng(1)
    u = rng.random((2, 20_000))
    weight = np.array([[0.0, 1.0, 0.0, 3.0], [2.0, 0.0, 2.0, 0.0]])
    idx = kn.draw_categories(u, weight)
    freq0 = np.bincount(idx[0], minlength=4) / u.shape[1]
    freq1 = np.bincount(idx[1], minlength=4) / u.shape[1]
    np.testing.assert_allclose(freq0, [0, 0.25, 0, 0.75], atol=0.015)
    np.testing.assert_allclose(freq1, [0.5, 0, 0.5, 0], atol=0.015)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 700), st.floats(0.5, 60), st.booleans())
def test_branchless_window_search_equals_searchsorted_for_any_number_of_sources(seed, o_, eps, general):
    rng = np.random.default_rng(seed)
    y = np.sort(np.round(rng.uniform(0, 100, o_), 0))          # ties between sources and window edges are common
    padded = fast.pad_sorted(y[None])[0]
    if general:                                                  # the level-by-level path, even for few sources
        padded = np.concatenate([padded, np.full(len(padded), np.inf)])
    assert (len(padded) == fast.UNROLLED_SIZE) == (o_ < fast.UNROLLED_SIZE and not general)
    col = np.round(rng.uniform(-5, 105, 50), 0)
    lo, hi = np.empty(50, np.int64), np.empty(50, np.int64)
    fast._windows(padded, col, eps, lo, hi)
    expected_lo = np.searchsorted(y, col - eps, side="right")
    np.testing.assert_array_equal(lo, expected_lo)
    np.testing.assert_array_equal(hi, np.maximum(expected_lo, np.searchsorted(y, col + eps, side="left")))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 700), st.floats(0.0, 120))
def test_bucket_table_windows_equal_searchsorted(seed, o_, eps):
    rng = np.random.default_rng(seed)
    y = np.sort(np.round(rng.uniform(0, 100, o_), rng.integers(0, 3)))   # ties, sources at 0 and 100
    y[0], y[-1] = 0.0, 100.0 if o_ > 1 else y[0]
    padded = fast.pad_sorted(y[None])[0]
    col = np.concatenate([np.round(rng.uniform(-130, 230, 60), 0), y[:5] + eps, y[:5] - eps, [-eps, 100 + eps]])
    lo, hi = np.empty(len(col), np.int64), np.empty(len(col), np.int64)
    fast._windows_by_table(padded, fast.bucket_table(padded[None])[0], col, eps, lo, hi)
    expected_lo = np.searchsorted(y, col - eps, side="right")
    np.testing.assert_array_equal(lo, expected_lo)
    np.testing.assert_array_equal(hi, np.maximum(expected_lo, np.searchsorted(y, col + eps, side="left")))


@pytest.mark.parametrize("low, high, ulps", [(0.0, 50.0, 1), (0.0, 1e-3, 1), (-1.0, 0.0, 2)])
def test_saturation_is_within_an_ulp_or_two_of_expm1(low, high, ulps):
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.uniform(low, high, 20_000), [low, high]])
    if low == 0.0:     # message mass is never negative (weights >= 0); tiny, huge and the cap
        z = np.concatenate([z, 10 ** rng.uniform(-300, -5, 5_000), [1e-300, 5e-324, 39.9, 40.0, 1e300]])
    out = np.empty_like(z)
    fast.saturation(z, 0.5, out, np.empty(len(z), np.int64))
    expected = 0.5 * -np.expm1(-z)
    assert (np.abs(out - expected) <= ulps * np.spacing(np.abs(expected))).all()
    assert out[z == 0.0].tolist() == [0.0] * int((z == 0.0).sum())


@pytest.mark.parametrize("low, high, ulps", [(-40.0, -1.0, 1), (-1.0, 0.0, 1), (0.0, 1.0, 2), (1.0, 40.0, 2)])
def test_expm1_inplace_is_within_an_ulp_or_two_of_numpy(low, high, ulps):
    rng = np.random.default_rng(4)
    y = np.concatenate([rng.uniform(low, high, 20_000), [low, high]])
    out = y.copy()
    decision.expm1_inplace(out, np.empty(len(y) + 7, np.int64))      # scratch may be longer than the array
    expected = np.expm1(y)
    assert (np.abs(out - expected) <= ulps * np.spacing(np.abs(expected))).all()


def test_logistic_into_is_the_reference_logistic_and_saturates_exactly_beyond_the_cap():
    rng = np.random.default_rng(5)
    z = np.concatenate([rng.normal(0, 8, 20_000), [0.0, -40.0, 40.0, 40.5, -40.5, 1e300, -1e300]])
    out = np.full(len(z) + 3, -1.0)
    decision.logistic_into(z, out, np.empty(len(z), np.int64), len(z), 40.0)
    with np.errstate(over="ignore"):
        expected = 1.0 / (1.0 + np.exp(-z))                       # the scalar form it replaced
    inside = np.abs(z) <= 40.0
    assert (np.abs(out[:len(z)] - expected) <= 3 * np.spacing(expected))[inside].all()
    tanh_form = 0.5 * (1.0 + np.tanh(0.5 * z))                     # the numpy specification's (absolute precision)
    assert np.abs(out[:len(z)] - tanh_form).max() <= 4.5e-16                # 2 ulp of 1
    assert out[len(z) - 4:len(z)].tolist() == [1.0, 0.0, 1.0, 0.0]   # beyond the cap: exactly 1 or 0
    assert out[len(z) - 7] == 0.5 and (out[len(z):] == -1.0).all()  # logistic(0) = 1/2; nothing past m written
    again = np.full(len(z), -1.0)
    decision.logistic_into(z, again, np.empty(len(z), np.int64), 3, 40.0)   # only the first m
    assert again[:3].tolist() == out[:3].tolist() and (again[3:] == -1.0).all()


def test_prefix_sums_side_by_side_are_those_of_each_group_alone():
    # 11 groups: two chunks of eight, the second padded; every group's sums equal a cumulative sum by hand
    rng = np.random.default_rng(6)
    g_, k_, o_, b_ = 11, 3, 9, 2
    base, relay, lobby, solo = (rng.uniform(0, 2, (b_, o_)) for _ in range(4))
    align, target, qsk = rng.uniform(0, 1, (g_, k_, o_)), rng.uniform(0, 1, (g_, k_, o_)), rng.uniform(0, 1, (k_, o_))
    order = np.stack([rng.permutation(o_) for _ in range(k_)]).astype(np.int64)
    y = np.sort(rng.uniform(0, 100, (k_, o_)), axis=1)
    a_kog, t_kog = fast.by_issue(align), fast.by_issue(target)
    assert a_kog.shape == (2, k_, o_, fast.GROUP_LANES) and (a_kog[1, :, :, 3:] == 0).all()
    c0, c1 = np.empty((2, k_, o_ + 1, 8)), np.empty((2, k_, o_ + 1, 8))
    for r in range(b_):
        fast._prefix_sorted(base, relay, lobby, solo, 0.3, qsk, order, a_kog, t_kog, y, r, c0, c1)
        for g in range(g_):
            q = solo[r, order] * qsk
            w = base[r, order] * q + 0.3 * relay[r, order] * q * align[g] + lobby[r, order] * q * target[g]
            np.testing.assert_allclose(c0[g // 8, :, :, g % 8], np.concatenate([np.zeros((k_, 1)),
                                                                                 np.cumsum(w, axis=1)], axis=1),
                                       rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(c1[g // 8, :, 1:, g % 8], np.cumsum(w * y, axis=1), rtol=1e-13, atol=1e-12)


def test_compiled_chair_equals_the_numpy_reference(world, params, rules):
    from dataclasses import replace

    from sim.engine import Negotiation

    # a high blocker pull and a low objection threshold make blockers common, so the pull branch is exercised
    for prm in (params, replace(params, objection_threshold=-5.0, chair_blocker_pull=0.3)):
        neg = Negotiation(world, prm, rules, 3, np.arange(6))
        for t in range(4):
            rows = np.arange(6)
            public, room, chair_exp = neg._exposures(rows, t)
            p = neg.p[rows] + 3.0 * np.sin(np.arange(neg.p[rows].size)).reshape(neg.p[rows].shape)
            np.testing.assert_allclose(neg._chair(rows, p, neg.x[rows], chair_exp),
                                       neg._chair_reference(rows, p, neg.x[rows], chair_exp), rtol=0, atol=1e-10)
            neg.step()


def _persuasion_case(seed, silent=False):
    """A random persuasion problem: 15 sources (two named coalitions), 9 states in 3 groups, 3 issues."""
    rng = np.random.default_rng(seed)
    o_, k_, n_, b_, g_ = 15, 3, 9, 3, 3
    y = np.round(rng.uniform(0, 100, (o_, k_)), 0)
    src = kn.SortedSources.from_positions(y)
    base, relay, lobby = (rng.uniform(0, 2, (b_, o_)) * (rng.random((b_, o_)) < 0.8) for _ in range(3))
    if silent:
        base, relay, lobby = np.zeros_like(base), np.zeros_like(relay), np.zeros_like(lobby)
    coalition = np.concatenate([[0, 0, 0, 1, 1], 2 + np.arange(o_ - 5)])
    joint_on = rng.random((b_, o_)) < 0.5
    joint_on[0] = False                                    # a row where nobody speaks jointly
    joint_on &= coalition[None] < 2
    align, target = rng.uniform(0, 1, (g_, o_)), rng.uniform(0, 0.3, (g_, o_))
    qsk = rng.uniform(0, 3, (o_, k_))
    anchor = rng.uniform(0, 100, (b_, n_, k_))
    b = np.round(np.clip(anchor + rng.normal(0, 10, anchor.shape), 0, 100), 0)
    return dict(y=y, src=src, base=base, relay=relay, lobby=lobby, coalition=coalition,
                solo=np.where(joint_on, 0.0, 1.0), joint=np.where(joint_on, 1.5, 0.0), align=align, target=target,
                qsk=qsk, anchor=anchor, b=b, group=rng.integers(0, g_, n_), eps=rng.uniform(5, 40, k_),
                lam=rng.uniform(0, 1, (n_, k_)), ind=0.2, mu=rng.uniform(0, 1))


def _spec_persuasion(c, omega_max=0.15, kappa=15.0):
    """The numpy specification: weights, solo windows + joint coalitions, Friedkin-Johnsen, the anchor update."""
    src = c["src"]
    w = kn.persuasion_weights(c["base"], c["relay"], c["ind"], c["lobby"], c["align"], c["target"], c["qsk"])
    solo = np.moveaxis(w * c["solo"][:, None, :, None], -1, -2)
    solo = np.take_along_axis(solo, np.broadcast_to(src.order, solo.shape), axis=-1)
    m1, s1 = src.window_sums(solo, c["b"], c["group"], c["eps"])
    m2, s2 = kn.joint_sums(w * c["joint"][:, None, :, None], c["y"], c["coalition"], 2, c["b"], c["group"],
                           c["eps"] + 7.0)
    mass, wsum = m1 + m2, s1 + s2
    p = kn.persuade(c["anchor"], c["b"], c["lam"], mass, wsum, omega_max, kappa)
    a = kn.anchor_update(c["anchor"], c["b"], c["lam"], mass, wsum, omega_max, kappa, c["mu"])
    return p, a, mass


def _fast_persuasion(c, omega_max=0.15, kappa=15.0):
    src = c["src"]
    k_ = c["y"].shape[1]
    members = np.flatnonzero(c["coalition"] < 2)
    anchor, padded = c["anchor"].copy(), fast.pad_sorted(src.y_sorted)
    out, mass_mean, moved = fast.persuade_windows(
        anchor, c["b"], c["lam"], c["base"], c["relay"], c["lobby"], c["solo"], c["joint"], c["ind"], c["align"],
        c["target"], fast.by_issue(src.sort(c["align"][:, :, None] * np.ones(k_))),
        fast.by_issue(src.sort(c["target"][:, :, None] * np.ones(k_))),
        c["qsk"], src.sort(c["qsk"]), src.order, c["y"], padded, fast.bucket_table(padded), c["group"], c["eps"],
        c["eps"] + 7.0, members, c["coalition"][members], 2, omega_max, kappa, c["mu"])
    return out, anchor, mass_mean, moved


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_fused_persuasion_equals_the_numpy_specification(seed):
    c = _persuasion_case(seed)
    p, a, mass = _spec_persuasion(c)
    out, anchor, mass_mean, moved = _fast_persuasion(c)
    np.testing.assert_allclose(out, p, rtol=0, atol=1e-10)
    np.testing.assert_allclose(anchor, a, rtol=0, atol=1e-10)
    np.testing.assert_allclose(mass_mean, mass.mean(axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(moved, np.abs(p - c["b"]).sum(axis=(1, 2)), rtol=1e-10)


def test_a_row_no_stakeholder_reaches_takes_the_shortcut_with_the_same_result():
    c = _persuasion_case(5, silent=True)
    out, anchor, mass, moved = _fast_persuasion(c)
    lam = c["lam"]
    np.testing.assert_array_equal(out, (1.0 - lam) * c["anchor"] + lam * c["b"])
    np.testing.assert_array_equal(anchor, c["anchor"])          # nothing heard: the anchor does not move
    assert (mass == 0.0).all()
    np.testing.assert_allclose(moved, np.abs(out - c["b"]).sum(axis=(1, 2)), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.0, 0.5, 1.0]))
def test_compiled_plenary_equals_the_numpy_reference(seed, exponent):
    rng = np.random.default_rng(seed)
    b_, o_, g_, m_ = 4, 12, 5, 30
    acc = rng.random((b_, o_)) < 0.6
    acc[0] = False                                         # a row with nobody accredited: no statements
    group = rng.integers(0, g_, o_)
    resources = rng.uniform(0.0, 1.0, o_) * (rng.random(o_) < 0.8)    # some organisations without resources
    u = rng.random((b_, m_))
    ref_org, ref_made = kn.plenary_statements(acc, group, resources, u, g_, exponent)
    org, made = fast.plenary_statements(acc, group, resources, u, g_, exponent)
    np.testing.assert_allclose(org, ref_org, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(made, ref_made)
    assert made[0] == 0 and (org[~acc] == 0).all()
    assert (made[1:] == np.where((acc[1:] * resources).sum(axis=1) > 0, m_, 0)).all()


def test_plenary_by_hand():
    acc = np.array([[True, True, True, False]])
    group = np.array([0, 0, 1, 1])            # a coalition of two and a single speaker (the fourth is not in)
    resources = np.array([1.0, 1.0, 2.0, 5.0])
    u = np.array([[0.1, 0.49, 0.5, 0.99]])    # cdf [0.5, 1.0]: two slots each
    org, made = kn.plenary_statements(acc, group, resources, u, 2, 0.5)
    np.testing.assert_allclose(org[0], [2 * 2 ** -0.5, 2 * 2 ** -0.5, 2.0, 0.0])
    assert made[0] == 4


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.floats(-0.1, 0.2), st.floats(15.0, 60.0))
def test_compiled_decision_equals_the_numpy_reference(seed, threshold, provision_threshold):
    # drafts near the states' mean and reservations near their utility: every mode and vote outcome occurs
    rng = np.random.default_rng(seed)
    b_, n_, k_ = 6, 9, 4
    x = np.round(rng.uniform(0, 100, (b_, n_, k_)), 0)
    d = np.round(x.mean(axis=1) + rng.normal(0, 5, (b_, k_)), 0)
    s = rng.uniform(0.1, 1.0, (n_, k_))
    reserve = kn.utility(d, x, s) + rng.normal(0, 0.05, (b_, n_))
    u_text, u_prov = rng.random((b_, n_)), rng.random((b_, n_))
    fallback = np.round(rng.uniform(0, 100, k_), 0)
    args = (d, x, s, reserve, u_text, u_prov, fallback, threshold, provision_threshold, 0.05, 0.01, 3)
    ref, got = kn.decide(*args), fast.decide(*args)
    for a, b in zip(ref, got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_compiled_compromise_and_utility_equal_the_numpy_reference():
    rng = np.random.default_rng(4)
    x, w, s = rng.uniform(0, 100, (3, 11, 10)), rng.uniform(0.1, 2, (11, 10)), rng.uniform(0.1, 1, (11, 10))
    cm, util = fast.compromise_utility(x, w, s)
    np.testing.assert_array_equal(cm, kn.compromise(x, w))          # same order of the sums over states
    np.testing.assert_allclose(util, kn.utility(cm, x, s), rtol=1e-14)


def test_bloc_means_equal_reduceat_and_leave_absent_blocs_untouched():
    rng = np.random.default_rng(8)
    p = rng.uniform(0, 100, (3, 7, 4))
    starts, counts = np.array([0, 2, 3]), np.array([2, 1, 4])
    out = np.full((3, 5, 4), np.nan)
    fast.bloc_means(p, starts, counts, out, np.array([0, 1, 3]))
    np.testing.assert_allclose(out[:, [0, 1, 3]], np.add.reduceat(p, starts, axis=1) / counts[:, None], rtol=1e-15)
    assert np.isnan(out[:, [2, 4]]).all()


@pytest.mark.parametrize("b_", [1, 5, 8, 13, 16, 24, 37])   # wide (16) and narrow (8) blocks, whole and padded
def test_informals_with_replicates_side_by_side_equal_numpy_and_each_row_alone(b_):
    from sim.core import informals

    rng = np.random.default_rng(b_)
    p = rng.uniform(0, 100, (b_, 7, 3))
    blocs = kn.Blocs(np.array([0, 3, 4]), np.array([3, 1, 3]))
    coh, conc, w = rng.uniform(0, 1, (7, 1)), rng.uniform(0, 0.3, (7, 3)), rng.uniform(0.1, 2, (7, 3))
    out, moved = informals.informal_rounds(p, 4, blocs.starts, blocs.counts, coh, conc, w)
    ref = kn.informal_rounds(p, 4, blocs, coh, conc, w)
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(moved, np.abs(ref - p).sum(axis=(1, 2)), rtol=1e-12)
    for r in range(b_):                                  # a row's numbers do not depend on its block-mates
        alone, m1 = informals.informal_rounds(p[r:r + 1], 4, blocs.starts, blocs.counts, coh, conc, w)
        np.testing.assert_array_equal(alone[0], out[r])
        assert m1[0] == moved[r]
