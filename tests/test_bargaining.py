"""Established bargaining models on Decide-format data, and row- and column-precise errors for malformed files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from experiments.cli import main
from sim import bargaining
from sim.decide import DecideFormatError, read_actor_issue
from sim.scenario import DataError

DECIDE = Path(__file__).resolve().parents[2] / "shared" / "data" / "decide"
needs_data = pytest.mark.skipif(not DECIDE.exists(), reason="../shared/data/decide not present")

# Decide 2025.3.1 (decide-exchange-model, equal-gain model), round 0 "avg MDS" per issue, run on these files
ROUND0 = {
    "copenhagen": [61.57627119, 58.14465409, 30.7073955, 52.23591549, 51.94989107, 57.62144821, 64.62068966],
    "cop21": [49.255404, 57.211274, 57.96875, 59.51145, 59.64036, 47.644085, 38.097126, 55.121727, 40.105843,
              45.596171, 67.877517, 85.708583, 57.100515],
}


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "toy.csv"
    path.write_text(text.replace("|", "\t"))
    return path


TOY = """#A|a|Actor A
#A|b|Actor B
#A|c|Actor C
#P|k|Issue
#D|a|k|0|1.0|1.0
#D|b|k|50|0.5|1.0
#D|c|k|100|0.5|2.0
"""


def test_toy_predictions_by_hand(tmp_path):
    data = read_actor_issue(_write(tmp_path, TOY))
    # weights c s: 1, 0.5, 1 -> mean (0 + 25 + 100) / 2.5 = 50; cumulative 1, 1.5, 2.5 reaches 1.25 at b -> 50
    assert bargaining.compromise_model(data)[0] == pytest.approx(50.0)
    assert bargaining.weighted_median(data)[0] == 50.0
    assert bargaining.nash_bargaining(data)[0] == pytest.approx(50.0, abs=1e-3)
    # disagreement at -20: a gains only on (-20, 20), b and c on wider intervals -> a solution inside (0, 20)
    assert 0.0 < bargaining.nash_bargaining(data, -20.0)[0] < 20.0
    # at 40: a gains only below 40 and b only above 40, so no agreement beats the status quo; same at a's ideal
    assert bargaining.nash_bargaining(data, 40.0)[0] == 40.0 and bargaining.nash_bargaining(data, 0.0)[0] == 0.0


@needs_data
@pytest.mark.parametrize("name", ["copenhagen", "cop21"])
def test_compromise_equals_decides_round0_and_nash_reduces_to_it(name):
    data = read_actor_issue(DECIDE / f"{name}.csv")
    cm = bargaining.compromise_model(data)
    np.testing.assert_allclose(cm, ROUND0[name], atol=0.01)
    np.testing.assert_allclose(bargaining.nash_bargaining(data), cm, atol=0.01)
    assert np.abs(bargaining.nash_bargaining(data, remote=1.0) - cm).max() > 0.1   # a near point does matter
    # this project's state-only negotiation lands near the compromise on the data's scale, when the chair answers
    # whole-text blockers alone; its red lines per provision move it away on purpose (ASSUMPTIONS.md, validate
    # targets 2 and 4), so the stylised fact is checked without them
    from sim import presets

    params = presets.params(chair_redline_share=0.0)
    assert np.abs(bargaining.state_only(data, params) - cm).max() < 2.5


@needs_data
@pytest.mark.skipif(bargaining.decide_python() is None, reason="no Python with decide-exchange-model")
def test_live_decide_round0_equals_the_compromise_model():
    data = read_actor_issue(DECIDE / "copenhagen.csv")
    out = bargaining.exchange_model(DECIDE / "copenhagen.csv", data.issues)
    np.testing.assert_allclose(out["round0"], bargaining.compromise_model(data), atol=0.01)


@needs_data
def test_the_file_with_errors_gets_every_problem_with_line_and_column(capsys):
    with pytest.raises(DecideFormatError) as err:
        read_actor_issue(DECIDE / "copenhagen_with_errors.csv")
    where = [w for w, _, _ in err.value.problems]
    assert where == ["copenhagen_with_errors.csv:86:4 (position)", "copenhagen_with_errors.csv:87:6 (power)"]
    assert "position 160" in str(err.value) and "[0, 100]" in str(err.value) and "power -0.247" in str(err.value)
    assert main(["compare", str(DECIDE / "copenhagen_with_errors.csv")]) == 2
    assert "copenhagen_with_errors.csv:86:4" in capsys.readouterr().err


@pytest.mark.parametrize("bad, where, words", [
    (TOY.replace("#D|b|k|50", "#D|z|k|50"), "toy.csv:6:2 (actor)", "not declared"),
    (TOY.replace("#D|b|k|50", "#D|b|q|50"), "toy.csv:6:3 (issue)", "not declared"),
    (TOY.replace("|0.5|1.0", "|high|1.0", 1), "toy.csv:6:5 (salience)", "not a number"),
    (TOY.replace("|0.5|1.0", "|1.5|1.0", 1), "toy.csv:6:5 (salience)", "[0, 1]"),
    (TOY.replace("#D|c|k|100|0.5|2.0", "#D|c|k|100|0.5|2.0\n#D|c|k|90|0.5|2.0"), "toy.csv:8:2 (actor)", "second"),
    (TOY.replace("#D|c|k|100|0.5|2.0", "#D|c|k|100"), "toy.csv:7", "needs 6 fields"),
    (TOY + "#X|1\n", "toy.csv:8:1", "unknown record"),
    (TOY.replace("#P|k|Issue", "#P|k|Issue\n#M|k|0\n#M|k|80"), "toy.csv:9:4 (position)", "[0, 80]"),
])
def test_malformed_rows_name_line_column_and_what_is_allowed(tmp_path, bad, where, words):
    with pytest.raises(DecideFormatError) as err:
        read_actor_issue(_write(tmp_path, bad))
    assert err.value.problems[0][0] == where and words in str(err.value)


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_actor_issue(tmp_path / "nope.csv")


@needs_data
def test_plenary_compare_prints_and_charts(tmp_path, capsys):
    env = os.environ.pop("PLENARY_DECIDE_PYTHON", None)
    try:
        assert main(["compare", str(DECIDE / "copenhagen.csv"), "--out", str(tmp_path)]) == 0
    finally:
        if env is not None:
            os.environ["PLENARY_DECIDE_PYTHON"] = env
    out = capsys.readouterr().out
    assert "Newtreaty" in out and "61.6" in out
    for name in ("compare.csv", "compare.md", "compare.png", "compare.svg", "compare.pdf", "compare.caption.txt"):
        assert (tmp_path / name).exists()


TOY2 = TOY + "#P|m|Second\n#D|a|m|10|1.0|1.0\n#D|b|m|30|1.0|1.0\n#D|c|m|90|1.0|2.0\n"


def test_compare_draws_the_observed_outcome_and_scores_each_model_against_it(tmp_path, capsys):
    data = _write(tmp_path, TOY2)
    observed = tmp_path / "observed.csv"
    observed.write_text("issue,observed,source\nk,60,a hand-made record\n")     # issue m: not observed
    out = tmp_path / "out"
    assert main(["compare", str(data), "--observed", str(observed), "--out", str(out)]) == 0
    table = __import__("pandas").read_csv(out / "compare.csv")
    assert table["observed"].tolist()[0] == 60.0 and np.isnan(table["observed"].tolist()[1])
    md = (out / "compare.md").read_text()
    # on k every model predicts 50 (test_toy_predictions_by_hand): 10 points from the observed 60, one issue
    assert "Mean absolute distance from the observed outcome over the 1 issues observed" in md
    assert "Compromise model (weighted mean) 10.0" in md and "Weighted median 10.0" in md
    caption = (out / "compare.caption.txt").read_text()
    assert "Black crosses: the observed outcome (a hand-made record) on 1 of 2 issues." in caption


@pytest.mark.parametrize("text, named", [
    ("issue,observed\nkk,60\n", "did you mean 'k'"),
    ("issue,outcome\nk,60\n", "no column 'observed'"),
    ("issue,observed\nk,high\n", "'high'"),
])
def test_a_bad_observed_file_is_one_clear_error(tmp_path, capsys, text, named):
    data = _write(tmp_path, TOY2)
    observed = tmp_path / "observed.csv"
    observed.write_text(text)
    assert main(["compare", str(data), "--observed", str(observed), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("plenary: error: --observed") and named in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
