"""Sweeps over posterior draws: ``plenary sweep experiment=X posterior.draws=D [posterior.name=NAME]``.

Each cell runs its R replicates under each of D parameter sets drawn from the posterior ``NAME``
(``sim.posterior.draws``, reproducible from the root seed: draw d is the same parameter set in every cell), with
common random numbers: the same replicate seeds under every draw (``sim.posterior.run_over_posterior``). A cell's
rows carry the draw index (``draw``) and the drawn values of the fitted parameters (``param.<name>``), so a rule
effect is paired twice over: cell minus baseline, within the same draw and the same replicate.

The posterior's identity (its name and a sha256 of its content: the samples and the provenance) and D are part of
the cell's id and of ``cell.json``. A posterior that changes under the same name therefore never serves old cells:
the folder is refused as for another model version (``--reuse-stale`` to reuse them, ``--extend`` to compute the
new ones beside them).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

import numpy as np
import pandas as pd

from sim import posterior as post_mod
from sim.config import RunConfig

PARAM_PREFIX = "param."


def _stat(name: str) -> tuple:
    """What changes when the posterior's files change (so the content hash is recomputed)."""
    folder = post_mod.root() / name
    files = sorted(folder.glob("*")) if folder.is_dir() else []
    return (str(folder), *((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file()))


@cache
def _content_hash(name: str, stat: tuple) -> str:
    post = post_mod.load(name)
    digest = hashlib.sha256(post.samples.to_csv(index=False, float_format="%.17g").encode())
    digest.update(json.dumps(post.provenance, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def content_hash(name: str) -> str:
    """sha256 (16 hex digits) of the posterior's samples and provenance (raises ConfigError for an unknown name)."""
    return _content_hash(name, _stat(name))


def identity(cfg: RunConfig) -> dict | None:
    """The posterior a cell runs under: {name, hash, draws, unfitted}, or None when it runs the params as
    configured."""
    spec = getattr(cfg, "posterior", None)
    if spec is None or not spec.draws:
        return None
    return {"name": spec.name, "hash": content_hash(spec.name), "draws": int(spec.draws), "unfitted": spec.unfitted}


def parameter_sets(cfg: RunConfig):
    """(posterior, the D parameter sets) of a cell: the fitted parameters from each draw, the unfitted ones from
    their priors or the cell's own params (``posterior.unfitted``); the same sets in every cell of the sweep (drawn
    from the root seed; a sweep over a parameter with ``unfitted=prior`` is refused by the plan)."""
    post = post_mod.load(cfg.posterior.name)
    return post, post_mod.draws(post, cfg.posterior.draws, cfg.seed, cfg.params, cfg.posterior.unfitted)


def run(world, cfg: RunConfig):
    """The cell's table over draws x replicates (with ``draw`` and ``param.*`` columns) and, for the plain chain,
    the stacked trajectories (draft over draws x replicates, positions), else None."""
    post, sets = parameter_sets(cfg)
    replicates = np.arange(cfg.replicates)
    drafts = positions = None
    if cfg.chain == "cosp":
        from sim.cosp import cosp_chain

        variants = cfg.variants if cfg.variants != "none" else "all_vs_none"
        table = pd.concat([cosp_chain(world, p, cfg.rules, cfg.cosp, cfg.seed, replicates, variants).assign(draw=d)
                           for d, p in enumerate(sets)], ignore_index=True)
    elif cfg.attribution != "none":
        from sim.runner import run_replicates

        runs = [run_replicates(world, p, cfg.rules, cfg.seed, replicates, cfg.variants, cfg.chunk_size,
                               cfg.attribution) for p in sets]
        table = pd.concat([r.table.assign(draw=d) for d, r in enumerate(runs)], ignore_index=True)
    else:
        table, runs = post_mod.run_over_posterior(world, sets, cfg.rules, cfg.seed, replicates, cfg.variants,
                                                  cfg.chunk_size)
    if cfg.chain != "cosp":
        drafts = np.concatenate([r.draft for r in runs])
        positions = np.concatenate([r.positions for r in runs])
    draw = table.pop("draw").to_numpy()
    values = pd.DataFrame([{f"{PARAM_PREFIX}{k}": getattr(p, k) for k in post.parameters} for p in sets])
    front = pd.concat([pd.DataFrame({"draw": draw}), values.iloc[draw].reset_index(drop=True)], axis=1)
    return pd.concat([front, table.reset_index(drop=True)], axis=1), drafts, positions


def check_rows(rows: pd.DataFrame, replicates: int, draws: int) -> str | None:
    """None when the rows hold replicates 0..R-1 once under each draw 0..D-1, else the problem."""
    if "draw" not in rows:
        return f"no draw column although the cell ran {draws} posterior draws"
    pairs = sorted(zip(rows["draw"].astype(int), rows["replicate"].astype(int), strict=True))
    want = [(d, r) for d in range(draws) for r in range(replicates)]
    if pairs != want:
        return f"(draw, replicate) pairs are not 0..{draws - 1} x 0..{replicates - 1} once each"
    return None
