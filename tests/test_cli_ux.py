"""What a command-line user touches besides running: a quick --help that imports none of the model, ``plenary
list`` read from the shipped presets, ``run --cfg`` printing the validated config without running, CSV export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from experiments.cli import main
from experiments.listing import levers, presets
from sim import config

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("mesa", "scipy", "numba", "matplotlib", "pandas", "hydra", "sim.engine")


def test_help_imports_none_of_the_heavy_modules():
    code = ("import sys\nfrom experiments.cli import build_parser\ntry:\n    build_parser().parse_args(['--help'])\n"
            f"except SystemExit:\n    pass\nprint('LOADED=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "usage: plenary" in out
    assert out.rsplit("LOADED=", 1)[1].strip() == "", f"--help imported {out.rsplit('LOADED=', 1)[1]}"


def test_sim_exports_its_names_lazily_and_fails_clearly_on_a_wrong_one():
    import sim

    assert sim.Params is config.Params and sim.run_replicates.__module__ == "sim.runner"
    try:
        sim.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown attribute of sim must raise AttributeError")


def test_list_names_every_shipped_preset_and_the_allowed_rule_values(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for group in ("scenario", "rules", "params", "experiment"):
        shipped = sorted(p.stem for p in (ROOT / "configs" / group).glob("*.yaml"))
        assert shipped and sorted(presets(group)) == shipped
        assert all(f"  {name}" in out for name in shipped)
    assert "single_state_veto" in out and "non_objection_vote" in out
    assert levers()["rules.accreditation.procedure"] == config.rule_names("rules.accreditation.procedure")
    assert set(levers()["rules.accreditation.procedure"]) == {"open", "ecosoc_only", "non_objection_vote",
                                                             "single_state_veto"}


def test_list_one_section_only(capsys):
    assert main(["list", "experiment"]) == 0
    out = capsys.readouterr().out
    assert "cosp_access" in out and "cosp_draft_rule_17" not in out


def test_run_cfg_prints_the_validated_config_and_runs_nothing(tmp_path, capsys):
    out_dir = tmp_path / "never"
    assert main(["run", "--cfg", f"run_dir={out_dir}", "seed=9", "rules=open_door"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["seed"] == 9 and printed["rules"]["accreditation"]["procedure"] == "open"
    assert not out_dir.exists()


def test_run_cfg_still_validates(capsys):
    assert main(["run", "--cfg", "replicates=0"]) == 2
    assert "replicates" in capsys.readouterr().err


def test_run_writes_csv_beside_parquet_when_asked(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--format", "csv", f"run_dir={out}", "replicates=3", "seed=4"]) == 0
    parquet, csv = pd.read_parquet(out / "results.parquet"), pd.read_csv(out / "results.csv")
    assert list(csv.columns) == list(parquet.columns) and len(csv) == 3
    pd.testing.assert_frame_equal(csv[["replicate", "seed"]] if "seed" in csv else csv[["replicate"]],
                                  parquet[["replicate", "seed"]] if "seed" in parquet else parquet[["replicate"]],
                                  check_dtype=False)
