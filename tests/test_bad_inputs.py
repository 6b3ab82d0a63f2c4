"""Bad input to every user-facing subcommand, generated from one table of bad overrides and one of bad options
per subcommand: each must end with exit status 2, one line ``plenary: error: ...`` naming what is wrong (and a
did-you-mean for a misspelt name), no traceback and nothing written. In-process calls keep this quick; the
subcommands whose refusal composes Hydra several times are marked slow."""

import pytest

from experiments.cli import main

# (override, words the message must hold): the key, the allowed values or the suggestion
BAD_OVERRIDES = [
    ("replicats=4", ["replicats", "did you mean", "replicates"]),
    ("seeed=3", ["seeed", "seed"]),
    ("params.susceptibilty=0.5", ["susceptibilty", "susceptibility"]),
    ("rules.speking=open", ["speking", "speaking"]),
    ("rules.accreditation.procedur=veto", ["procedur", "procedure"]),
    ("rule.speaking_minutes=5", ["rule", "rules"]),
    ("rules=nowhere", ["nowhere", "open_door"]),
    ("rules=open_dor", ["open_dor", "open_door"]),
    ("params=nothing_here", ["nothing_here"]),
    ("scenario=atlantis", ["atlantis"]),
    ("rules.accreditation=no_such_rule", ["rules.accreditation", "no_such_rule"]),
    ("rules.accreditation.procedure=lottery", ["rules.accreditation.procedure", "lottery"]),
    ("rules.speaking=shouting", ["rules.speaking", "shouting"]),
    ("rules.informals=secret", ["rules.informals", "participants"]),
    ("rules.document_access=stolen", ["rules.document_access", "stolen"]),
    ("rules.speaking_minutes=-5", ["rules.speaking_minutes", "[0, 600]"]),
    ("rules.speaking_minutes=601", ["rules.speaking_minutes", "600"]),
    ("rules.speaking_minutes=lots", ["rules.speaking_minutes"]),
    ("rules.statement_minutes=0.1", ["rules.statement_minutes", "0.5"]),
    ("rules.statement_minutes=61", ["rules.statement_minutes", "60"]),
    ("rules.informal_share=1.5", ["rules.informal_share", "[0, 1]"]),
    ("rules.informal_share=-0.1", ["rules.informal_share"]),
    ("rules.informal_share=[0.2,0.5]", ["rules.informal_share"]),
    ("rules.written_submissions=maybe", ["written_submissions"]),
    ("rules.intersessional=7", ["intersessional"]),
    ("rules.bogus=1", ["bogus"]),
    ("params.susceptibility=1.5", ["params.susceptibility", "[0, 1]"]),
    ("params.susceptibility=-1", ["params.susceptibility"]),
    ("params.susceptibility=abc", ["params.susceptibility"]),
    ("replicates=0", ["replicates"]),
    ("replicates=-3", ["replicates"]),
    ("replicates=two", ["replicates"]),
    ("seed=-1", ["seed"]),
    ("seed=1.5", ["seed"]),
    ("chunk_size=0", ["chunk_size"]),
    ("variants=everything", ["variants", "everything"]),
    ("chain=forever", ["chain", "forever"]),
    ("posterior.draws=-2", ["posterior.draws"]),
    ("engine=ray", ["engine", "ray"]),
    ("scenario.states_file=/no/such/states.csv", ["states.csv"]),
    ("a b c", ["a b c"]),
    ("rules.speaking_minutes=[1,", ["rules.speaking_minutes"]),
    ("=5", ["=5"]),
]

# options that take overrides too: (command line before the override, [] for none)
OVERRIDE_COMMANDS = {"run": ["run"], "validate": ["validate", "--replicates", "2"],
                     "sensitivity": ["sensitivity", "--replicates", "2", "--trajectories", "2"],
                     "calibrate": ["calibrate", "--budget", "quick"], "sweep": ["sweep", "--dry-run"]}
SLOW = {"sweep", "calibrate"}

BAD_OPTIONS = [
    (["run", "--replicates", "0"], ["--replicates", ">= 1"]),
    (["run", "--replicates", "many"], ["--replicates", "whole number"]),
    (["run", "--format", "xlsx"], ["--format", "csv"]),
    (["run", "--replicats", "3"], ["--replicats", "did you mean"]),
    (["rn"], ["rn", "did you mean 'run'"]),
    (["list", "everything"], ["everything", "rules"]),
    (["list", "rule"], ["rule", "did you mean"]),
    (["validate", "--replicates", "0"], ["--replicates", ">= 1"]),
    (["validate", "--replicates", "-4"], ["--replicates"]),
    (["validate", "--replicats", "4"], ["--replicats", "did you mean"]),
    (["validate", "--out", "/proc/no/such/place"], ["--out"]),
    (["sensitivity", "--trajectories", "0"], ["--trajectories", ">= 1"]),
    (["sensitivity", "--trajectories", "x"], ["--trajectories"]),
    (["sensitivity", "--method", "fast"], ["--method", "morris"]),
    (["sensitivity", "--replicates", "0"], ["--replicates"]),
    (["sensitivity", "--budget", "0"], ["--budget"]),
    (["sensitivity", "--out", "/proc/no/such/place"], ["--out"]),
    (["calibrate", "--engine", "ray"], ["--engine", "dask"]),
    (["calibrate", "--cores", "0"], ["--cores", ">= 1"]),
    (["calibrate", "--out", "/proc/no/such/place/x"], ["--out"]),
    (["sweep", "--verfy"], ["--verfy", "did you mean"]),
    (["compare"], ["file"]),
    (["compare", "no_such_file.csv"], ["no_such_file.csv"]),
    (["compare", "--out", "/proc/no/such/place", "x.csv"], ["--out"]),
    (["report"], ["sweep_dir"]),
    (["report", "no_such_sweep"], ["no_such_sweep"]),
    (["dashboard", "--port", "0"], ["--port", ">= 1"]),
    (["dashboard", "--port", "http"], ["--port"]),
]


def _refused(argv, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                     # anything written by mistake would land here
    before = sorted(tmp_path.rglob("*"))
    assert main(argv) == 2, argv
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("plenary: error:") and err.count("\n") == 1, err
    assert "Traceback" not in err + captured.out
    for word in words:
        assert word in err, (word, err)
    assert sorted(tmp_path.rglob("*")) == before    # nothing written, not even an empty folder


CASES = [pytest.param(cmd, override, words, id=f"{cmd}:{override}",
                      marks=[pytest.mark.slow] if cmd in SLOW else [])
         for cmd in OVERRIDE_COMMANDS for override, words in BAD_OVERRIDES]


@pytest.mark.parametrize("cmd, override, words", CASES)
def test_a_bad_override_is_refused_by_every_subcommand(cmd, override, words, tmp_path, monkeypatch, capsys):
    _refused([*OVERRIDE_COMMANDS[cmd], override], words, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("argv, words", BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_a_bad_option_is_refused(argv, words, tmp_path, monkeypatch, capsys):
    _refused(argv, words, tmp_path, monkeypatch, capsys)


BAD_DECIDE = {
    "empty.csv": "",
    "no_actors.csv": "#P;x;0;100\n",
    "text.csv": "hello world\n",
    "bad_number.csv": "#A;FR;France;abc\n#P;x;0;100\n#M;FR;x;50;1\n",
}


@pytest.mark.parametrize("name", sorted(BAD_DECIDE))
def test_a_malformed_decide_file_is_refused(name, tmp_path, monkeypatch, capsys):
    data = tmp_path / "in"
    data.mkdir()
    (data / name).write_text(BAD_DECIDE[name])
    _refused(["compare", str(data / name), "--out", str(tmp_path / "out")], [name], tmp_path, monkeypatch, capsys)


def test_report_of_a_folder_that_is_no_sweep(tmp_path, monkeypatch, capsys):
    (tmp_path / "empty").mkdir()
    _refused(["report", str(tmp_path / "empty")], ["empty"], tmp_path, monkeypatch, capsys)


def test_the_tables_cover_at_least_40_bad_inputs_per_subcommand():
    assert len(BAD_OVERRIDES) >= 40 and set(OVERRIDE_COMMANDS) >= {"run", "validate", "sensitivity", "calibrate",
                                                                    "sweep"}
