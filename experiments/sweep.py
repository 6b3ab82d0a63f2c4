"""``plenary sweep``: a grid of participation rules as a Hydra multirun, one cell per job, results that last.

    plenary sweep experiment=cosp_access                                  # a preset grid (configs/experiment/)
    plenary sweep experiment=cosp_access replicates=50 'rules.informal_share=0.2,0.5,0.8'
    plenary sweep experiment=speaking_time hydra/launcher=joblib          # all cores of this machine

Each cell (one combination of lever values) runs R replicates batched with their counterfactual variants, under
the same replicate seeds as every other cell (paired: rule effects are differences of the same draws). The sweep
folder (``outputs/sweeps/<name>`` or ``sweep.dir``) holds:

- ``plan.json``: the cells of the last command (overrides, lever values, cell id), written before any work;
- ``cells/<id>/``: one folder per finished cell, renamed into place only when complete: ``rows.parquet`` (one row
  per replicate, with lever values, seed and outcomes), ``trajectory.npz`` (draft text per session), ``cell.json``;
- ``failed/<id>.json``: the overrides and error of a cell that failed (removed once it succeeds);
- ``results.parquet`` and ``manifest.json``: all finished cells of the plan in one tidy table, with the resolved
  config, root seed, versions and git commit.

A cell's id is a hash of its resolved configuration, so re-running the same command reuses finished cells and
runs the rest ("12 reused, 68 run, 0 failed"); a kill at any moment loses no finished cell and leaves no corrupt
file. Hydra's own multirun resume is an open request upstream; a fixed folder with per-cell records is the usual
way (STACK.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from sim import io
from sim.config import ConfigError, RunConfig, ScenarioConfig
from sim.engine import Schedule
from sim.runner import run_replicates
from sim.scenario import World, build_world

from .config import compose_config, register_schemas, to_run_config

CELL_DONE = "cell.json"
NOT_RESULTS = ("run_dir", "chunk_size", "sweep", "memory_budget_gb")   # keys that do not change results
BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


# ---------------------------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Cell:
    """One job of the sweep: its full override list, its lever values and its id (hash of the resolved config)."""

    id: str
    overrides: tuple[str, ...]
    levers: dict[str, str]

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.levers.items()) or "(single cell)"


@dataclass
class Plan:
    name: str
    question: str
    dir: Path
    levers: list[str]
    cells: list[Cell]
    config: RunConfig          # the first cell's resolved config (root seed, R, variants)
    baseline: dict[str, str]


def cell_id(cfg: RunConfig) -> str:
    """A stable hash of everything that determines a cell's results (not the run folder or batch size)."""
    blob = {k: v for k, v in asdict(cfg).items() if k not in NOT_RESULTS}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _world_key(scenario: ScenarioConfig, seed: int) -> str:
    return json.dumps([asdict(scenario), seed], sort_keys=True, default=str)


@cache
def _cached_world(key: str) -> World:
    blob, seed = json.loads(key)
    return build_world(OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(ScenarioConfig), blob)), seed)


def world_for(cfg: RunConfig) -> World:
    """The scenario's world, built once per process for every cell that shares scenario and seed."""
    return _cached_world(_world_key(cfg.scenario, cfg.seed))


def _split(overrides: list[str]):
    parser = OverridesParser.create()
    parsed = parser.parse_overrides(list(overrides))
    task = [o for o in parsed if not o.is_hydra_override()]
    return parser, task, [o.input_line for o in parsed if o.is_hydra_override()]


def _groups() -> set[str]:
    """Names of the config groups (folders of the shipped config tree), e.g. rules, params, experiment."""
    from importlib import resources

    root = resources.files("sim.configs")
    return {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}


class _Composer:
    """Compose each cell's config: once per combination of group choices, then key=value levers applied the way
    Hydra applies them (OmegaConf.update with merge), because a Hydra compose costs ~0.25 s."""

    def __init__(self, parser: OverridesParser):
        self.parser, self.groups, self.cache = parser, _groups(), {}

    def is_group(self, key: str) -> bool:
        return key.lstrip("+~").split("@")[0] in self.groups or "/" in key

    def full(self, job: list[str]) -> RunConfig:
        return to_run_config(compose_config(job))

    def fast(self, job: list[str]) -> RunConfig:
        parsed = self.parser.parse_overrides(job)
        slow = [o for o in parsed if self.is_group(o.get_key_element()) or o.get_key_element()[0] in "+~"]
        key = tuple(o.input_line for o in slow)
        if key not in self.cache:
            self.cache[key] = compose_config(list(key))
        cfg = self.cache[key].copy()
        for o in parsed:
            if o not in slow:
                OmegaConf.update(cfg, o.get_key_element(), o.value(), merge=True)
        return to_run_config(cfg)


def plan(overrides: list[str] | tuple[str, ...]) -> Plan:
    """Expand the grid exactly as Hydra's basic sweeper will, and validate every cell before anything runs.

    Raises ConfigError (naming the cell) for a cell whose config is invalid, so a bad grid writes nothing.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    parser, task, _ = _split(list(overrides))
    plain = [o.input_line for o in task if not o.is_sweep_override()]
    composed = compose_config(plain, return_hydra_config=True)
    preset = OmegaConf.select(composed, "hydra.sweeper.params") or {}
    lines = [f"{k}={v}" for k, v in preset.items()] + [o.input_line for o in task]
    final = {}
    for o in parser.parse_overrides(lines):
        final[o.get_key_element()] = o                                   # later wins, as in BasicSweeper
    levers = [k for k, o in final.items() if o.is_sweep_override()]
    jobs = BasicSweeper.split_arguments(list(final.values()), None)[0]
    composer = _Composer(parser)
    make = composer.fast
    if cell_id(composer.fast(jobs[-1])) != cell_id(composer.full(jobs[-1])):   # safety net: never a wrong id
        make = composer.full
    cells, first = [], None
    for job in jobs:
        values = {k: line.split("=", 1)[1] for line in job for k in levers if line.split("=", 1)[0] == k}
        try:
            cfg = make(job)
            Schedule.resolve(world_for(cfg), cfg.rules, cfg.params)
        except ConfigError as exc:
            where = ", ".join(f"{k}={v}" for k, v in values.items())
            raise ConfigError(exc.key, f"{exc.problem} (in the cell {where})" if where else exc.problem,
                              exc.allowed) from None
        first = first or cfg
        cells.append(Cell(cell_id(cfg), tuple(job), values))
    folder = Path(first.sweep.dir) if first.sweep.dir else Path("outputs") / "sweeps" / first.sweep.name
    # the reference cell for paired rule effects: the preset's baseline on the levers still swept, else the first
    baseline = {k: str(v) for k, v in first.sweep.baseline.items() if k in levers}
    if not any(all(c.levers.get(k) == v for k, v in baseline.items()) for c in cells):
        baseline = dict(cells[0].levers)
    return Plan(first.sweep.name, first.sweep.question, folder, levers, cells, first, baseline)


# ---------------------------------------------------------------------------------------------- one cell
def finished(folder: Path) -> set[str]:
    """Ids of the cells finished in a sweep folder."""
    cells = Path(folder) / "cells"
    return {p.parent.name for p in cells.glob(f"*/{CELL_DONE}")} if cells.exists() else set()


def run_cell(cfg: RunConfig, cell: Cell, folder: Path) -> None:
    """Run one cell's R replicates and write its folder atomically."""
    started = time.perf_counter()
    world = world_for(cfg)
    if cfg.chain == "cosp":
        from sim.cosp import cosp_chain

        res = None
        table = cosp_chain(world, cfg.params, cfg.rules, cfg.cosp, cfg.seed, np.arange(cfg.replicates),
                           cfg.variants if cfg.variants != "none" else "all_vs_none")
    else:
        res = run_replicates(world, cfg.params, cfg.rules, cfg.seed, np.arange(cfg.replicates), cfg.variants,
                             cfg.chunk_size, cfg.attribution)
        table = res.table
    table.insert(0, "cell", cell.id)
    table.insert(1, "seed", cfg.seed)
    for j, (k, v) in enumerate(cell.levers.items()):
        table.insert(2 + j, k, v)
    seconds = time.perf_counter() - started
    with io.atomic_dir(folder) as tmp:
        table.to_parquet(tmp / "rows.parquet", index=False)
        if res is not None:
            np.savez_compressed(tmp / "trajectory.npz", draft=res.draft.astype(np.float32),
                                positions=np.nanmean(res.positions, axis=0).astype(np.float32),
                                blocs=np.array(world.bloc_keys), issues=np.array(world.issue_keys),
                                sessions=np.array(world.session_labels))
        (tmp / CELL_DONE).write_text(json.dumps({"id": cell.id, "levers": cell.levers, "overrides": list(cell.overrides),
                                                 "replicates": cfg.replicates, "seconds": round(seconds, 3),
                                                 "pid": os.getpid()}, indent=2))


def _job(cfg: DictConfig) -> str:
    """The Hydra task function: one cell. Returns 'reused', 'run', 'failed' or 'skipped' (after a failure, with
    fail_fast; the failing cell then raises so that Hydra stops)."""
    run_cfg = to_run_config(cfg)
    sweep_dir = Path(HydraConfig.get().sweep.dir).parent
    cid = cell_id(run_cfg)
    entry = {c["id"]: c for c in json.loads((sweep_dir / "plan.json").read_text())["cells"]}.get(cid)
    cell = Cell(cid, tuple(HydraConfig.get().overrides.task), entry["levers"] if entry else {})
    folder = sweep_dir / "cells" / cid
    if (folder / CELL_DONE).exists():
        return "reused"
    if run_cfg.sweep.fail_fast and any((sweep_dir / "failed").glob("*.json")):
        return "skipped"                     # fail fast on any launcher: start no cell after a failure
    try:
        run_cell(run_cfg, cell, folder)
    except Exception as exc:
        io.write_json_atomic(sweep_dir / "failed" / f"{cid}.json",
                           {"id": cid, "levers": cell.levers, "overrides": list(cell.overrides),
                            "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
        print(f"\nplenary sweep: cell failed ({cell.label}): {type(exc).__name__}: {exc}\n"
              f"  overrides: {' '.join(cell.overrides)}", file=sys.stderr, flush=True)
        if run_cfg.sweep.fail_fast:
            raise
        return "failed"
    with contextlib.suppress(FileNotFoundError):
        (sweep_dir / "failed" / f"{cid}.json").unlink()
    return "run"


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


# ---------------------------------------------------------------------------------------------- the sweep
@dataclass
class SweepOutcome:
    folder: Path
    reused: int
    run: int
    failed: list[Cell]
    table: pd.DataFrame

    def line(self) -> str:
        return f"{self.reused} reused, {self.run} run, {len(self.failed)} failed"


def _launch(overrides: list[str], folder: Path) -> None:
    """Hand the grid to Hydra's multirun (any launcher), with its job folders inside the sweep folder.

    Hydra's basic sweeper composes every job once more to validate it before launching (~0.25 s a job, 20 s for
    80 cells, in this process); ``plan`` has already validated every cell more strictly (schema, ranges and
    schedules), so that pass is skipped for the duration of the launch.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.global_hydra import GlobalHydra

    extra = [f"hydra.sweep.dir={shlex.quote(str(folder / '.hydra'))}", "hydra.sweep.subdir=${hydra.job.num}",
             "hydra.output_subdir=null", "hydra/job_logging=disabled", "hydra/hydra_logging=disabled"]
    argv = sys.argv
    register_schemas()
    GlobalHydra.instance().clear()
    sys.argv = ["plenary-sweep", "--multirun", *overrides, *extra]
    validate = BasicSweeper.validate_batch_is_legal
    BasicSweeper.validate_batch_is_legal = lambda self, batch: None
    try:
        _hydra_job()
    finally:
        BasicSweeper.validate_batch_is_legal = validate
        sys.argv = argv
        GlobalHydra.instance().clear()


def combine(folder: Path, cells: list[Cell], levers: list[str]) -> pd.DataFrame:
    """One tidy table of the finished cells, in plan order; lever columns numeric when every value is a number."""
    tables = [pd.read_parquet(folder / "cells" / c.id / "rows.parquet") for c in cells
              if (folder / "cells" / c.id / CELL_DONE).exists()]
    if not tables:
        return pd.DataFrame()
    table = pd.concat(tables, ignore_index=True)
    for k in levers:
        if k in table:
            numeric = pd.to_numeric(table[k], errors="coerce")
            if numeric.notna().all():
                table[k] = numeric
    return table


def _cleanup(folder: Path) -> None:
    """Remove the temporary folders a kill may have left (never a finished cell)."""
    for tmp in (folder / "cells").glob(".*"):
        shutil.rmtree(tmp, ignore_errors=True)


def sweep(overrides: list[str] | tuple[str, ...], progress: bool = True, dry_run: bool = False) -> SweepOutcome:
    """Plan, validate, launch through Hydra, and gather the tidy table (see the module docstring)."""
    overrides = list(overrides)
    p = plan(overrides)
    folder = p.dir
    done_before = finished(folder) & {c.id for c in p.cells}
    if dry_run:
        for c in p.cells:
            print(("reuse " if c.id in done_before else "run   ") + f"{c.id}  {c.label}")
        return SweepOutcome(folder, len(done_before), 0, [], pd.DataFrame())
    folder.mkdir(parents=True, exist_ok=True)
    _cleanup(folder)
    shutil.rmtree(folder / "failed", ignore_errors=True)     # failures of earlier runs are retried now
    io.write_json_atomic(folder / "plan.json", {
        "name": p.name, "question": p.question, "levers": p.levers, "baseline": p.baseline,
        "command": ["plenary", "sweep", *overrides],
        "cells": [{"id": c.id, "levers": c.levers, "overrides": list(c.overrides)} for c in p.cells]})
    todo = {c.id for c in p.cells} - done_before
    _, _, hydra_overrides = _split(overrides)
    if any(o.startswith("hydra/launcher=") for o in hydra_overrides):
        for var in BLAS_ENV:                              # one BLAS thread per worker process (STACK.md)
            os.environ.setdefault(var, "1")
    watcher = Progress(folder, todo, p.config.replicates) if progress and todo else None
    started = time.perf_counter()
    error = None
    if watcher:
        watcher.start()
    try:
        if todo:
            _launch(overrides, folder)
    except SystemExit as exc:          # Hydra reports a job's exception (fail_fast) and exits
        error = exc
    finally:
        if watcher:
            watcher.stop.set()
            watcher.join()
    elapsed = time.perf_counter() - started
    done = finished(folder)
    failed = [c for c in p.cells if c.id not in done]
    table = combine(folder, p.cells, p.levers)
    if not table.empty:
        io.write_atomic(folder / "results.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    ran = len(todo & done)
    io.write_json_atomic(folder / "manifest.json", {
        "command": ["plenary", "sweep", *overrides], "name": p.name, "question": p.question, "levers": p.levers,
        "baseline": p.baseline, "seed": p.config.seed, "replicates": p.config.replicates,
        "variants": p.config.variants, "attribution": p.config.attribution, "cells": len(p.cells),
        "cells_finished": len(p.cells) - len(failed), "last_run": {"reused": len(done_before), "run": ran,
                                                                   "failed": len(failed),
                                                                   "seconds": round(elapsed, 2)},
        "config": OmegaConf.to_container(OmegaConf.structured(p.config)), "git_commit": io.git_commit(),
        "versions": io.versions()})
    outcome = SweepOutcome(folder, len(done_before), ran, failed, table)
    print(f"{outcome.line()} in {elapsed:.1f} s; results in {folder}")
    for c in failed:
        record = folder / "failed" / f"{c.id}.json"
        why = json.loads(record.read_text())["error"] if record.exists() else "not run"
        print(f"  failed: {c.label}: {why}", file=sys.stderr)
    if error is not None and not failed:
        raise error
    return outcome
