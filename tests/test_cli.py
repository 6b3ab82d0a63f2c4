"""The command line as a user meets it: a real run writes a complete folder; bad input gives one message naming
the key and what is allowed, exit status 2, no traceback and nothing written."""

import json
import subprocess
import sys
from dataclasses import fields

import pandas as pd
import pytest
import yaml

from experiments.cli import main
from sim import presets
from sim.config import Params
from sim.scenario import resolve_data_file


def test_plenary_run_writes_a_complete_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", f"run_dir={out}", "replicates=4", "seed=11"]) == 0
    assert {p.name for p in out.iterdir()} >= {"config.yaml", "manifest.json", "results.parquet", "summary.md",
                                                 "text_trajectory.png", "text_trajectory.svg"}
    table = pd.read_parquet(out / "results.parquet")
    assert len(table) == 4 and list(table["replicate"]) == [0, 1, 2, 3]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["versions"]["mesa"].startswith("3.5")
    assert yaml.safe_load((out / "config.yaml").read_text())["seed"] == 11
    assert "Influence by organisation type" in capsys.readouterr().out


@pytest.mark.parametrize("override, names", [
    ("rules.accreditation.procedure=lottery", ["rules.accreditation.procedure", "single_state_veto"]),
    ("rules.speaking_minutes=-5", ["rules.speaking_minutes", "[0, 600]"]),
    ("rules.informal_share=[0.2,0.5]", ["rules.informal_share", "8"]),
    ("rules.informals=secret", ["rules.informals", "participants"]),
    ("rules=nowhere", ["rules/nowhere", "open_door"]),
    ("rules.bogus=1", ["bogus", "Rules"]),
    ("params.susceptibility=1.5", ["params.susceptibility", "[0, 1]"]),
    ("replicates=0", ["replicates"]),
])
def test_bad_config_gives_one_clear_message_and_exit_2(tmp_path, capsys, override, names):
    out = tmp_path / "run"
    assert main(["run", f"run_dir={out}", "replicates=2", override]) == 2
    err = capsys.readouterr().err
    assert err.startswith("plenary: error:") and err.count("\n") == 1 and "Traceback" not in err
    for name in names:
        assert name in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_state_file_with_a_missing_column_is_refused(tmp_path, capsys):
    bad = tmp_path / "states.csv"
    bad.write_text("iso2,name,un_regional_group,eu_member,budapest_status,res74_247_vote\nFR,France,WEOG,1,party,no\n")
    assert main(["run", f"run_dir={tmp_path / 'run'}", f"scenario.states_file={bad}"]) == 2
    err = capsys.readouterr().err
    assert "missing column 'res74_247_cosponsor'" in err and "allowed: columns" in err
    assert not (tmp_path / "run").exists()


def test_state_file_with_a_bad_code_names_line_and_column(tmp_path, capsys):
    rows = resolve_data_file("states.csv").read_text().splitlines()
    rows[3] = rows[3].replace(",yes,", ",maybe,")
    bad = tmp_path / "states.csv"
    bad.write_text("\n".join(rows) + "\n")
    assert main(["run", f"run_dir={tmp_path / 'run'}", f"scenario.states_file={bad}"]) == 2
    assert "line 4, column res74_247_vote" in capsys.readouterr().err


def test_existing_run_dir_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", f"run_dir={out}", "replicates=2"]) == 2
    assert (out / "keep.txt").read_text() == "mine"


def test_console_script_exits_2_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "experiments.cli", "run", "rules.speaking_minutes=-1"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "rules.speaking_minutes" in proc.stderr


def test_params_file_mirrors_the_dataclass_defaults():
    shipped = yaml.safe_load((presets.config_dir() / "params" / "default.yaml").read_text())
    assert shipped == {f.name: f.default for f in fields(Params)}


@pytest.mark.parametrize("name", ["ahc_2022_2024", "open_door", "closed_door", "cosp_draft_rule_17"])
def test_every_rules_preset_composes_and_runs(tmp_path, name):
    assert main(["run", f"rules={name}", f"run_dir={tmp_path / name}", "replicates=2", "variants=none"]) == 0


def test_dashboard_without_the_workshop_extra_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a))
    assert main(["dashboard"]) == 2
    assert "workshop" in capsys.readouterr().err
