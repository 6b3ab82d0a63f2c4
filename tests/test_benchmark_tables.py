"""The README's "Engine speed" table is the output of benchmarks/tables.py in its current format, not a hand edit:
header line, format version, columns and rows as the script writes them, and each row's ratio equal to its own CPU
time over the engine's (to the printed rounding). No timings are asserted."""

from pathlib import Path

import pytest

from benchmarks import bench_mesa, tables

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_table_is_the_current_script_output():
    got = tables.parse(README.read_text())
    assert got["format"] == tables.FORMAT
    assert got["columns"] == tables.COLUMNS
    assert set(got["rows"]) == set(bench_mesa.NAMES)
    assert len(got["load"].split()) == 3 and got["date"].endswith("UTC")
    eng = got["rows"]["engine"][0]
    for cpu, wall, ratio in got["rows"].values():
        assert cpu > 0 and wall > 0
        # cpu printed to 4 decimals, ratio to 1: the ratio is cpu / engine within the rounding of both
        lo, hi = (cpu - 5e-5) / (eng + 5e-5), (cpu + 5e-5) / (eng - 5e-5)
        assert lo - 0.05 <= ratio <= hi + 0.05


def test_render_and_parse_agree_on_a_hand_made_result():
    res = {"machine": {"cpu": "X", "cores": 2, "load": "1.00 2.00 3.00", "date": "2026-01-01 00:00 UTC"},
           "repeat": 3, "session": 0, "rows": 256, "decide": {"skipped": "no decide"},
           "ms": {n: {"cpu": v, "wall": v + 1} for n, v in zip(bench_mesa.NAMES, [0.5, 2.0, 10.0, 100.0], strict=True)}}
    got = tables.parse(tables.render(res))
    assert got["rows"]["naive"] == (100.0, 101.0, 200.0)        # 100 / 0.5
    assert got["rows"]["vectorised"][2] == 4.0


def test_a_hand_edited_header_is_refused():
    text = tables.render({"machine": {"cpu": "X", "cores": 2, "load": "1.00 2.00 3.00", "date": "d UTC"},
                          "repeat": 1, "session": 0, "rows": 1, "decide": {},
                          "ms": {n: {"cpu": 1.0, "wall": 1.0} for n in bench_mesa.NAMES}})
    with pytest.raises(ValueError, match="header"):
        tables.parse(text.replace("format 1", "by hand"))


def test_the_readme_throughput_block_is_the_current_script_output():
    got = tables.parse_throughput(README.read_text())
    assert got["format"] == tables.FORMAT and got["columns"] == tables.T_COLUMNS
    assert len(got["load"].split()) == 3 and got["date"].endswith("UTC") and got["rows"]
    for rate, ms, share in got["rows"].values():
        # rate printed to 0 decimals, ms to 3, share to 2: each is the rate's own, within the rounding
        assert abs(ms - 1e3 / rate) <= 1e3 / (rate - 0.5) - 1e3 / rate + 5e-4
        assert abs(share - rate / 2000) <= 0.005 + 0.5 / 2000


def test_throughput_render_and_parse_agree_on_a_hand_made_result():
    res = {"machine": {"cpu": "X", "cores": 2, "load": "1.00 2.00 3.00", "date": "2026-01-01 00:00 UTC"},
           "repeat": 3, "variants": 8, "target_per_cpu_s": 2000, "per_cpu_s": {16: 500.0, 64: 1000.0},
           "single_run_ms": 1.5}
    got = tables.parse_throughput(tables.render_throughput(res))
    assert got["rows"] == {"16 x 8": (500.0, 2.0, 0.25), "64 x 8": (1000.0, 1.0, 0.5)}
    with pytest.raises(ValueError, match="not written by"):
        tables.parse_throughput(tables.render_throughput(res).replace("format 1", "format one"))
