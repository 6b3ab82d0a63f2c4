"""The vectorised seeding reproduces numpy's SeedSequence + PCG64 streams bit for bit (MODEL.md §7)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.seeds import Purpose, draw_normal, draw_uniform, state_words, stream, streams


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**70), st.sampled_from(list(Purpose)),
       st.lists(st.integers(0, 2**66), min_size=1, max_size=6))
def test_streams_give_the_numbers_of_seedsequence_and_pcg64(root, purpose, reps):
    for r, gen in zip(reps, streams(root, purpose, reps), strict=True):
        ref = stream(root, purpose, r)
        np.testing.assert_array_equal(gen.random(3), ref.random(3))
        np.testing.assert_array_equal(gen.standard_normal(4), ref.standard_normal(4))
        assert gen.integers(0, 2**63) == ref.integers(0, 2**63)


def test_batched_draws_equal_one_stream_per_replicate():
    reps = np.array([0, 5, 2**32, 7])
    u = draw_uniform(11, Purpose.DECISION, reps, (2, 3))
    z = draw_normal(11, Purpose.NOISE, reps, (4,))
    for j, r in enumerate(reps):
        np.testing.assert_array_equal(u[j], stream(11, Purpose.DECISION, int(r)).random((2, 3)))
        np.testing.assert_array_equal(z[j], stream(11, Purpose.NOISE, int(r)).standard_normal(4))


def test_a_negative_replicate_number_is_refused_with_its_value():
    with pytest.raises(ValueError, match="-3"):
        list(streams(1, Purpose.NOISE, [0, -3]))


@pytest.mark.parametrize("n_reps", [1, 3, 4, 5, 9])    # whole and partial blocks of the compiled lanes
def test_compiled_uniforms_and_objection_draws_are_numpys_numbers(n_reps):
    from sim.core.pcg64 import LANES, fill_below

    assert LANES == 4
    reps = [0, 1, 5, 2**32, 10**20, 7, 8, 9, 11][:n_reps]
    u = draw_uniform(20241224, Purpose.DECISION, np.array(reps), (3, 4, 5))
    prob = np.random.default_rng(0).random((6, 7))
    below = np.empty((n_reps, 6, 7), bool)
    fill_below(state_words(3, Purpose.ACCREDITATION, reps), prob, below)
    for j, r in enumerate(reps):
        np.testing.assert_array_equal(u[j], stream(20241224, Purpose.DECISION, r).random((3, 4, 5)))
        np.testing.assert_array_equal(below[j], stream(3, Purpose.ACCREDITATION, r).random((6, 7)) < prob)


def test_the_objection_draw_lists_exactly_the_objections():
    from sim.core.pcg64 import _flatnonzero, fill_below

    prob = np.full((7, 9), 0.2)
    out = np.empty((5, 7, 9), bool)
    flat = fill_below(state_words(2, Purpose.ACCREDITATION, range(5)), prob, out)
    np.testing.assert_array_equal(flat, np.flatnonzero(out))
    assert 0 < len(flat) < out.size
    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 8, 9, 1003):          # whole 8-byte words and tails
        mask = rng.random(n) < 0.3
        np.testing.assert_array_equal(_flatnonzero(mask), np.flatnonzero(mask))
