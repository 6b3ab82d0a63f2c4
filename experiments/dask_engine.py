"""``plenary sweep … engine=dask``: the cells not yet finished, on a dask cluster, saved as they finish.

    plenary sweep experiment=cosp_access engine=dask                                    # LocalCluster, all cores
    plenary sweep experiment=cosp_access engine=dask dask.address=tcp://10.0.0.5:8786   # a running scheduler
    plenary sweep experiment=cosp_access engine=dask dask.cluster=slurm dask.workers=8 dask.queue=cpu \\
        dask.walltime=01:00:00 sweep.dir=/shared/sweeps/cosp_access                      # dask-jobqueue batch jobs

The sweep itself is ``experiments.sweep``: its ``plan()`` lists and validates the cells, its ``run_cell()``
computes one, its ``combine()`` makes the table, so the table is the basic launcher's bit for bit. This module only
moves cells: each cell's config is resolved here (no Hydra compose per cell), sent as a task to a worker (one
thread each), computed there into a private temporary folder and returned as the bytes of its files, and written
into ``cells/<id>/`` by this process, atomically, the moment it completes (``as_completed``). The workers need no
shared file system, and only this process writes the sweep folder.

- ``dask.cluster=local`` (default): a ``distributed.LocalCluster`` of ``dask.workers`` processes (0: the cores of
  this machine, never more than the cells to run), listening on 127.0.0.1 only, no dashboard.
- ``dask.address=tcp://host:port``: a scheduler started elsewhere (``dask scheduler``, ``dask worker``); its workers
  must run the same plenary code.
- ``dask.cluster=slurm|pbs|sge``: dask-jobqueue starts ``dask.workers`` single-threaded workers as batch jobs
  (``dask.job.processes=K`` packs K workers in one job), which take cells until the sweep is done, then are cancelled:
  a few jobs for the whole sweep rather than one per cell. ``dask.queue``, ``dask.account``, ``dask.walltime``,
  ``dask.memory`` and any dask-jobqueue keyword under ``dask.job`` (``+dask.job.interface=ib0``) set the jobs; the
  defaults of dask's own jobqueue config (``~/.config/dask/jobqueue.yaml``) apply to the rest.

Ctrl-C (or SIGTERM): no new cell is sent, the queued ones are cancelled, the cells already computed are saved, the
sweep's table and manifest are written and the command exits 130 (143), naming how many cells were still running or
queued. ``dask.worker_timeout`` seconds without any worker (jobs stuck in the queue, or cancelled with scancel) end
the sweep the same way instead of waiting for ever.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shlex
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

from sim import io
from sim.config import ConfigError, DaskSpec, RunConfig

from .sweep import BLAS_ENV, CELL_DONE, Cell, Plan, _Composer, cell_id, run_cell

JOBQUEUE = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster"}
POLL_SECONDS = 0.1          # how often the loop looks for finished cells and for Ctrl-C
WORKER_CHECK_SECONDS = 1.0  # how often it asks the scheduler whether any worker is connected
CONNECT_SECONDS = 10        # how long to try a scheduler named by dask.address
EXIT_SIGINT, EXIT_SIGTERM = 130, 143


class Interrupted(Exception):
    """Ctrl-C, SIGTERM or no worker for too long: stop sending cells, save what is finished."""

    def __init__(self, code: int | None, why: str):
        super().__init__(why)
        self.code, self.why = code, why


# What dask's nannies put into a worker's environment before it starts. Dask's default includes
# MALLOC_TRIM_THRESHOLD_=65536; any value of it also turns off glibc's adaptive mmap threshold, so every large
# array the engine allocates and frees each session is mapped and unmapped again, with fresh page faults (measured
# on cosp_access at 20 replicates per cell, one worker: median cell 0.44 s with it, 0.31 s without, in-process
# 0.27 s; system time 6.4 s -> 0.9 s; a 1 GiB value instead of none kept the 6 s of system time). Our workers
# therefore start without it: a None value unsets a variable in the nanny's config (distributed.nanny). The local
# cluster gets it from this process's config, batch jobs from a DASK_ variable their script exports (dask merges a
# dict value into its defaults); workers of a scheduler started elsewhere (dask.address) keep their own config.
NANNY_ENVIRON = "distributed.nanny.pre-spawn-environ"
TRIM = "MALLOC_TRIM_THRESHOLD_"
UNSET_TRIM = {TRIM: None}
TRIM_EXPORT = f"export DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON={shlex.quote(repr(UNSET_TRIM))}"


def worker_environ() -> dict:
    """Dask's pre-spawn environment for worker processes, with its malloc-trim setting unset (None)."""
    import dask
    import distributed  # noqa: F401  (registers the distributed defaults)

    return {**dict(dask.config.get(NANNY_ENVIRON, {}) or {}), **UNSET_TRIM}


# ---------------------------------------------------------------------------------------------- on a worker
def compute(cfg: RunConfig, cell: Cell) -> dict[str, bytes]:
    """Run one cell on a worker (``sweep.run_cell`` into a private folder) and return its files' bytes."""
    with tempfile.TemporaryDirectory(prefix="plenary-cell-") as tmp:
        out = Path(tmp) / cell.id
        run_cell(cfg, cell, out)
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


# ---------------------------------------------------------------------------------------------- here
def _require(spec: DaskSpec) -> None:
    import importlib.util

    need = ["distributed"] + (["dask_jobqueue"] if spec.cluster != "local" and spec.address is None else [])
    missing = [m for m in need if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError("engine", f"engine=dask needs {', '.join(missing)}, which is not installed",
                          "install the dask extra: pip install -e '.[dask]', or engine=hydra")
    if spec.address is None and spec.cluster != "local" and spec.workers < 1:
        raise ConfigError("dask.workers", f"the number of workers to start as {spec.cluster} jobs is required",
                          "a whole number of 1 or more, e.g. dask.workers=8")


def configs(p: Plan, todo: set[str]) -> Iterator[tuple[Cell, RunConfig]]:
    """Each cell to run with its resolved config, composed the way ``plan`` composes it (one Hydra compose per
    combination of config groups, then the key=value levers), and checked against the cell's id."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    composer = _Composer(OverridesParser.create())
    for cell in p.cells:
        if cell.id not in todo:
            continue
        cfg = composer.fast(list(cell.overrides))
        if cell_id(cfg) != cell.id:                       # never run a cell under another cell's config
            cfg = composer.full(list(cell.overrides))
        yield cell, cfg


def _jobqueue(spec: DaskSpec, folder: Path):
    import dask_jobqueue

    root = Path(__file__).resolve().parents[1]          # the workers import this checkout's sim and experiments
    prologue = [f"cd {shlex.quote(os.getcwd())}", f"export PYTHONPATH={shlex.quote(str(root))}${{PYTHONPATH:+:$PYTHONPATH}}",
                *(f"export {var}=1" for var in BLAS_ENV), TRIM_EXPORT]
    kwargs = {"cores": 1, "processes": 1, "memory": spec.memory, "queue": spec.queue, "account": spec.account,
              "walltime": spec.walltime, "python": sys.executable, "log_directory": str(folder / "logs"),
              "job_name": "plenary-dask"}
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    job = dict(spec.job)
    kwargs["job_script_prologue"] = prologue + list(job.pop("job_script_prologue", []) or [])
    kwargs.update(job)
    try:
        return getattr(dask_jobqueue, JOBQUEUE[spec.cluster])(**kwargs)
    except (TypeError, ValueError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError("dask.job", f"dask-jobqueue refused the {spec.cluster} job settings: {why}",
                          f"the keywords of dask_jobqueue.{JOBQUEUE[spec.cluster]}") from None


@contextlib.contextmanager
def connect(spec: DaskSpec, n_cells: int, folder: Path):
    """A dask Client on the cluster the config asks for (started here unless ``dask.address`` names one)."""
    import dask
    from distributed import Client, LocalCluster

    # Workers log at ERROR when the scheduler goes away under them (a heartbeat after Ctrl-C/SIGTERM: a traceback
    # on the user's terminal); a cell's own failure comes back through its future and is recorded, not logged.
    quiet = logging.CRITICAL
    if spec.address is not None:
        try:
            client = Client(str(spec.address), timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise ConfigError("dask.address", f"no dask scheduler answers at {spec.address} ({exc})",
                              "the address of a running scheduler (dask scheduler), e.g. tcp://10.0.0.5:8786") from None
        with client:
            yield client, f"the dask scheduler at {spec.address}"
        return
    if spec.cluster == "local":
        n = min(spec.workers or os.cpu_count() or 1, n_cells)
        with dask.config.set({NANNY_ENVIRON: worker_environ()}):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0", silence_logs=quiet)
        where = f"a local dask cluster of {n} worker processes on 127.0.0.1"
    else:
        cluster = _jobqueue(spec, folder)
        cluster.scale(n=spec.workers)
        where = f"{spec.workers} dask workers as {spec.cluster} jobs (scheduler {cluster.scheduler_address})"
    with cluster, Client(cluster) as client:
        yield client, where


def _save(folder: Path, cell: Cell, files: dict[str, bytes]) -> bool:
    """Write a computed cell into ``cells/<id>/`` atomically; False if another process saved it first."""
    target = folder / "cells" / cell.id
    if (target / CELL_DONE).exists():
        return False
    try:
        with io.atomic_dir(target) as tmp:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
    except OSError:
        if (target / CELL_DONE).exists():
            return False
        raise
    with contextlib.suppress(FileNotFoundError):
        (folder / "failed" / f"{cell.id}.json").unlink()
    return True


def _fail(folder: Path, cell: Cell, future) -> None:
    """Record a failed cell as the Hydra launchers do (``failed/<id>.json``) and say so at once."""
    exc = future.exception()
    tb = "".join(traceback.format_exception(type(exc), exc, future.traceback()))
    io.write_json_atomic(folder / "failed" / f"{cell.id}.json",
                         {"id": cell.id, "levers": cell.levers, "overrides": list(cell.overrides),
                          "error": f"{type(exc).__name__}: {exc}", "traceback": tb})
    print(f"\nplenary sweep: cell failed ({cell.label}): {type(exc).__name__}: {exc}\n"
          f"  overrides: {' '.join(cell.overrides)}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _signals():
    """Ctrl-C and SIGTERM raise Interrupted (in the main thread; elsewhere the defaults stay)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        code = EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT
        raise Interrupted(code, "interrupted by " + signal.Signals(signum).name)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _hold_signals():
    """While the finished cells are saved and the cluster shut down: a second Ctrl-C waits for that."""
    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)


def launch(p: Plan, todo: set[str], folder: Path) -> int | None:
    """Run the cells ``todo`` of the plan on dask and save each as it finishes.

    Returns None when every cell sent has finished or failed (failures are recorded as by the Hydra launchers), or
    the exit status after an interruption (130 Ctrl-C, 143 SIGTERM), once the cells already computed are saved.
    """
    from distributed import as_completed

    spec = p.config.dask
    _require(spec)
    for var in BLAS_ENV:                              # one BLAS thread per worker process (STACK.md)
        os.environ.setdefault(var, "1")
    token = uuid.uuid4().hex[:8]                      # this run's task keys (a shared scheduler never mixes runs)
    futures, cells, saved = {}, {}, set()
    code = None
    with _signals():
        resolved = _in_background(configs(p, todo))   # resolved while the cluster starts
        try:
            with connect(spec, len(todo), folder) as (client, where):
                print(f"plenary sweep: {len(todo)} cells on {where}", file=sys.stderr, flush=True)
                done = as_completed([], loop=client.loop, raise_errors=False)
                try:
                    for i, (cell, cfg) in enumerate(resolved):
                        if (folder / "cells" / cell.id / CELL_DONE).exists():
                            continue                  # finished meanwhile by another process
                        f = client.submit(compute, cfg, cell, key=f"plenary-cell-{cell.id}-{token}", pure=False,
                                          priority=-i)
                        futures[f.key], cells[f.key] = f, cell
                        done.add(f)
                        _collect(done, cells, folder, saved, p.config.sweep.fail_fast)
                    _wait(client, done, cells, folder, saved, spec, p.config.sweep.fail_fast)
                except Interrupted as stop:
                    _hold_signals()
                    code = stop.code
                    _stop(client, futures, cells, folder, saved, stop.why, len(todo), spec.address is not None)
        except Interrupted as stop:                   # while the cluster was starting or shutting down
            code = stop.code
            if code and not futures:
                print(f"plenary sweep: {stop.why} before any cell was sent", file=sys.stderr, flush=True)
    return code


def _in_background(items: Iterator) -> Iterator:
    """Consume ``items`` in a thread (the cell configs, ~35 ms each, while the workers start); yield them here,
    re-raising any error (a ConfigError) in this thread."""
    ready: queue.Queue = queue.Queue()
    end = object()

    def produce():
        try:
            for item in items:
                ready.put(item)
        except BaseException as exc:          # handed to the consumer
            ready.put(exc)
        ready.put(end)

    def consume():
        while (item := ready.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item

    threading.Thread(target=produce, name="plenary-configs", daemon=True).start()   # now, not at the first next()
    return consume()


def _collect(done, cells, folder: Path, saved: set[str], fail_fast: bool) -> None:
    """Save (or record as failed) every cell that has finished so far."""
    for f in done.next_batch(block=False) if done.has_ready() else ():
        cell = cells[f.key]
        if f.status == "finished":
            _save(folder, cell, f.result())
            saved.add(cell.id)
        elif f.status == "error":
            _fail(folder, cell, f)
            if fail_fast:
                raise Interrupted(None, "a cell failed and sweep.fail_fast is set")
        f.release()


def _wait(client, done, cells, folder: Path, saved: set[str], spec: DaskSpec, fail_fast: bool) -> None:
    last_worker = checked = time.monotonic()
    while not done.is_empty() or done.has_ready():
        _collect(done, cells, folder, saved, fail_fast)
        now = time.monotonic()
        if now - checked >= WORKER_CHECK_SECONDS:
            checked = now
            if client.scheduler_info(n_workers=-1).get("workers"):
                last_worker = now
            elif spec.worker_timeout and now - last_worker > spec.worker_timeout:
                raise Interrupted(None, f"no dask worker connected for {spec.worker_timeout:.0f} s (batch jobs "
                                  "still queued, or cancelled; raise dask.worker_timeout to wait longer)")
        time.sleep(POLL_SECONDS)


def _stop(client, futures: dict, cells: dict, folder: Path, saved: set[str], why: str, todo: int,
          external: bool) -> None:
    """Cancel what is not finished, save what is, and say which cells were running and how many were queued."""
    pending = [f for f in futures.values() if not f.done()]
    running = set()
    with contextlib.suppress(Exception):
        running = {k for keys in client.processing().values() for k in keys} & {f.key for f in pending}
    client.cancel(pending)
    for f in futures.values():
        cell = cells[f.key]
        if f.status == "finished" and cell.id not in saved:
            _save(folder, cell, f.result())
            saved.add(cell.id)
    failed = sum(f.status == "error" for f in futures.values())
    unsent = todo - len(futures)
    names = "; ".join(sorted(cells[k].label for k in running))
    print(f"plenary sweep: {why}. {len(saved)} cells saved this run; not finished: {len(running)} running"
          f"{f' ({names})' if names else ''}, {len(pending) - len(running)} queued, {unsent} not sent"
          f"{f', {failed} failed' if failed else ''}. All cancelled"
          f"{' (a running cell finishes on its worker and is dropped)' if external else ''}."
          " Run the same command to resume.", file=sys.stderr, flush=True)
