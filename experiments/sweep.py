"""``plenary sweep``: a grid of participation rules as a Hydra multirun, one cell per job, results that last.

    plenary sweep experiment=cosp_access                                  # a preset grid (configs/experiment/)
    plenary sweep experiment=cosp_access replicates=50 'rules.informal_share=0.2,0.5,0.8'
    plenary sweep experiment=speaking_time hydra/launcher=joblib          # all cores of this machine

Each cell (one combination of lever values) runs R replicates batched with their counterfactual variants, under
the same replicate seeds as every other cell (paired: rule effects are differences of the same draws). The sweep
folder (``outputs/sweeps/<name>`` or ``sweep.dir``) holds:

- ``plan.json``: the cells of the last command (overrides, lever values, cell id), written before any work;
- ``cells/<id>/``: one folder per finished cell, renamed into place only when complete: ``rows.parquet`` (one row
  per replicate, with lever values, seed and outcomes), ``trajectory.npz`` (draft text per session), ``cell.json``
  (the model version, the design, the row count and the sha256 of each file: ``experiments/ledger.py``);
- ``failed/<id>.json``: the overrides and error of a cell that failed (removed once it succeeds);
- ``quarantine/<id>-<time>/``: cells that failed their check, moved aside (never deleted) and recomputed;
- ``results.parquet`` and ``manifest.json``: all finished cells of the plan in one tidy table, with the resolved
  config, root seed, model version, versions and git commit.

A cell's id is a hash of its resolved configuration and of the model version (``sim.version``), so re-running the
same command reuses finished cells and runs the rest ("12 reused, 68 run, 0 failed"), and a change to the model
never reuses a cell it did not compute: a folder holding another version's cells is refused (exit 2) unless
``--reuse-stale`` (reuse them, recorded in the manifest) or ``--extend`` (compute the new ones beside them). The
same holds for another design (replicates, seed, variants). Every reused cell is checked first; one that fails is
moved to ``quarantine/`` and recomputed. A kill at any moment loses no finished cell and leaves no corrupt file;
Ctrl-C or SIGTERM gathers the finished cells and exits 130 or 143. Hydra's own multirun resume is an open
request upstream; a fixed folder with per-cell records is the usual way (STACK.md).

Engines (``experiments/launchers.py``): cells run in this process from the planned configs by default, and on
joblib workers with ``hydra/launcher=joblib``, both without a Hydra compose per cell; any other
``hydra/launcher=...`` gets only the cells not yet finished and is never waited on for ever
(``sweep.wait_timeout_min``); ``engine=dask`` is ``experiments.dask_engine`` (see ``_execute``). submitit sees a
cancelled SLURM job only through SLURM accounting (sacct); without it, the wait timeout ends the wait and those
cells are reported "not finished (may still be running)".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim import io
from sim.config import ENGINES, ConfigError, RunConfig, ScenarioConfig
from sim.engine import Schedule
from sim.runner import run_replicates
from sim.scenario import World, build_world
from sim.version import model_version

from . import launchers, ledger, sweep_posterior
from .config import compose_config, to_run_config
from .ledger import CELL_DONE, finished

__all__ = ["Cell", "Plan", "SweepOutcome", "cell_id", "combine", "finished", "plan", "run_cell", "run_one", "sweep",
           "verify"]
NOT_RESULTS = ("run_dir", "chunk_size", "sweep", "engine", "dask", "memory_budget_gb")   # not a cell's results
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
    version: str = ""          # the model version the cell ids were computed with
    configs: dict[str, RunConfig] = field(default_factory=dict)   # each cell's resolved config, by id
    hydra: list[str] = field(default_factory=list)                # hydra overrides of the command (launcher)
    launcher: dict = field(default_factory=dict)                  # the composed hydra.launcher config


def _blob(cfg: RunConfig) -> dict:
    return {k: v for k, v in asdict(cfg).items() if k not in NOT_RESULTS}


def config_key(cfg: RunConfig) -> str:
    """A hash of the resolved config alone (the same under any model version): finds a stale cell's successor."""
    return hashlib.sha256(json.dumps(_blob(cfg), sort_keys=True, default=str).encode()).hexdigest()[:16]


def cell_id(cfg: RunConfig, version: str | None = None) -> str:
    """A stable hash of everything that determines a cell's results: the resolved config (not the run folder or
    batch size) and the model version (``sim.version.model_version()`` unless given)."""
    blob = {**_blob(cfg), "model_version": version or model_version()}
    if (post := sweep_posterior.identity(cfg)) is not None:     # a changed posterior is another cell
        blob["posterior_identity"] = post
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:16]


def design(cfg: RunConfig, version: str | None = None) -> dict:
    """What every cell of one sweep folder shares: model version, replicates, root seed, variants (and posterior
    draws when the config has them)."""
    out = {"version": version or model_version(), "replicates": cfg.replicates, "seed": cfg.seed,
           "variants": cfg.variants, "attribution": cfg.attribution}
    if getattr(cfg, "posterior", None) is not None:
        out["posterior"] = asdict(cfg.posterior) if hasattr(cfg.posterior, "__dataclass_fields__") else cfg.posterior
    return out


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


def _launcher(composed: DictConfig) -> dict:
    """The composed hydra.launcher settings, resolved where they can be (run-time values stay unresolved)."""
    try:
        return OmegaConf.to_container(composed.hydra.launcher, resolve=True)
    except OmegaConfBaseException:
        return OmegaConf.to_container(composed.hydra.launcher, resolve=False)


def plan(overrides: list[str] | tuple[str, ...], version: str | None = None) -> Plan:
    """Expand the grid exactly as Hydra's basic sweeper will, and validate every cell before anything runs.

    Raises ConfigError (naming the cell) for a cell whose config is invalid, so a bad grid writes nothing.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    version = version or model_version()
    parser, task, hydra_lines = _split(list(overrides))
    plain = [o.input_line for o in task if not o.is_sweep_override()]
    composed = compose_config([*plain, *hydra_lines], return_hydra_config=True)
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
    cells, first, configs = [], None, {}
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
        cells.append(Cell(cell_id(cfg, version), tuple(job), values))
        configs[cells[-1].id] = cfg
    swept_params = [k for k in levers if k.startswith("params.")]
    if first.posterior.draws and first.posterior.unfitted == "prior" and swept_params:
        # a cell that leaves the swept parameter at its default would draw it from its prior, the others hold it:
        # the cells would differ in more than the lever
        raise ConfigError("posterior.unfitted", f"a sweep over {swept_params[0]} with posterior draws would draw "
                          "it from its prior in the cells that leave it at its default",
                          "posterior.unfitted=fixed (every unfitted parameter at its configured value)")
    folder = Path(first.sweep.dir) if first.sweep.dir else Path("outputs") / "sweeps" / first.sweep.name
    # the reference cell for paired rule effects: the preset's baseline on the levers still swept, else the first
    baseline = {k: str(v) for k, v in first.sweep.baseline.items() if k in levers}
    if not any(all(c.levers.get(k) == v for k, v in baseline.items()) for c in cells):
        baseline = dict(cells[0].levers)
    for key, lo in (("sweep.tmp_timeout_hours", 0.0), ("sweep.wait_timeout_min", 0.0)):
        value = OmegaConf.select(OmegaConf.structured(first), key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value <= lo):
            raise ConfigError(key, f"{value!r} is not a positive number", "a number of minutes/hours > 0"
                              + (", or null to wait for ever" if key.endswith("wait_timeout_min") else ""))
    return Plan(first.sweep.name, first.sweep.question, folder, levers, cells, first, baseline, version, configs,
                hydra_lines, _launcher(composed))


# ---------------------------------------------------------------------------------------------- one cell
def run_cell(cfg: RunConfig, cell: Cell, folder: Path, version: str | None = None) -> None:
    """Run one cell's R replicates and write its folder atomically, with the checksums of its files."""
    started = time.perf_counter()
    world = world_for(cfg)
    drafts = positions = None
    if getattr(cfg, "posterior", None) is not None and cfg.posterior.draws:
        table, drafts, positions = sweep_posterior.run(world, cfg)
    elif cfg.chain == "cosp":
        from sim.cosp import cosp_chain

        table = cosp_chain(world, cfg.params, cfg.rules, cfg.cosp, cfg.seed, np.arange(cfg.replicates),
                           cfg.variants if cfg.variants != "none" else "all_vs_none")
    else:
        res = run_replicates(world, cfg.params, cfg.rules, cfg.seed, np.arange(cfg.replicates), cfg.variants,
                             cfg.chunk_size, cfg.attribution)
        table, drafts, positions = res.table, res.draft, res.positions
    table.insert(0, "cell", cell.id)
    table.insert(1, "seed", cfg.seed)
    for j, (k, v) in enumerate(cell.levers.items()):
        table.insert(2 + j, k, v)
    seconds = time.perf_counter() - started
    with ledger.cell_folder(folder) as tmp:
        table.to_parquet(tmp / "rows.parquet", index=False)
        if drafts is not None:
            np.savez_compressed(tmp / "trajectory.npz", draft=drafts.astype(np.float32),
                                positions=np.nanmean(positions, axis=0).astype(np.float32),
                                blocs=np.array(world.bloc_keys), issues=np.array(world.issue_keys),
                                sessions=np.array(world.session_labels))
        meta = {"id": cell.id, "version": version or model_version(), "config_key": config_key(cfg),
                "design": design(cfg, version), "levers": cell.levers, "overrides": list(cell.overrides),
                "replicates": cfg.replicates, "posterior": sweep_posterior.identity(cfg), "rows": len(table),
                "files": ledger.record_files(tmp),
                "seconds": round(seconds, 3), "pid": os.getpid(), "host": socket.gethostname()}
        (tmp / CELL_DONE).write_text(json.dumps(meta, indent=2))


def _fail(sweep_dir: Path, cell: Cell, error: str, trace: str = "") -> None:
    io.write_json_atomic(sweep_dir / "failed" / f"{cell.id}.json",
                         {"id": cell.id, "levers": cell.levers, "overrides": list(cell.overrides), "error": error,
                          "traceback": trace, "host": socket.gethostname(), "pid": os.getpid()})
    print(f"\nplenary sweep: cell failed ({cell.label}): {error}\n  overrides: {' '.join(cell.overrides)}",
          file=sys.stderr, flush=True)


def run_one(cfg: RunConfig, cell: Cell, sweep_dir: Path, fail_fast: bool = False) -> str:
    """One cell with the sweep's bookkeeping, for any engine: 'reused' (already finished), 'run', 'failed' (the
    error recorded in failed/<id>.json and printed) or 'skipped' (fail_fast after another cell failed)."""
    sweep_dir = Path(sweep_dir)
    folder = sweep_dir / "cells" / cell.id
    record = sweep_dir / "failed" / f"{cell.id}.json"
    if (folder / CELL_DONE).exists():
        record.unlink(missing_ok=True)
        return "reused"
    if fail_fast and any((sweep_dir / "failed").glob("*.json")):
        return "skipped"
    try:
        run_cell(cfg, cell, folder)
    except Exception as exc:
        launchers.raise_if_signalled()        # an interruption whose exception was transformed: not a failure
        _fail(sweep_dir, cell, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        return "failed"
    record.unlink(missing_ok=True)
    return "run"


def _execute(p: Plan, overrides: list[str], pending: list[Cell], folder: Path, engine: str) -> bool:
    """Run the pending cells on the chosen engine; True when some may still be running elsewhere."""
    # engine dispatch ---------------------------------------------------------------------------------------
    # engine=dask: experiments/dask_engine.py (the dask helper's) provides launch(plan, ids to run, folder), which
    # returns None, or 130/143 after Ctrl-C/SIGTERM once the cells already computed are saved.
    if engine == "dask":
        from experiments.dask_engine import launch

        code = launch(p, {c.id for c in pending}, folder)
        if code:
            raise launchers.Interrupted(code - 128)
        return False
    if str(p.launcher.get("_target_", "")).endswith("JoblibLauncher"):
        return launchers.run_joblib(p, pending, folder)
    if p.hydra and any(o.split("=", 1)[0].lstrip("+") == "hydra/launcher" for o in p.hydra):
        return launchers.run_hydra(p, overrides, pending, folder)
    return launchers.run_local(p, pending, folder)          # the basic launcher's order, in this process
    # end of engine dispatch --------------------------------------------------------------------------------




def _engine(overrides: list[str]) -> tuple[list[str], str | None]:
    """Take ``engine=NAME`` out of the overrides while RunConfig has no ``engine`` key: (the rest, engine)."""
    if "engine" in RunConfig.__dataclass_fields__:
        return overrides, None
    rest, engine = [], None
    for o in overrides:
        key, _, value = o.partition("=")
        if key == "engine":
            engine = value
        else:
            rest.append(o)
    if engine is not None and engine not in ENGINES:
        from difflib import get_close_matches

        near = get_close_matches(engine, ENGINES, 1)
        raise ConfigError("engine", f"unknown engine {engine!r}" + (f" (did you mean {near[0]}?)" if near else ""),
                          " | ".join(ENGINES))
    return rest, engine


# ---------------------------------------------------------------------------------------------- gathering
def combine(folder: Path, cells: list[Cell], levers: list[str], *, quarantine: bool = False,
            bad: list | None = None) -> pd.DataFrame:
    """One tidy table of the finished cells that pass their check, in plan order; lever columns numeric when
    every value is a number. A cell that fails its check is left out and named on stderr (moved to quarantine/
    with ``quarantine=True``; appended to ``bad`` as (cell, problem))."""
    folder, tables = Path(folder), []
    for c in cells:
        where = folder / "cells" / c.id
        if not (where / CELL_DONE).is_file():
            continue
        problem, rows = ledger.check(where, c.id, c.levers)
        if problem:
            moved = ledger.quarantine(folder, c.id) if quarantine else None
            print(f"plenary sweep: cell {c.id} ({c.label}) failed its check: {problem}"
                  + (f"; moved to {moved.relative_to(folder)}" if moved else "; left out"), file=sys.stderr)
            if bad is not None:
                bad.append((c, problem))
            continue
        tables.append(ledger.as_swept(rows, where, c.levers))
    if not tables:
        return pd.DataFrame()
    table = pd.concat(tables, ignore_index=True)
    for k in levers:
        if k in table:
            numeric = pd.to_numeric(table[k], errors="coerce")
            if numeric.notna().all():
                table[k] = numeric
    return table


def _folder_cells(folder: Path) -> dict[str, dict]:
    """cell.json of every finished cell in the folder (unreadable ones as {})."""
    out = {}
    for cid in finished(folder):
        try:
            out[cid] = json.loads((folder / "cells" / cid / CELL_DONE).read_text())
        except (OSError, ValueError):
            out[cid] = {}
    return out


def _design_text(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in d.items() if k != "version")


def _stale_text(m: dict, version: str, posts: dict) -> str:
    if m.get("version") != version:
        return f"computed by model version {m.get('version') or 'unknown (before model versions)'}"
    post = m["posterior"]
    return f"computed under posterior {post['name']!r} sha256 {post['hash']} (changed since)"


def _check_folder(p: Plan, folder: Path, reuse_stale: bool, extend: bool) -> dict[str, str]:
    """Refuse a folder of another model version or design (ConfigError, exit 2) unless allowed; return the planned
    cell ids to take from stale cells (with --reuse-stale): {planned id: stale id}.

    Once a folder holds cells of this version and design (added with --extend), re-running is not refused again.
    """
    metas = _folder_cells(folder)
    posts = {i["name"]: i["hash"] for i in map(sweep_posterior.identity, p.configs.values()) if i}

    def current(m: dict) -> bool:      # computed by this model version (and this content of its posterior)
        post = m.get("posterior") or {}
        return m.get("version") == p.version and posts.get(post.get("name"), post.get("hash")) == post.get("hash")

    stale = {cid: m for cid, m in metas.items() if m and not current(m)}   # unreadable: checked later
    extended = any(current(m) for m in metas.values())
    if stale and not (reuse_stale or extend or extended):
        counts = Counter(_stale_text(m, p.version, posts) for m in stale.values())
        found = "; ".join(f"{n} {v}" for v, n in counts.items())
        mine = f"model version {p.version}" + "".join(f", posterior {k!r} sha256 {h}" for k, h in posts.items())
        raise ConfigError("sweep.dir", f"{folder} holds {len(stale)} cells of another model version or posterior "
                          f"({found}); this command is {mine}",
                          "--reuse-stale to reuse those cells as they are (recorded in the manifest), --extend to "
                          "compute this version's cells beside them, or another sweep.dir")
    mine = {k: v for k, v in design(p.config, p.version).items() if k != "version"}
    designs = [{k: v for k, v in m["design"].items() if k != "version"} for m in metas.values()
               if isinstance(m.get("design"), dict)]
    other = [d for d in designs if d != mine]
    if other and mine not in designs and not extend:
        raise ConfigError("sweep.dir", f"{folder} holds {len(other)} cells of another design "
                          f"({_design_text(other[0])}) than this command ({_design_text(mine)})",
                          "the same design in this folder, --extend to add this design beside it, or another "
                          "sweep.dir")
    if not reuse_stale:
        return {}
    by_key = {m.get("config_key"): cid for cid, m in stale.items() if m.get("config_key")}
    return {c.id: by_key[config_key(p.configs[c.id])] for c in p.cells
            if c.id not in metas and config_key(p.configs[c.id]) in by_key}


@dataclass
class SweepOutcome:
    folder: Path
    reused: int
    run: int
    failed: list[Cell]
    table: pd.DataFrame
    unfinished: list[Cell] = field(default_factory=list)    # not finished (queued, running, or never started)
    quarantined: list[str] = field(default_factory=list)    # ids that failed their check, moved aside
    interrupted: int | None = None                         # the signal that stopped the sweep
    abandoned: bool = False                                # a launcher's jobs may still be running

    def line(self) -> str:
        extra = f", {len(self.unfinished)} not finished" if self.unfinished else ""
        return f"{self.reused} reused, {self.run} run, {len(self.failed)} failed{extra}"


def _verify_reused(p: Plan, cells: list[Cell], folder: Path, done: set[str]) -> list[str]:
    """Check every finished planned cell before reuse; move a failing one to quarantine/ (it is then recomputed)."""
    bad = []
    for c in cells:
        if c.id not in done:
            continue
        expected = design(p.configs[c.id], p.version) if c.id in p.configs else None
        problem, _ = ledger.check(folder / "cells" / c.id, c.id, c.levers, expected)
        if problem:
            moved = ledger.quarantine(folder, c.id)
            print(f"plenary sweep: cell {c.id} ({c.label}) failed its check: {problem}; moved to "
                  f"{moved.relative_to(folder)}, recomputing it", file=sys.stderr)
            bad.append(c.id)
    return bad


# ---------------------------------------------------------------------------------------------- the sweep
def _write_plan(p: Plan, folder: Path, cells: list[Cell], overrides: list[str]) -> None:
    io.write_json_atomic(folder / "plan.json", {
        "name": p.name, "question": p.question, "levers": p.levers, "baseline": p.baseline,
        "command": ["plenary", "sweep", *overrides], "model_version": p.version,
        "cells": [{"id": c.id, "levers": c.levers, "overrides": list(c.overrides)} for c in cells]})


def _gather(p: Plan, folder: Path, cells: list[Cell], overrides: list[str], run: dict) -> tuple[pd.DataFrame, list]:
    """results.parquet and manifest.json of the cells that pass their check (both written atomically)."""
    bad: list = []
    table = combine(folder, cells, p.levers, quarantine=True, bad=bad)
    results = folder / "results.parquet"
    if table.empty:
        results.unlink(missing_ok=True)
    else:
        io.write_atomic(results, lambda tmp: table.to_parquet(tmp, index=False))
    done = finished(folder)
    for cid in done:
        (folder / "failed" / f"{cid}.json").unlink(missing_ok=True)    # a later success wins over a failure
    missing = [c.id for c in cells if c.id not in done]
    run["failed"] = [cid for cid in missing if (folder / "failed" / f"{cid}.json").exists()]
    run["unfinished"] = [cid for cid in missing if cid not in run["failed"]]
    io.write_json_atomic(folder / "manifest.json", {
        "command": ["plenary", "sweep", *overrides], "name": p.name, "question": p.question, "levers": p.levers,
        "baseline": p.baseline, "seed": p.config.seed, "replicates": p.config.replicates,
        "variants": p.config.variants, "attribution": p.config.attribution, "model_version": p.version,
        "design": design(p.config, p.version), "cells": len(cells),
        "cells_finished": sum(c.id in done for c in cells), "last_run": run,
        "results_sha256": ledger.sha256(results) if results.exists() else None,
        "config": OmegaConf.to_container(OmegaConf.structured(p.config)), "git_commit": io.git_commit(),
        "versions": io.versions()})
    return table, bad


def sweep(overrides: list[str] | tuple[str, ...], progress: bool = True, dry_run: bool = False,
          reuse_stale: bool = False, extend: bool = False) -> SweepOutcome:
    """Plan, validate, check the folder, run the missing cells and gather the tidy table (module docstring).

    Ctrl-C or SIGTERM stops submitting, gathers the finished cells and returns with ``interrupted`` set.
    """
    overrides, engine = _engine(list(overrides))
    p = plan(overrides)
    engine = engine or getattr(p.config, "engine", "hydra")
    folder = p.dir
    stale = _check_folder(p, folder, reuse_stale, extend)
    cells = [Cell(stale.get(c.id, c.id), c.overrides, c.levers) for c in p.cells]
    done_before = finished(folder) & {c.id for c in cells}
    if dry_run:
        for c in cells:
            word = "stale " if c.id in stale.values() else "reuse " if c.id in done_before else "run   "
            print(f"{word}{c.id}  {c.label}")
        return SweepOutcome(folder, len(done_before), 0, [], pd.DataFrame())
    folder.mkdir(parents=True, exist_ok=True)
    ledger.clean_temporaries(folder, p.config.sweep.tmp_timeout_hours * 3600)
    ledger.clean_leftovers(folder)
    quarantined = _verify_reused(p, cells, folder, done_before)
    done_before -= set(quarantined)
    shutil.rmtree(folder / "failed", ignore_errors=True)     # failures of earlier runs are retried now
    _write_plan(p, folder, cells, overrides)
    pending = [c for c in p.cells if c.id not in done_before and c.id not in stale]
    if engine != "hydra" or p.hydra:
        for var in BLAS_ENV:                              # one BLAS thread per worker process (STACK.md)
            os.environ.setdefault(var, "1")
    watcher = launchers.Progress(folder, {c.id for c in pending}, p.config.replicates) if progress and pending else None
    started, interrupted, abandoned = time.perf_counter(), None, False
    if watcher:
        watcher.start()
    try:
        with launchers.signals():
            if pending:
                abandoned = _execute(p, overrides, pending, folder, engine)
    except launchers.Interrupted as exc:
        interrupted = exc.signum
    except KeyboardInterrupt:
        interrupted = signal.SIGINT
    finally:
        if watcher:
            watcher.stop.set()
            watcher.join()
    if interrupted:                    # a Hydra launcher's thread still waiting on its jobs is left behind
        abandoned = abandoned or any(t.name == "hydra-launcher" and t.is_alive() for t in threading.enumerate())
    elapsed = time.perf_counter() - started
    with launchers.deferred_signals():
        run = {"engine": engine, "reused": len(done_before), "seconds": round(elapsed, 2),
               "quarantined": quarantined, "interrupted": signal.Signals(interrupted).name if interrupted else None,
               "reuse_stale": [{"cell": new, "reused": old} for new, old in stale.items()], "extend": extend}
        run["run"] = len({c.id for c in pending} & finished(folder))
        table, bad = _gather(p, folder, cells, overrides, run)
    return _outcome(p, folder, cells, pending, done_before, table, bad, quarantined, interrupted, abandoned, elapsed)


def _outcome(p, folder, cells, pending, done_before, table, bad, quarantined, interrupted, abandoned, elapsed):
    done = finished(folder)
    missing = [c for c in cells if c.id not in done]
    failed = [c for c in missing if (folder / "failed" / f"{c.id}.json").exists()]
    unfinished = [c for c in missing if c not in failed]
    out = SweepOutcome(folder, len(done_before), sum(c.id in done for c in pending), failed, table, unfinished,
                       quarantined + [c.id for c, _ in bad], interrupted, abandoned)
    print(f"{out.line()} in {elapsed:.1f} s; results in {folder}")
    for c in failed:
        why = json.loads((folder / "failed" / f"{c.id}.json").read_text()).get("error", "?")
        print(f"  failed: {c.label}: {why}", file=sys.stderr)
    if unfinished:
        where = (" (their SLURM jobs are gone)" if abandoned == launchers.LOST else
                 " (may still be running)" if abandoned or interrupted else "")
        print(f"  not finished{where}: " + "; ".join(f"{c.id} {c.label}" for c in unfinished[:20])
              + (f"; and {len(unfinished) - 20} more" if len(unfinished) > 20 else ""), file=sys.stderr)
    if interrupted:
        print(f"plenary sweep: interrupted ({signal.Signals(interrupted).name}): {len(cells) - len(missing)} of "
              f"{len(cells)} cells finished and gathered into results.parquet; run the same command again to "
              f"finish the rest", file=sys.stderr)
    return out


# ---------------------------------------------------------------------------------------------- verify
def verify(folder: Path | str, overrides: list[str] | None = None, stream=None) -> int:
    """Check a sweep folder without running anything: one line per cell (ok, BAD, missing), exit status 1 if any
    cell is bad (or results.parquet does not match the manifest), 0 otherwise. With overrides, the planned cells
    of that command; without, every cell folder."""
    stream = stream or sys.stdout
    folder = Path(folder) if folder is not None else Path()
    if overrides:
        p = plan(_engine(list(overrides))[0])
        folder = p.dir
        expected = [(c.id, c.label, c.levers, design(p.configs[c.id], p.version)) for c in p.cells]
    elif (folder / "cells").is_dir():
        expected = []
        metas = _folder_cells(folder)
        for cid in sorted(p.name for p in (folder / "cells").iterdir() if not p.name.startswith(".")):
            label = ", ".join(f"{k}={v}" for k, v in (metas.get(cid) or {}).get("levers", {}).items())
            expected.append((cid, label, None, None))
    else:
        raise ConfigError("--verify", f"{folder} is not a sweep folder (no cells/ inside)",
                          "a folder written by plenary sweep, e.g. outputs/sweeps/cosp_access")
    bad = 0
    for cid, label, levers, want in expected:
        where = folder / "cells" / cid
        if not where.exists():
            print(f"missing  {cid}  {label}", file=stream)
            continue
        problem = ledger.check(where, cid, levers, want)[0] if ledger.ID.match(cid) else "not a cell id"
        bad += problem is not None
        print(f"{'BAD' if problem else 'ok':<8} {cid}  {label}{': ' + problem if problem else ''}".rstrip(),
              file=stream)
    bad += _verify_results(folder, stream)
    print(f"{len(expected)} cells checked, {bad} bad", file=stream)
    return 1 if bad else 0


def _verify_results(folder: Path, stream) -> int:
    results, manifest = folder / "results.parquet", folder / "manifest.json"
    if not results.exists() or not manifest.exists():
        return 0
    want = json.loads(manifest.read_text()).get("results_sha256")
    if want and ledger.sha256(results) != want:
        print("BAD      results.parquet does not match the checksum in manifest.json", file=stream)
        return 1
    return 0
