"""The console script's quick exit (experiments.cli.entry): it must keep every byte of output, every file and the
exit status of the ordinary exit, and leave Ctrl-C, tracebacks and --help to Python."""

import json
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from experiments.cli import FAST_EXIT, main

ENTRY = "import sys; from experiments.cli import entry; sys.argv[0] = 'plenary'; entry()"


def _plenary(*args, **kw):
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, timeout=300, **kw)


def test_list_output_is_complete_after_the_quick_exit(capsys):
    assert main(["list"]) == 0
    expected = capsys.readouterr().out
    proc = _plenary("list")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == expected and len(expected) > 1000       # all of it, though the process left at once


def test_bad_input_keeps_exit_2_and_its_one_line():
    proc = _plenary("run", "rules.speaking_minutes=-1")
    assert proc.returncode == 2
    assert proc.stderr.startswith("plenary: error:") and "rules.speaking_minutes" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_and_unknown_commands_exit_the_ordinary_way():
    assert _plenary("--help").returncode == 0 and "usage" in _plenary("--help").stdout
    proc = _plenary("rn")
    assert proc.returncode == 2 and "did you mean 'run'" in proc.stderr


def test_commands_that_start_processes_are_not_cut_short():
    assert {"sweep", "calibrate", "sensitivity", "validate", "dashboard"}.isdisjoint(FAST_EXIT)


@pytest.mark.slow
def test_run_through_the_console_script_writes_the_same_folder_as_main(tmp_path, capsys):
    direct, script = tmp_path / "direct", tmp_path / "script"
    assert main(["run", f"run_dir={direct}", "replicates=3", "seed=5"]) == 0
    proc = _plenary("run", f"run_dir={script}", "replicates=3", "seed=5")
    assert proc.returncode == 0, proc.stderr
    assert f"Results in {script}" in proc.stdout                   # the last line printed survives the quick exit
    pd.testing.assert_frame_equal(pd.read_parquet(direct / "results.parquet"),
                                  pd.read_parquet(script / "results.parquet"))
    assert sorted(p.name for p in direct.iterdir()) == sorted(p.name for p in script.iterdir())
    assert [p.name for p in tmp_path.iterdir() if p.name not in ("direct", "script")] == []   # no temporary left
    phases = json.loads((script / "manifest.json").read_text())["phases_s"]
    assert {"imports", "compose", "world", "engine_and_after_adoption", "tables", "charts"} <= set(phases)
    assert all(v >= 0 for v in phases.values())


@pytest.mark.slow
def test_ctrl_c_during_a_run_leaves_nothing_and_exits_by_the_signal(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", ENTRY, "run", f"run_dir={out}", "replicates=400"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as from a terminal: a runner started in the background passes SIGINT on ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(tmp_path.iterdir()) and time.monotonic() < deadline:   # the temporary folder: work has begun
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (-signal.SIGINT, 130), err          # Python's own KeyboardInterrupt exit
    assert not out.exists()
