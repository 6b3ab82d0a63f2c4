"""engine=dask as a user runs it: the basic launcher's table bit for bit, only the missing cells sent (counted by
the scheduler), failures recorded, Ctrl-C and SIGTERM that save the finished cells and resume to the same table, and
clear errors for a bad engine configuration."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments import dask_engine
from experiments import sweep as sw
from experiments.cli import main

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
# 2 speaking allocations x 3 speaking times = 6 cells of 6 replicates
GRID = ["experiment=speaking_time", "replicates=6", "rules.speaking_minutes=0,15,60",
        "rules.speaking=individual,coalition_spokespersons"]


def _sweep(overrides, folder, **kw):
    return sw.sweep([*overrides, f"sweep.dir={folder}"], progress=False, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The basic launcher's table of GRID (one cell after the other, in this process)."""
    return _sweep(GRID, tmp_path_factory.mktemp("basic")).table


@pytest.fixture(scope="module")
def in_process_cluster():
    """A scheduler and two single-threaded workers in this process (so the test can read the scheduler's log)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster:
        yield cluster


def _cells_run_by(cluster, since: int) -> list[str]:
    """Cell ids of the plenary tasks that the scheduler saw finish (reach memory) after log entry ``since``."""
    log = list(cluster.scheduler.transition_log)[since:]
    return sorted(t.key.split("-")[2] for t in log if str(t.key).startswith("plenary-cell-") and t.finish == "memory")


def test_a_local_dask_cluster_gives_the_basic_launchers_table_bit_for_bit(tmp_path, reference, capsys):
    out = _sweep([*GRID, "engine=dask", "dask.workers=2"], tmp_path)
    assert out.line() == "0 reused, 6 run, 0 failed"
    pd.testing.assert_frame_equal(out.table, reference, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "results.parquet"), reference, check_exact=True)
    assert "6 cells on a local dask cluster of 2 worker processes on 127.0.0.1" in capsys.readouterr().err
    pids = {json.loads((tmp_path / "cells" / c / "cell.json").read_text())["pid"] for c in out.table["cell"].unique()}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2          # computed in the worker processes
    assert sorted(p.name for p in (tmp_path / "cells").iterdir()) == sorted(out.table["cell"].unique())


def test_only_the_cells_not_yet_finished_are_sent_to_the_scheduler(tmp_path, reference, in_process_cluster):
    first = _sweep([*GRID[:2], "rules.speaking_minutes=0,60", GRID[3]], tmp_path)      # 4 of the 6 cells, basic
    before = {c: (tmp_path / "cells" / c / "cell.json").read_text() for c in first.table["cell"].unique()}
    since = len(in_process_cluster.scheduler.transition_log)
    out = _sweep([*GRID, "engine=dask", f"dask.address={in_process_cluster.scheduler_address}"], tmp_path)
    missing = sorted(set(reference["cell"]) - set(before))
    assert len(before) == 4 and len(missing) == 2
    assert _cells_run_by(in_process_cluster, since) == missing
    assert out.line() == "4 reused, 2 run, 0 failed"
    assert {c: (tmp_path / "cells" / c / "cell.json").read_text() for c in before} == before   # untouched
    pd.testing.assert_frame_equal(out.table, reference, check_exact=True)
    since = len(in_process_cluster.scheduler.transition_log)
    again = _sweep([*GRID, "engine=dask", f"dask.address={in_process_cluster.scheduler_address}"], tmp_path)
    assert again.line() == "6 reused, 0 run, 0 failed" and _cells_run_by(in_process_cluster, since) == []


def test_a_failing_cell_is_recorded_and_the_others_are_saved(tmp_path, reference, in_process_cluster, monkeypatch,
                                                             capsys):
    bad = reference.loc[reference["rules.speaking_minutes"] == 15, "cell"].unique()
    real = dask_engine.run_cell

    def flaky(cfg, cell, folder):                         # runs in the in-process workers
        if cell.id in bad:
            raise RuntimeError("injected failure")
        real(cfg, cell, folder)

    monkeypatch.setattr(dask_engine, "run_cell", flaky)
    out = _sweep([*GRID, "engine=dask", f"dask.address={in_process_cluster.scheduler_address}"], tmp_path)
    assert out.line() == "0 reused, 4 run, 2 failed" and sorted(c.id for c in out.failed) == sorted(bad)
    record = json.loads((tmp_path / "failed" / f"{bad[0]}.json").read_text())
    assert record["error"] == "RuntimeError: injected failure" and "flaky" in record["traceback"]
    assert "cell failed (rules.speaking_minutes=15" in capsys.readouterr().err
    monkeypatch.setattr(dask_engine, "run_cell", real)
    out = _sweep([*GRID, "engine=dask", f"dask.address={in_process_cluster.scheduler_address}"], tmp_path)
    assert out.line() == "4 reused, 2 run, 0 failed" and not list((tmp_path / "failed").glob("*.json"))
    pd.testing.assert_frame_equal(out.table, reference, check_exact=True)


def test_no_worker_for_too_long_ends_the_sweep_instead_of_waiting_for_ever(tmp_path, capsys):
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as empty:
        started = time.monotonic()
        out = _sweep([*GRID, "engine=dask", f"dask.address={empty.scheduler_address}", "dask.worker_timeout=2"],
                     tmp_path)
    assert time.monotonic() - started < 60
    assert not out.failed and len(out.unfinished) == 6 and out.table.empty and not (tmp_path / "cells").exists()
    err = capsys.readouterr().err
    assert "no dask worker connected for 2 s" in err and "not finished: 0 running, 6 queued, 0 not sent" in err


@pytest.mark.parametrize(("override", "message"), [
    ("engine=dsak", "engine: unknown value 'dsak' (allowed: hydra | dask)"),
    ("dask.cluster=slurmm", "dask.cluster: unknown value 'slurmm' (allowed: local | slurm | pbs | sge)"),
    ("dask.cluster=slurm", "dask.workers: the number of workers to start as slurm jobs is required"),
    ("dask.address=tcp://127.0.0.1:9", "dask.address: no dask scheduler answers at tcp://127.0.0.1:9"),
    ("dask.cluster=slurm dask.workers=1 +dask.job.bogus=1",
     "dask.job: dask-jobqueue refused the slurm job settings: Got unexpected keyword argument 'bogus'"),
])
def test_a_bad_engine_configuration_is_one_clear_message_and_exit_2(tmp_path, capsys, override, message):
    extra = [] if override.startswith("engine=") else ["engine=dask"]
    code = main(["sweep", "--quiet", *GRID, *extra, *override.split(), f"sweep.dir={tmp_path}"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "cells").exists() and not (tmp_path / "results.parquet").exists()


# ------------------------------------------------------------------------------------------------ interruptions
def _interrupt(folder: Path, args: list[str], sig: int, after: int) -> tuple[int, str]:
    """Run the CLI, send ``sig`` once ``after`` more cells are saved, return the exit status and stderr."""
    before = len(sw.finished(folder))
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "sweep", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while len(sw.finished(folder)) < before + after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


@pytest.mark.slow
def test_ctrl_c_and_sigterm_save_the_finished_cells_and_the_sweep_resumes_to_the_same_table(tmp_path, reference):
    args = ["--quiet", *GRID, "engine=dask", "dask.workers=1", f"sweep.dir={tmp_path}"]
    code, text = _interrupt(tmp_path, args, signal.SIGINT, after=1)
    assert code == 130, text
    assert "Traceback" not in text and "interrupted by SIGINT" in text and "Run the same command to resume" in text
    saved = sw.finished(tmp_path)
    assert 1 <= len(saved) < 6                                 # interrupted mid-sweep
    partial = pd.read_parquet(tmp_path / "results.parquet")
    assert set(partial["cell"]) == saved
    expected = reference[reference["cell"].isin(saved)].reset_index(drop=True)
    pd.testing.assert_frame_equal(partial, expected, check_exact=True)
    assert json.loads((tmp_path / "manifest.json").read_text())["cells_finished"] == len(saved)
    if len(saved) < 5:                                          # SIGTERM in a second run, if cells are left
        code, text = _interrupt(tmp_path, args, signal.SIGTERM, after=1)
        assert code == 143 and "Traceback" not in text and "interrupted by SIGTERM" in text, text
        assert len(saved) < len(sw.finished(tmp_path)) <= 6
    assert main(["sweep", *args]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "results.parquet"), reference, check_exact=True)


def test_local_workers_run_without_dasks_aggressive_malloc_trim(tmp_path, monkeypatch):
    # dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 by default, which made every cell ~40% slower (page faults on
    # the engine's per-session arrays); the local cluster's workers must not have it, and keep one BLAS thread
    import os

    import dask

    from experiments import dask_engine
    from sim.config import DaskSpec

    monkeypatch.delenv(dask_engine.TRIM, raising=False)
    assert dask.config.get(dask_engine.NANNY_ENVIRON).get(dask_engine.TRIM) is not None   # dask's default has it
    with dask_engine.connect(DaskSpec(workers=1), 1, tmp_path) as (client, _):
        env = client.submit(lambda: dict(os.environ), pure=False).result()
    assert dask_engine.TRIM not in env
    assert env.get("OMP_NUM_THREADS") == "1"


def test_batch_jobs_unset_the_malloc_trim_setting_through_dask_config(tmp_path, monkeypatch):
    # the job script exports a DASK_ variable that dask merges into the nanny's pre-spawn environment: the same
    # unset (None) as the local cluster's, read back here as the worker's dask would read it
    pytest.importorskip("dask_jobqueue")
    import ast
    import shlex

    import dask

    from experiments import dask_engine
    from sim.config import DaskSpec

    with dask_engine._jobqueue(DaskSpec(cluster="slurm", workers=1), tmp_path) as cluster:
        script = cluster.job_script()
    assert dask_engine.TRIM_EXPORT in script.splitlines()
    name, value = dask_engine.TRIM_EXPORT.removeprefix("export ").split("=", 1)
    monkeypatch.setenv(name, shlex.split(value)[0])
    assert ast.literal_eval(shlex.split(value)[0]) == {dask_engine.TRIM: None}
    import copy

    import distributed  # noqa: F401  (its defaults, as on a worker)

    from_env = dask.config.collect(paths=[], env={name: shlex.split(value)[0]})
    merged = dask.config.update(copy.deepcopy(dask.config.config), from_env)
    environ = dask.config.get(dask_engine.NANNY_ENVIRON, config=merged)
    assert environ[dask_engine.TRIM] is None and environ["OMP_NUM_THREADS"] == 1    # unset; the rest kept
