"""Charts never zoom an axis so that a negligible effect looks large: value axes on the 0-100 provision scale span
at least EFFECT_SPAN points and include 0, and a chart whose values are all below NEGLIGIBLE says so in words."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sim import plotting  # noqa: E402
from sim.plotting import EFFECT_SPAN, honest_limits  # noqa: E402


@pytest.mark.parametrize("values, expected", [
    ([0.01, 0.05], (0.0, 10.4)),                       # tiny positive effects: 0 .. 10 points, 4% headroom
    ([-2.0, -1.0], (-10.4, 0.0)),                      # all negative: extends downwards from 0
    ([-0.1, 0.1], (-5.4, 5.4)),                        # signed, symmetric: 10 points shared in proportion
    ([-3.0, 1.0], (-7.9, 2.9)),                        # signed: 6 extra points split 3/4 below, 1/4 above
    ([-3.0, 20.0], (-3.92, 20.92)),                    # wider than the minimum: the data's own range
])
def test_honest_limits_by_hand(values, expected):
    lo, hi = honest_limits(values)
    assert lo == pytest.approx(expected[0]) and hi == pytest.approx(expected[1])
    assert hi - lo >= EFFECT_SPAN and lo <= 0 <= hi


def test_no_constraint_for_other_units():
    assert honest_limits([0.01, 0.05], None) is None


def _curve(scale: float) -> pd.DataFrame:
    mean = [scale * v for v in (0.2, 0.5, 0.9)]
    return pd.DataFrame({"x": [0, 1, 2], "mean": mean, "lo": [m - 0.1 * scale for m in mean],
                         "hi": [m + 0.1 * scale for m in mean]})


def _texts(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_a_tiny_dose_response_is_drawn_flat_and_said_to_be_tiny():
    fig = plotting.dose_response(_curve(0.05), "x", "lever", "effect (points)", 8)
    lo, hi = fig.axes[0].get_ylim()
    assert lo <= 0 and hi - lo >= EFFECT_SPAN
    assert "below 1 point" in _texts(fig)
    plt.close(fig)


def test_a_large_dose_response_keeps_its_own_range_and_no_note():
    fig = plotting.dose_response(_curve(30.0), "x", "lever", "effect (points)", 8)
    lo, hi = fig.axes[0].get_ylim()
    assert hi == pytest.approx(30 * 1.0 + 0.04 * (30 - 0)) and lo == 0.0
    assert "below 1 point" not in _texts(fig)
    plt.close(fig)


def test_a_count_chart_may_use_its_own_range():
    fig = plotting.dose_response(_curve(0.05), "x", "lever", "count", 8, min_span=None)
    lo, hi = fig.axes[0].get_ylim()
    assert hi - lo < 1.0 and "below 1 point" not in _texts(fig)
    plt.close(fig)


def test_heatmap_colour_scale_spans_the_minimum_and_the_title_says_tiny():
    grid = pd.DataFrame([[0.01, 0.02], [0.03, 0.05]], index=["a", "b"], columns=[0, 1])
    fig = plotting.heatmap(grid, "rows", "cols", "points", 8, "Influence")
    image = fig.axes[0].images[0]
    assert image.norm.vmin == 0.0 and image.norm.vmax >= EFFECT_SPAN
    assert "below 1 point" in fig.axes[0].get_title(loc="left")
    plt.close(fig)


def test_forest_axis_spans_the_minimum():
    rows = pd.DataFrame({"type": ["a", "b"], "rule": ["r", "r"], "mean": [0.02, 0.1], "lo": [0.0, 0.05],
                         "hi": [0.04, 0.15]})
    fig = plotting.forest(rows, "type", "rule", "rule", "points", 8)
    lo, hi = fig.axes[0].get_xlim()
    assert lo <= 0 and hi - lo >= EFFECT_SPAN and "below 1 point" in _texts(fig)
    plt.close(fig)


def test_a_constant_share_table_is_named_and_a_varying_one_is_not():
    from experiments.report import constant_category

    always = pd.DataFrame({"limited": [1.0, 1.0], "open": [0.0, 0.0]}, index=["excluded", "observers"])
    varies = pd.DataFrame({"limited": [1.0, 0.75], "open": [0.0, 0.25]}, index=["excluded", "observers"])
    assert constant_category(always) == "limited"
    assert constant_category(varies) is None


def test_stylised_facts_rows_keep_their_unit_and_never_zoom_in():
    effects = pd.DataFrame([
        {"fact": "5.2a", "effect": "influence", "mean": 0.02, "lo": 0.01, "hi": 0.03, "unit": "points"},
        {"fact": "5.2b", "effect": "per minute", "mean": 0.001, "lo": 0.0005, "hi": 0.0015, "unit": "points per minute"},
        {"fact": "5.5b", "effect": "accredited", "mean": 57.0, "lo": 52.0, "hi": 62.0, "unit": "organisations"},
        {"fact": "5.5c", "effect": "share", "mean": 0.05, "lo": 0.04, "hi": 0.06, "unit": "share"},
    ])
    fig = plotting.effects_forest(effects)
    axes = fig.axes
    assert [ax.get_xlabel() for ax in axes] == list(effects["unit"])
    for ax, unit in zip(axes, effects["unit"], strict=True):
        lo, hi = ax.get_xlim()
        assert lo <= 0 <= hi and hi - lo >= plotting.UNIT_SPANS[unit] - 1e-12, unit
    assert axes[2].get_xlim()[1] >= 62.0                        # a wide effect keeps its own range
    notes = [[t.get_text() for t in ax.texts] for ax in axes]
    assert notes[0] == ["below 1 point"] and notes[1:] == [[], [], []]   # only the points row under 1 point
    plt.close(fig)


def test_labels_of_crowded_points_do_not_overlap():
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    xs, ys = [1.0, 1.01, 1.02, 1.03, 3.0], [1.0, 1.0, 1.01, 1.0, 2.0]   # four points almost on top of each other
    ax.plot(xs, ys, "o")
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 3)
    anns = plotting.place_labels(ax, xs, ys, ["susceptibility", "saturation", "stakeholder weight max", "eps", "far"])
    renderer = fig.canvas.get_renderer()
    boxes = [matplotlib.text.Text.get_window_extent(a, renderer) for a in anns]          # the label's text
    assert len(anns) == 5 and len(ax.texts) == 5                 # one label per point, no stray tries left behind
    assert not any(boxes[i].overlaps(boxes[j]) for i in range(5) for j in range(i + 1, 5))
    plt.close(fig)


def test_the_posterior_predictive_chart_marks_each_miss_on_whole_axes():
    table = pd.DataFrame([
        {"statistic": "text_scope_final", "record": 62.5, "mean": 55.0, "lo": 54.0, "hi": 56.0},     # a miss
        {"statistic": "text_csam_final", "record": 50.0, "mean": 49.0, "lo": 45.0, "hi": 53.0},      # inside
        {"statistic": "share_consensus", "record": 1.0, "mean": 0.9, "lo": 0.8, "hi": 1.0},          # inside (edge)
        {"statistic": "signatories_opening", "record": 65.0, "mean": 66.0, "lo": 60.0, "hi": 70.0},  # inside
    ])
    fig = plotting.posterior_predictive(table, 20)
    axes = fig.axes
    assert [ax.get_xlim() for ax in axes] == [(0.0, 100.0), (0.0, 1.0), (0.0, 193.0)]
    assert [sum(t.get_text() == "miss" for t in ax.texts) for ax in axes] == [1, 0, 0]
    assert axes[0].get_title(loc="left").endswith("inside the model's range on 1 of 2")
    plt.close(fig)
