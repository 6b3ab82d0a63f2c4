"""The README's magnitudes over the posterior (experiments/magnitudes.py): hand-checked pieces, and the README
block is the script's own output format, not typed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import magnitudes as mag


def test_spearman_is_one_for_monotone_minus_one_reversed_and_nan_for_a_constant():
    x = np.array([1.0, 2.0, 3.0, 10.0])
    assert mag.spearman(x, x**3) == pytest.approx(1.0)
    assert mag.spearman(x, -x) == pytest.approx(-1.0)
    assert np.isnan(mag.spearman(x, np.ones(4)))


def test_summarise_finds_the_most_moved_provision_and_averages_absolute_effects_per_draw():
    # draw 0: scope |2|,|2| csam 0,0 ; draw 1: scope 4, 8, csam |-1|, 1
    table = pd.DataFrame({"draw": [0, 0, 1, 1], "influence_all": [1.0, 1.0, 3.0, 5.0],
                          "effect_scope": [2.0, -2.0, 4.0, 8.0], "effect_csam": [0.0, 0.0, -1.0, 1.0]})
    s = mag.summarise(table, ("scope", "csam"))
    assert s["top"] == "scope" and s["top_mean"] == pytest.approx(4.0)
    assert s["influence_all"] == pytest.approx(2.5)
    assert list(s["per_draw"]) == [1.0, 4.0]
    # per draw, the mean over provisions of the mean |effect|: draw 0 (2 + 0) / 2 = 1, draw 1 (6 + 1) / 2 = 3.5
    assert s["provisions_mean"] == pytest.approx((4.0 + 0.5) / 2)
    assert s["provisions_post"] == pytest.approx((1.0 + 0.025 * 2.5, 1.0 + 0.975 * 2.5))


def test_replace_block_keeps_the_text_around_the_markers_and_refuses_a_readme_without_them():
    text = f"before\n{mag.BEGIN}\nold\n{mag.END}\nafter\n"
    assert mag.replace_block(text, "new\n") == f"before\n{mag.BEGIN}\nnew\n{mag.END}\nafter\n"
    with pytest.raises(ValueError, match="no"):
        mag.replace_block("no markers", "x")


def test_a_small_measurement_pairs_every_preset_with_the_reference():
    result = mag.measure(draws=2, replicates=2)
    frame = result.presets.set_index("preset")
    assert list(frame.index) == list(mag.PRESETS)
    assert frame.loc[mag.REFERENCE, "vs_reference"] == 0.0          # the reference against itself, draw by draw
    # influence_all is signed (negative: the text moved away from what the organisations want, on average); the
    # sizes per provision are |effects|, so they are >= 0 and the most moved provision moves at least the mean
    assert np.isfinite(frame["influence_all"]).all()
    assert (frame["provisions_mean"] >= 0).all() and (frame["top_mean"] >= frame["provisions_mean"]).all()
    assert result.meta["from_prior"] > 0 and set(result.drivers.columns) == {"parameter", "rho", "fitted", "sd_ratio"}
    block = mag.render(result)
    assert block.startswith(mag.HEADER) and block.count("\n| ahc_") == len(mag.PRESETS)


def test_the_readme_block_was_written_by_the_script():
    text = mag.README.read_text()
    block = text.split(mag.BEGIN, 1)[1].split(mag.END, 1)[0].strip()
    assert block.startswith(mag.HEADER)
    assert "| rule preset | text moved (weighted) | mean over provisions | most moved provision |" in block
    assert sum(line.startswith("| ahc_") for line in block.splitlines()) == len(mag.PRESETS)


def test_bad_sizes_exit_2(capsys):
    assert mag.main(["--draws", "1"]) == 2
    assert mag.main(["--unfitted", "prio", "--draws", "2", "--replicates", "2"]) == 2
    assert "unfitted" in capsys.readouterr().err


def test_the_noise_level_is_the_bonferroni_normal_quantile():
    # one test at 5% two-sided over 101 draws: 1.95996 / sqrt(100)
    assert mag.noise_level(101, 1) == pytest.approx(0.195996, abs=1e-5)
    # 50 tests: the 1 - 0.05 / 100 quantile, 3.2905
    assert mag.noise_level(101, 50) == pytest.approx(0.32905, abs=1e-4)
