"""The unit-box perturbation kernel of ``plenary calibrate`` (experiments/abc_parts.py): an exact density."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import truncnorm

pytest.importorskip("pyabc")
from experiments.abc_parts import BoxKernel  # noqa: E402


def _kernel(points, weights):
    k = BoxKernel()
    X = pd.DataFrame(points, columns=[f"p{j}" for j in range(np.shape(points)[1])])
    k.X, k.w = X, np.asarray(weights, float)        # what pyabc's Transition.fit wrapper stores
    k.fit(X, k.w)
    return k


def test_density_integrates_to_one_inside_the_box_even_for_particles_at_the_edge():
    k = _kernel([[0.01], [0.02], [0.5], [0.99]], [0.4, 0.3, 0.2, 0.1])
    grid = np.linspace(0.0, 1.0, 20001)
    dens = k.pdf(pd.DataFrame({"p0": grid}))
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-3)
    assert k.pdf(pd.DataFrame({"p0": [-0.01, 1.01]})).tolist() == [0.0, 0.0]     # nothing outside the box


def test_samples_stay_in_the_box_and_follow_the_density():
    k = _kernel([[0.02, 0.9], [0.05, 0.8], [0.1, 0.95]], [1 / 3, 1 / 3, 1 / 3])
    np.random.seed(3)                                                            # noqa: NPY002 (pyabc's generator)
    draws = np.array([[v for v in k.rvs_single().values()] for _ in range(4000)])
    assert (draws >= 0).all() and (draws <= 1).all()
    # the diagonal kernel factorises: the p0 marginal is the weighted mix of each particle's truncated normal
    h = k.h[0]
    cdf = np.mean([truncnorm.cdf(0.05, -x / h, (1 - x) / h, loc=x, scale=h) for x in (0.02, 0.05, 0.1)])
    assert (draws[:, 0] < 0.05).mean() == pytest.approx(cdf, abs=0.03)     # binomial sd ~ 0.008
