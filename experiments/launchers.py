"""Where a sweep's cells run: in this process, on joblib workers, or through a Hydra launcher; and how a sweep
stops (Ctrl-C, SIGTERM, a wait timeout) without losing a finished cell. The bookkeeping of one cell is
``experiments.sweep.run_one`` on every path, so every path gives the same folder and the same table.

- ``run_local``: one cell after the other in this process, from the planned configs (no Hydra compose per cell).
- ``run_joblib``: ``hydra/launcher=joblib`` as joblib.Parallel with the launcher's settings over the planned
  configs (again no compose per cell).
- ``run_hydra``: any other Hydra launcher (submitit_local, submitit_slurm, basic, ray) in a thread watched from
  here, given only the cells not yet finished (one batch: one array on SLURM), and left after
  ``sweep.wait_timeout_min`` (or once every cell is on disk while the launcher still waits on job states) so the
  command never waits for ever; its cells are then "not finished (may still be running)", not failed. On SLURM
  the sweep's jobs are also watched in the queue (``QueueWatch``): once none is listed while cells are missing
  (cancelled, or killed without a record, which submitit cannot see without an accounting database), the command
  stops waiting at once and says so.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import hydra
import numpy as np
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from . import sweep as sw
from .config import register_schemas
from .ledger import finished

if TYPE_CHECKING:
    from .sweep import Cell, Plan

GRACE_S = 60.0     # once every cell is on disk, how long to let a launcher finish its own wait before leaving it
QUEUE_POLL_S = 10.0   # how often to ask SLURM whether the sweep's jobs are still queued or running
QUEUE_EMPTY_POLLS = 2  # consecutive polls with none of them listed before their unfinished cells count as lost
LOST = "lost"          # run_hydra's answer when the sweep's SLURM jobs are gone while cells are missing
JOB_DIR = re.compile(r"^(\d+)(?:_\d+)?$")   # submitit's job folders: <job id> or <array id>_<task>


def slurm_jobs(folder: Path) -> set[str]:
    """The SLURM job ids submitit created for this sweep (from its job folders under .hydra/.submitit)."""
    root = folder / ".hydra" / ".submitit"
    return {m.group(1) for p in (root.iterdir() if root.is_dir() else []) if (m := JOB_DIR.match(p.name))}


def slurm_listed(jobs: set[str]) -> bool | None:
    """True when SLURM still lists any of ``jobs`` (queued or running), False when it lists none of them, None
    when it cannot be asked (no squeue, an error other than unknown job ids)."""
    try:
        out = subprocess.run(["squeue", "-h", "-o", "%i", "-j", ",".join(sorted(jobs))], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode == 0:
        return bool(out.stdout.strip())
    return False if "invalid job id" in out.stderr.lower() else None   # purged after MinJobAge: gone too


class QueueWatch:
    """Notices when SLURM no longer lists any job of the sweep while cells are still missing: jobs cancelled with
    scancel or killed without writing a failure record, which submitit cannot see without an accounting
    database (it then waits until sweep.wait_timeout_min)."""

    def __init__(self, folder: Path, enabled: bool):
        self.folder, self.enabled, self.empty, self.next_poll = folder, enabled, 0, time.monotonic() + QUEUE_POLL_S

    def lost(self) -> set[str] | None:
        """The job ids once they have been absent for QUEUE_EMPTY_POLLS polls in a row, else None."""
        if not self.enabled or time.monotonic() < self.next_poll:
            return None
        self.next_poll = time.monotonic() + QUEUE_POLL_S
        jobs = slurm_jobs(self.folder)
        listed = slurm_listed(jobs) if jobs else None
        self.empty = self.empty + 1 if listed is False else 0
        return jobs if self.empty >= QUEUE_EMPTY_POLLS else None


def _job(cfg: DictConfig) -> str:
    """The Hydra task function: the planned cell whose overrides this job has (its id checked against the plan)."""
    run_cfg = sw.to_run_config(cfg)
    sweep_dir = Path(HydraConfig.get().sweep.dir).parent
    task = tuple(HydraConfig.get().overrides.task)
    cid = sw.cell_id(run_cfg)
    entries = json.loads((sweep_dir / "plan.json").read_text())["cells"]
    entry = next((c for c in entries if tuple(c["overrides"]) == task), None) or \
        next((c for c in entries if c["id"] == cid), None)
    cell = sw.Cell(entry["id"] if entry else cid, task, entry["levers"] if entry else {})
    if cell.id != cid:
        sw._fail(sweep_dir, cell, f"this job computes cell id {cid} where the plan has {cell.id}: the code or configs "
              f"where the job runs (model version {sw.model_version()}) differ from the planning process")
        return "failed"
    status = sw.run_one(run_cfg, cell, sweep_dir, run_cfg.sweep.fail_fast)
    if status == "failed" and run_cfg.sweep.fail_fast:
        raise RuntimeError(f"cell {cell.id} failed (sweep.fail_fast=true)")
    return status


_hydra_job = hydra.main(config_path="pkg://sim.configs", config_name="config", version_base="1.3")(_job)


# ---------------------------------------------------------------------------------------------- progress
class Progress(threading.Thread):
    """Cells done, replicates per second and time left, from the cell folders (so it sees every launcher).

    A progress bar on a terminal; one line per finished cell otherwise (logs, CI, cluster jobs).
    """

    def __init__(self, folder: Path, todo: set[str], replicates: int, interval: float = 0.5, stream=None):
        super().__init__(daemon=True)
        self.folder, self.todo, self.replicates, self.interval = folder, todo, replicates, interval
        self.stream = stream or sys.stderr
        self.stop = threading.Event()

    def status(self, done: int, elapsed: float) -> str:
        rate = done * self.replicates / max(elapsed, 1e-9)
        left = (len(self.todo) - done) * elapsed / done if done else float("nan")
        eta = f"{left:.0f} s left" if np.isfinite(left) else "time left unknown"
        return f"{done}/{len(self.todo)} cells, {rate:,.0f} replicates/s, {eta}"

    def run(self) -> None:
        started, shown = time.perf_counter(), 0
        bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            bar = tqdm(total=len(self.todo), unit="cell", desc="cells", file=self.stream, dynamic_ncols=True)
        while True:
            stopping = self.stop.wait(self.interval)
            done = len(self.todo & finished(self.folder))
            elapsed = time.perf_counter() - started
            if bar is not None:
                bar.update(done - bar.n)
                bar.set_postfix_str(f"{done * self.replicates / max(elapsed, 1e-9):,.0f} replicates/s")
            elif done > shown:
                print(f"  {self.status(done, elapsed)}", file=self.stream, flush=True)
            shown = done
            if stopping:
                if bar is not None:
                    bar.close()
                return


# ---------------------------------------------------------------------------------------------- engines
class Interrupted(BaseException):      # not an Exception: no cell may record it as its failure
    """Ctrl-C or SIGTERM during a sweep: ``signum`` is the signal."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def signals():
    """SIGINT and SIGTERM raise Interrupted in the main thread for the duration (a SIGINT ignored stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        _SIGNALLED.append(signum)
        raise Interrupted(signum)

    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s, handler in old.items():
        if handler is not signal.SIG_IGN:
            signal.signal(s, stop)
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        _SIGNALLED.clear()


# Signals received under signals(): the Interrupted raised by the handler can be turned into another exception on
# its way out (raised inside a numba-compiled call it becomes "SystemError: ... returned a result with an exception
# set"), which a cell would record as its failure; run_one and run_local ask here first.
_SIGNALLED: list[int] = []


def raise_if_signalled() -> None:
    """Raise Interrupted if SIGINT/SIGTERM arrived under signals(), whatever became of its own exception."""
    if _SIGNALLED:
        raise Interrupted(_SIGNALLED[0])


@contextlib.contextmanager
def deferred_signals():
    """Hold SIGINT/SIGTERM while the results are gathered (a second Ctrl-C must not leave half a manifest)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, signal.SIG_IGN)
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def run_local(p: Plan, cells: list[Cell], folder: Path) -> bool:
    """Run the cells one after the other in this process, from the planned configs (no Hydra compose per cell)."""
    fail_fast = p.config.sweep.fail_fast
    for c in cells:
        status = sw.run_one(p.configs[c.id], c, folder, fail_fast)
        raise_if_signalled()
        if status == "failed" and fail_fast:
            break
    return False


def run_joblib(p: Plan, cells: list[Cell], folder: Path) -> bool:
    """hydra/launcher=joblib without Hydra's compose per job: joblib.Parallel with the launcher's settings
    (hydra.launcher.n_jobs, backend, prefer, ...) over the planned configs."""
    from joblib import Parallel, delayed

    settings = {k: v for k, v in p.launcher.items() if k != "_target_"}
    fail_fast = p.config.sweep.fail_fast
    Parallel(**settings)(delayed(sw.run_one)(p.configs[c.id], c, folder, fail_fast) for c in cells)
    return False


def _launch(overrides: list[str], folder: Path, pending: list[Cell]) -> None:
    """Hand the pending cells to Hydra's multirun (any launcher), with its job folders inside the sweep folder.

    Only the cells not yet finished are launched (one batch: one array on SLURM). Hydra's basic sweeper composes
    every job once more to validate it (~0.25 s a job); ``plan`` has already validated every cell more strictly
    (schema, ranges and schedules), so that pass is skipped for the duration of the launch.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.global_hydra import GlobalHydra

    extra = [f"hydra.sweep.dir={shlex.quote(str(folder / '.hydra'))}", "hydra.sweep.subdir=${hydra.job.num}",
             "hydra.output_subdir=null", "hydra/job_logging=disabled", "hydra/hydra_logging=disabled"]
    argv = sys.argv
    validate, split = BasicSweeper.validate_batch_is_legal, BasicSweeper.split_arguments

    def restore() -> None:
        BasicSweeper.validate_batch_is_legal, BasicSweeper.split_arguments = validate, staticmethod(split)
        sys.argv = argv

    def only_pending(parsed, size):       # called once, before any job: the class is restored at once
        restore()
        return [[list(c.overrides) for c in pending]]

    register_schemas()
    GlobalHydra.instance().clear()
    sys.argv = ["plenary-sweep", "--multirun", *overrides, *extra]
    BasicSweeper.validate_batch_is_legal = lambda self, batch: None
    BasicSweeper.split_arguments = staticmethod(only_pending)
    try:
        _hydra_job()
    finally:
        restore()
        GlobalHydra.instance().clear()


def run_hydra(p: Plan, overrides: list[str], pending: list[Cell], folder: Path) -> bool | str:
    """The Hydra launcher in a thread, watched from here: returns True when its jobs are left behind (the wait
    timeout passed, or every cell is on disk while the launcher still waits on its job states), LOST when SLURM
    lists none of the sweep's jobs while cells are missing (QueueWatch)."""
    error: list[BaseException] = []

    def launch():
        try:
            _launch(overrides, folder, pending)
        except BaseException as exc:           # SystemExit from Hydra, a launcher's job error
            error.append(exc)

    worker = threading.Thread(target=launch, name="hydra-launcher", daemon=True)
    worker.start()
    timeout = p.config.sweep.wait_timeout_min
    deadline = time.monotonic() + (timeout * 60 if timeout is not None else float("inf"))
    ids = {c.id for c in pending}
    all_done = None
    queue = QueueWatch(folder, str(p.launcher.get("_target_", "")).endswith("SlurmLauncher"))
    while worker.is_alive():
        worker.join(0.25)
        if all_done is None and ids <= finished(folder):
            all_done = time.monotonic()
        if all_done is None and (jobs := queue.lost()) is not None:
            missing = len(ids - finished(folder))
            print(f"plenary sweep: SLURM no longer lists the sweep's jobs ({', '.join(sorted(jobs))}) but {missing} "
                  "cells have no result: their jobs were cancelled or died without a record (submitit cannot tell "
                  "without SLURM accounting); they are not finished and the same command retries them",
                  file=sys.stderr)
            return LOST
        if worker.is_alive() and time.monotonic() > deadline:
            print(f"plenary sweep: stopped waiting after sweep.wait_timeout_min={timeout}", file=sys.stderr)
            return True
        if worker.is_alive() and all_done is not None and time.monotonic() - all_done > GRACE_S:
            return True                  # every cell is on disk; the launcher still waits on its job states
    if error:
        print(f"plenary sweep: the launcher reported: {type(error[0]).__name__}: {str(error[0])[:300]}",
              file=sys.stderr)
    return False
