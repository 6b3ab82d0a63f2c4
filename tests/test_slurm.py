"""Sweeps on a real SLURM (the one-node cluster that .ci/slurm_one_node.sh starts): Hydra's submitit_slurm launcher
(one batch job per cell) and engine=dask with dask-jobqueue's SLURMCluster (a few worker jobs for the whole sweep)
give the basic launcher's table bit for bit, and SLURM's own job records show what each costs in jobs.

Skipped when no SLURM answers here; under PLENARY_REQUIRE_SLURM=1 (CI) a missing SLURM is a failure instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from experiments import sweep as sw

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = os.environ.get("PLENARY_REQUIRE_SLURM") == "1"
GRID = ["experiment=speaking_time", "replicates=6", "rules.speaking_minutes=0,15,60,30", "rules.speaking=individual"]
WAIT = 900          # seconds: a stuck job fails the test instead of hanging CI

pytestmark = pytest.mark.slow


def _slurm_missing() -> str | None:
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "no SLURM client (sinfo, sbatch) on PATH"
    try:
        states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 30 s"
    if states.returncode != 0:
        return f"sinfo failed: {states.stderr.strip()}"
    if not {"idle", "mixed", "allocated"} & set(states.stdout.split()):
        return f"no SLURM node is up (states: {states.stdout.split()})"
    return None


@pytest.fixture(scope="module")
def slurm():
    why = _slurm_missing()
    if why:
        if REQUIRED:
            pytest.fail(f"PLENARY_REQUIRE_SLURM=1 but {why} (start one: bash .ci/slurm_one_node.sh)")
        pytest.skip(why)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return sw.sweep([*GRID, f"sweep.dir={tmp_path_factory.mktemp('basic')}"], progress=False).table


def _jobs_named(name: str) -> int:
    """How many SLURM jobs (array tasks counted one by one) ran under this job name (scontrol keeps finished
    jobs for MinJobAge, 300 s by default; no accounting database needed)."""
    out = subprocess.run(["scontrol", "-o", "show", "job"], capture_output=True, text=True, timeout=30).stdout
    return sum(f" JobName={name} " in f" {line} " for line in out.splitlines())


def _cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", "sweep", "--quiet", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=WAIT)


def test_submitit_slurm_runs_one_job_per_cell_and_gives_the_basic_launchers_table(slurm, reference, tmp_path):
    name = f"plenary-test-{uuid.uuid4().hex[:8]}"
    run = _cli([*GRID, "hydra/launcher=submitit_slurm", "hydra.launcher.timeout_min=15",
                "hydra.launcher.cpus_per_task=1", f"hydra.launcher.name={name}", f"sweep.dir={tmp_path}"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 reused, 4 run, 0 failed" in run.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "results.parquet"), reference, check_exact=True)
    assert _jobs_named(name) == 4                                   # one batch job per cell


def test_dask_jobqueue_on_slurm_runs_the_sweep_in_two_jobs_and_gives_the_basic_launchers_table(
        slurm, reference, tmp_path):
    name = f"plenary-test-{uuid.uuid4().hex[:8]}"
    run = _cli([*GRID, "engine=dask", "dask.cluster=slurm", "dask.workers=2", "dask.worker_timeout=300",
                "+dask.job.job_directives_skip=[--mem]", f"+dask.job.job_name={name}", f"sweep.dir={tmp_path}"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 reused, 4 run, 0 failed" in run.stdout and "2 dask workers as slurm jobs" in run.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "results.parquet"), reference, check_exact=True)
    assert _jobs_named(name) == 2                                   # two worker jobs for four cells
    squeue = subprocess.run(["squeue", "-h", "-n", name], capture_output=True, text=True, timeout=30).stdout
    assert squeue.strip() == ""                                     # and none left behind


def test_cancelled_jobs_are_noticed_in_the_queue_not_waited_on_until_the_timeout(slurm, tmp_path):
    # without an accounting database submitit cannot see a cancelled job; the sweep watches SLURM's queue instead
    name = f"plenary-test-{uuid.uuid4().hex[:8]}"
    args = [*GRID[:2], "rules.speaking_minutes=0,15", "rules.speaking=individual", "hydra/launcher=submitit_slurm",
            "hydra.launcher.timeout_min=15", "hydra.launcher.cpus_per_task=1", f"hydra.launcher.name={name}",
            "+hydra.launcher.additional_parameters={begin:now+900}",      # held pending until it is cancelled
            "sweep.wait_timeout_min=10", f"sweep.dir={tmp_path}"]
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "sweep", "--quiet", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _squeue(name):
            time.sleep(1)
        assert _squeue(name), "the sweep's array never reached the queue"
        subprocess.run(["scancel", "-n", name], check=True, timeout=30)
        cancelled = time.monotonic()
        out, err = proc.communicate(timeout=180)                      # far less than sweep.wait_timeout_min
    finally:
        proc.kill()
    assert time.monotonic() - cancelled < 180
    assert proc.returncode != 0
    assert "SLURM no longer lists the sweep's jobs" in err and "2 cells have no result" in err
    assert "not finished (their SLURM jobs are gone)" in err
    assert "0 run, 0 failed, 2 not finished" in out
    assert not (tmp_path / "failed").exists() or not list((tmp_path / "failed").iterdir())   # not called failed


def _squeue(name: str) -> str:
    return subprocess.run(["squeue", "-h", "-n", name], capture_output=True, text=True, timeout=30).stdout.strip()
