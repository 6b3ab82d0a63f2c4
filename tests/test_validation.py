"""Bad input as issues 16 and 18 found it: every scenario value, key and command-line argument is checked before any
work, and a bad one gives exit status 2 and one line naming the key, what is wrong, what is allowed and (for a
misspelt name) the nearest valid one. Through the real entry point, ``plenary run --dry-run`` unless stated."""

from __future__ import annotations

from dataclasses import replace

import pytest

from experiments.cli import main
from sim import presets
from sim.config import ConfigError as ConfigErrorFromConfig
from sim.errors import ConfigError, DataError, nearest
from sim.scenario import DataError as DataErrorFromScenario
from sim.scenario import build_world


def _refused(capsys, argv, *names) -> str:
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith("plenary: error: ") and err.count("\n") == 1 and "Traceback" not in err
    for name in names:
        assert name in err, (name, err)
    return err


def _dry(tmp_path, override: str) -> list[str]:
    return ["run", "--dry-run", f"run_dir={tmp_path / 'run'}", override]


# the classes of the 192 generated inputs of issue 18 (traceback, memory or accepted), and issue 16's CLI cases
@pytest.mark.parametrize("override, names", [
    ("scenario.organisations.count=-5", ["scenario.organisations.count", ">= 1"]),
    ("scenario.organisations.count=0", ["scenario.organisations.count", ">= 1"]),
    ("scenario.agenda_items=-1", ["scenario.agenda_items", ">= 1"]),
    ("scenario.organisations.types.human_rights.share=-0.2", ["types.human_rights.share", ">= 0"]),
    ("scenario.organisations.types.human_rights.share=0.5", ["scenario.organisations.types", "sum to 1.3",
                                                            "human_rights.share=0.5"]),
    ("+foo=1", ["foo", "new keys", "replicates"]),
    ("scenario.minutes_per_day=-360", ["scenario.minutes_per_day", "> 0"]),
    ("scenario.minutes_per_day=inf", ["scenario.minutes_per_day", "not a finite number"]),
    ("scenario.state_mapping.noise_sd=-5", ["scenario.state_mapping.noise_sd", ">= 0"]),
    ("scenario.state_mapping.scale=nan", ["scenario.state_mapping.scale", "not a finite number"]),
    ("scenario.organisations.dirichlet_concentration=0", ["scenario.organisations.dirichlet_concentration", "> 0"]),
    ("scenario.sessions.0.days=-10", ["scenario.sessions.0.days", "> 0"]),
    ("scenario.blocs.0.cohesion=5", ["scenario.blocs.0.cohesion", "<= 1"]),
    ("scenario.treaty.eif_ratifications=500", ["scenario.treaty.eif_ratifications", "193 states", "[1, 193]"]),
    ("scenario.organisations.count=100000000", ["scenario.organisations.count", "GiB", "memory_budget_gb"]),
    ("scenario.agenda_items=1000000000", ["scenario.agenda_items", "GiB", "memory_budget_gb"]),
    ("scenario.agenda_items=1e9", ["scenario.agenda_items", "Integer"]),
    ("scenario.issues.0.technical=maybe", ["scenario.issues.0.technical", "true | false"]),
    ("scenario.blocs.0.salience=[0.5,0.5]", ["scenario.blocs.0.salience", "10 numbers"]),
    ("scenario.sessions.2.kind=resumd", ["scenario.sessions.2.kind", "'resumed'"]),
    ("scenario.issues.0.role=powr", ["scenario.issues.0.role", "'power'", "safeguard"]),
    ("params.camp_salience=-1", ["params.camp_salience", "[0, 4]"]),
    ("scenario.treaty.reservable=[scope,realtim]", ["scenario.treaty.reservable.1", "'realtime'"]),
    ("scenario.state_mapping.vote_yes_above=40", ["vote_no_below", "vote_yes_above"]),
    ("scenario.organisations.types.industry.resources=[0.9,0.1]", ["types.industry.resources", "reversed"]),
    ("scenario.organisations.types.lobbyists={share: 0}", ["scenario.organisations.types", "law_enforcement"]),
    ("scenario.states_file=nowhere.csv", ["scenario.states_file", "nowhere.csv"]),
    ("replicats=3", ["replicats", "did you mean 'replicates'"]),
    ("params.susceptibilty=0.5", ["params.susceptibilty", "did you mean 'params.susceptibility'"]),
    ("run.dir=/tmp/x", ["did you mean 'run_dir'?"]),                  # a plain field keeps no sub-key
    ("rule.speaking_minutes=3", ["did you mean 'rules.speaking_minutes'?"]),   # a group keeps the rest
    ("rules.accreditation=no_such_rule", ["rules.accreditation", "single_state_veto", "non_objection_vote"]),
    ("rules.accreditation=veto", ["rules.accreditation", "group of settings", "rules.accreditation.procedure="]),
    ("rules.accreditation=singel_state_veto", ["did you mean 'rules.accreditation.procedure=single_state_veto'"]),
    ("rules.accreditation.procedure=single_veto", ["rules.accreditation.procedure", "'single_state_veto'"]),
    ("rules=open_dor", ["rules", "did you mean 'open_door'"]),
    ("cosp.position_sd=nan", ["cosp.position_sd", "not a finite number"]),
    ("memory_budget_gb=-1", ["memory_budget_gb", "> 0"]),
    ("seed=-3", ["seed", ">= 0"]),
])
def test_bad_values_and_keys_exit_2_naming_the_key(tmp_path, capsys, override, names):
    _refused(capsys, _dry(tmp_path, override), *names)
    assert not list(tmp_path.iterdir())


def test_the_default_config_validates_without_writing(tmp_path, capsys):
    assert main(["run", "--dry-run", f"run_dir={tmp_path / 'run'}", "--replicates", "5"]) == 0
    out = capsys.readouterr().out
    assert "valid: 193 states, 200 organisations" in out and "5 replicates x 8 variants" in out
    assert not list(tmp_path.iterdir())


def test_a_run_dir_under_a_file_is_refused_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    _refused(capsys, _dry(tmp_path, f"run_dir={blocker / 'run'}"), "run_dir", "not a folder")
    _refused(capsys, ["run", f"run_dir={blocker / 'sub' / 'run'}", "replicates=1"], "run_dir", str(blocker))
    assert blocker.read_text() == "not a folder"


def test_an_unknown_launcher_is_refused_on_a_dry_sweep(tmp_path, capsys):
    _refused(capsys, ["sweep", "--dry-run", "experiment=ahc_counterfactuals", f"sweep.dir={tmp_path / 's'}",
                      "hydra/launcher=foo"], "hydra/launcher", "'foo'", "joblib")
    _refused(capsys, ["sweep", "--dry-run", "experiment=ahc_counterfactuals", f"sweep.dir={tmp_path / 's'}",
                      "hydra/launcher=jobilb"], "did you mean 'joblib'")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("argv, names", [
    (["validate", "--replicates", "0"], ["--replicates", ">= 1"]),
    (["validate", "--replicates", "many"], ["--replicates", "'many'"]),
    (["sensitivity", "--trajectories", "0"], ["--trajectories", ">= 1"]),
    (["calibrate", "--cores", "0"], ["--cores", ">= 1"]),
    (["run", "--replicats", "3"], ["--replicats", "did you mean '--replicates'"]),
    (["rnu"], ["'rnu'", "did you mean 'run'"]),
    (["report"], ["sweep_dir"]),
])
def test_bad_command_lines_exit_2_with_one_line(capsys, argv, names):
    _refused(capsys, argv, *names)


def test_run_accepts_replicates_as_an_option(tmp_path, capsys):
    assert main(["run", "--replicates", "3", "variants=none", f"run_dir={tmp_path / 'run'}"]) == 0
    import pandas as pd

    assert len(pd.read_parquet(tmp_path / "run" / "results.parquet")) == 3


def test_run_cfg_prints_the_composed_config_and_runs_nothing(tmp_path, capsys):
    assert main(["run", "--cfg", "seed=5", f"run_dir={tmp_path / 'run'}"]) == 0
    out = capsys.readouterr().out
    assert "seed: 5" in out and "agenda_items: 10" in out and not (tmp_path / "run").exists()


def test_old_imports_of_the_error_classes_still_work():
    assert ConfigErrorFromConfig is ConfigError and DataErrorFromScenario is DataError
    assert issubclass(DataError, ConfigError) and issubclass(ConfigError, ValueError)


def test_python_users_get_the_same_checks_as_the_command_line():
    sc = presets.scenario()
    bloc = replace(sc.blocs[0], cohesion=-0.1)
    with pytest.raises(ConfigError, match=r"scenario\.blocs\.0\.cohesion"):
        build_world(replace(sc, blocs=[bloc, *sc.blocs[1:]]), 1)
    with pytest.raises(ConfigError, match="vote_yes_above"):
        build_world(replace(sc, state_mapping=replace(sc.state_mapping, vote_yes_above=float("nan"))), 1)
    with pytest.raises(ConfigError, match=r"did you mean 'realtime'"):
        build_world(replace(sc, treaty=replace(sc.treaty, reservable=["realtim"])), 1)


def test_a_capability_entry_for_an_unknown_state_is_refused():
    sc = presets.scenario()
    mapping = replace(sc.state_mapping, capability={**sc.state_mapping.capability, "XQ": 2.0})
    with pytest.raises(ConfigError, match=r"scenario\.state_mapping\.capability.*'XQ'"):
        build_world(replace(sc, state_mapping=mapping), 1)


def test_nearest_suggests_close_names_and_nothing_for_strangers():
    assert nearest("replicats", ["replicates", "seed"]) == ["replicates"]
    assert nearest("zzz", ["replicates", "seed"]) == []


@pytest.mark.parametrize("command", ["validate", "sensitivity", "calibrate", "compare"])
def test_an_unwritable_out_is_refused_before_any_work(tmp_path, capsys, command):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = [command, "--out", str(blocker / "sub" / ("calibrated.yaml" if command == "calibrate" else "out"))]
    _refused(capsys, argv + (["data.csv"] if command == "compare" else []), "--out", "is a file, not a folder")
