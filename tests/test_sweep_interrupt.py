"""Sweeps interrupted and launched elsewhere: Ctrl-C and SIGTERM gather the finished cells and exit 130/143 without a
traceback; kills at random moments resume to the same table; a Hydra launcher gets only the cells not yet finished,
is never waited on for ever, and a late success wins over a stale failure record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import sweep as sw

ROOT = Path(__file__).resolve().parents[1]
LONG = ["experiment=speaking_time", "replicates=48", "variants=leave_one_type_out",
        "rules.speaking_minutes=0,5,10,15,20,30,45,60", "rules.speaking=individual"]
SMALL = ["experiment=speaking_time", "replicates=6", "rules.speaking_minutes=0,15,60", "rules.speaking=individual"]


def _start(folder: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "experiments.cli", "sweep", "--quiet", *LONG, f"sweep.dir={folder}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for(folder: Path, proc: subprocess.Popen, n: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while len(sw.finished(folder)) < n and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """The uninterrupted table of LONG."""
    return sw.sweep([*LONG, f"sweep.dir={tmp_path_factory.mktemp('fresh')}"], progress=False).table


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_gathers_the_finished_cells_and_exits_130_or_143_without_a_traceback(tmp_path, signum, code):
    proc = _start(tmp_path)
    _wait_for(tmp_path, proc, 2)
    os.kill(proc.pid, signum)
    out, err = proc.communicate(timeout=120)
    done = sw.finished(tmp_path)
    assert proc.returncode == code, err
    assert "Traceback" not in err and f"interrupted ({signal.Signals(signum).name})" in err
    assert 2 <= len(done) < 8, "the signal must land mid-sweep"
    assert f"{len(done)} of 8 cells finished" in err and "not finished" in err
    table = pd.read_parquet(tmp_path / "results.parquet")
    assert set(table["cell"]) == done and len(table) == 48 * len(done)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["last_run"]["interrupted"] == signal.Signals(signum).name
    assert manifest["cells_finished"] == len(done) and manifest["cells"] == 8
    assert len(manifest["last_run"]["unfinished"]) == 8 - len(done) and not manifest["last_run"]["failed"]
    assert not [p for p in (tmp_path / "cells").iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_kills_at_random_moments_then_a_resume_give_the_uninterrupted_table(tmp_path, fresh):
    rng = np.random.default_rng(20241224)
    for _ in range(4):
        proc = _start(tmp_path)
        _wait_for(tmp_path, proc, min(len(sw.finished(tmp_path)) + 1, 8))
        time.sleep(rng.uniform(0.0, 0.6))                 # a random moment: mid-cell, mid-write or mid-gather
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert len(sw.finished(tmp_path)) < 8, "a kill must land before the end"
    resumed = sw.sweep([*LONG, f"sweep.dir={tmp_path}"], progress=False)
    assert not resumed.failed and not resumed.unfinished and not resumed.quarantined
    pd.testing.assert_frame_equal(resumed.table, fresh)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "results.parquet"), fresh)
    assert not [p for p in (tmp_path / "cells").iterdir() if p.name.startswith(".")]


# ------------------------------------------------------------------------------------------------ Hydra launchers
def test_a_hydra_launcher_gets_only_the_cells_not_yet_finished(tmp_path, monkeypatch):
    one = [*SMALL[:2], "rules.speaking_minutes=15", SMALL[3], f"sweep.dir={tmp_path}"]
    assert sw.sweep(one, progress=False).line() == "0 reused, 1 run, 0 failed"
    launched = []
    real = sw.run_one
    monkeypatch.setattr(sw, "run_one", lambda cfg, cell, *a, **k: launched.append(cell.id) or real(cfg, cell, *a, **k))
    out = sw.sweep([*SMALL, "hydra/launcher=basic", f"sweep.dir={tmp_path}"], progress=False)
    cells = sw.plan(SMALL).cells
    assert out.line() == "1 reused, 2 run, 0 failed" and sorted(launched) == sorted([cells[0].id, cells[2].id])
    reference = sw.sweep([*SMALL, f"sweep.dir={tmp_path / 'ref'}"], progress=False).table
    pd.testing.assert_frame_equal(out.table, reference)


def test_a_launcher_that_never_returns_is_left_after_the_wait_timeout_its_cells_not_finished_not_failed(
        tmp_path, monkeypatch, capsys):
    release = threading.Event()
    real = sw.run_cell
    stuck = sw.plan(SMALL).cells[1]

    def slow(cfg, cell, folder, **kw):
        if cell.id == stuck.id:
            release.wait(60)                        # a job whose state nobody can see
        return real(cfg, cell, folder, **kw)

    monkeypatch.setattr(sw, "run_cell", slow)
    started = time.monotonic()
    out = sw.sweep([*SMALL, "hydra/launcher=basic", "sweep.wait_timeout_min=0.03", f"sweep.dir={tmp_path}"],
                   progress=False)
    waited = time.monotonic() - started
    err = capsys.readouterr().err
    try:
        assert out.abandoned and not out.failed and waited < 30
        cells = sw.plan(SMALL).cells
        assert {c.id for c in cells[1:]} <= {c.id for c in out.unfinished} and stuck.id not in sw.finished(tmp_path)
        assert "sweep.wait_timeout_min=0.03" in err and "may still be running" in err
        assert out.line() == f"0 reused, {3 - len(out.unfinished)} run, 0 failed, {len(out.unfinished)} not finished"
    finally:
        release.set()
        for t in threading.enumerate():
            if t.name == "hydra-launcher":
                t.join(60)


def test_a_late_success_removes_the_stale_failure_record_of_a_racing_job(tmp_path, monkeypatch):
    real = sw.run_cell
    racing = sw.plan(SMALL).cells[0]

    def race(cfg, cell, folder, **kw):
        if cell.id == racing.id:              # another job's failure on the same cell, recorded while this one runs
            sw.io.write_json_atomic(folder.parent.parent / "failed" / f"{cell.id}.json", {"error": "lost the race"})
        return real(cfg, cell, folder, **kw)

    monkeypatch.setattr(sw, "run_cell", race)
    out = sw.sweep([*SMALL, "hydra/launcher=basic", f"sweep.dir={tmp_path}"], progress=False)
    assert out.line() == "0 reused, 3 run, 0 failed" and not (tmp_path / "failed" / f"{racing.id}.json").exists()


def test_submitit_gets_one_job_per_missing_cell_only(tmp_path):
    two = [*SMALL[:2], "rules.speaking_minutes=0,60", SMALL[3], f"sweep.dir={tmp_path}"]
    assert sw.sweep(two, progress=False).line() == "0 reused, 2 run, 0 failed"
    out = sw.sweep([*SMALL, "hydra/launcher=submitit_local", f"sweep.dir={tmp_path}"], progress=False)
    assert out.line() == "2 reused, 1 run, 0 failed"
    jobs = [p for p in (tmp_path / ".hydra" / ".submitit").iterdir() if p.name.isdigit()]   # one folder per job id
    assert len(jobs) == 1                                           # the array holds the missing cell alone


def test_an_unknown_engine_is_refused_naming_the_engines(tmp_path, capsys):
    from experiments.cli import main

    assert main(["sweep", "--quiet", *SMALL, "engine=dusk", f"sweep.dir={tmp_path / 's'}"]) == 2
    err = capsys.readouterr().err
    assert "engine" in err and "dask" in err and "Traceback" not in err and not (tmp_path / "s").exists()
