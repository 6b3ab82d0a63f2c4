"""Posteriors of the behavioural parameters as named, versioned artefacts, and results that carry them.

A posterior is a folder ``configs/params/posterior/<name>/`` (written by ``plenary calibrate``):

- ``samples.csv``: one row per particle of the last ABC-SMC generation, the fitted parameters' values and a
  ``weight`` column (summing to 1);
- ``provenance.json``: the record version (sha256 of the record files), the code version, seed, budget, library
  versions, date, the statistics and their recorded values, the priors, the values of every parameter that was
  not fitted (``base_params``), and the diagnostics (ε, acceptance rate and effective sample size per generation).

``draws(name, n, seed)`` resamples ``n`` parameter sets by weight, reproducibly from the seed;
``run_over_posterior`` runs the same replicates (common random numbers) under each draw. The shipped default is
``default``; ``params=posterior`` (``configs/params/posterior.yaml``) is its weighted mean.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import UNFITTED, ConfigError, Params, Rules, check_choice
from sim.scenario import World

DEFAULT = "default"
SAMPLES, PROVENANCE = "samples.csv", "provenance.json"
#: provenance keys every posterior carries (tested)
PROVENANCE_KEYS = ("name", "record_version", "code_version", "seed", "budget", "libraries", "date", "statistics",
                   "parameters", "priors", "base_params", "diagnostics", "engine", "command")
DRAW_STREAM = 0x706F73   # spawn key of the resampling generator ("pos"), apart from every model stream (MODEL.md §7)
INTERVAL = (0.025, 0.975)


def root() -> Path:
    """The folder of the shipped posteriors."""
    return Path(str(resources.files("sim.configs"))) / "params" / "posterior"


def record_version() -> str:
    """sha256 (16 hex digits) over the record files, so a posterior names the record it was fitted to."""
    digest = hashlib.sha256()
    for name in ("ahc_record.csv", "ahc_process.csv"):
        blob = (resources.files("sim") / "data" / name).read_bytes()
        digest.update(f"{name}\0{len(blob)}\0".encode() + blob)
    return digest.hexdigest()[:16]


def code_version() -> str:
    """``sim.version.model_version()`` where the package has it, else the package version and the git commit."""
    try:
        from sim.version import model_version
    except ImportError:
        from importlib import metadata

        from sim import io

        return f"{metadata.version('plenary')}+git.{io.git_commit()}"
    return model_version()


@dataclass
class Posterior:
    name: str
    samples: pd.DataFrame       # fitted parameters + weight
    provenance: dict

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.samples.columns if c != "weight"]

    def mean(self) -> dict[str, float]:
        w = self.samples["weight"].to_numpy()
        return {p: float(np.sum(w * self.samples[p].to_numpy())) for p in self.parameters}


def available(folder: Path | None = None) -> list[str]:
    folder = root() if folder is None else Path(folder)
    return sorted(p.name for p in folder.glob("*") if (p / SAMPLES).is_file()) if folder.is_dir() else []


def load(name: str = DEFAULT, folder: Path | None = None) -> Posterior:
    """The posterior ``name`` (from the shipped ones, or from ``folder``).

    Raises:
        ConfigError: no such posterior (naming the ones there are, with a suggestion).
    """
    base = root() if folder is None else Path(folder)
    path = base / name
    if not (path / SAMPLES).is_file():
        names = available(base)
        near = difflib.get_close_matches(name, names, n=1)
        raise ConfigError("posterior.name", f"no posterior {name!r} in {base}" + (f" (did you mean {near[0]!r}?)"
                          if near else ""), " | ".join(names) or "none yet: run plenary calibrate")
    samples = pd.read_csv(path / SAMPLES)
    return Posterior(name, samples, json.loads((path / PROVENANCE).read_text()))


def write(folder: Path, samples: pd.DataFrame, provenance: dict, replace_existing: bool = False) -> Path:
    """Write a posterior folder atomically; an existing one is replaced only with ``replace_existing``."""
    import shutil

    from sim import io

    folder = Path(folder)
    missing = [k for k in PROVENANCE_KEYS if k not in provenance]
    if missing:
        raise ValueError(f"provenance lacks {missing}")
    old = None
    if folder.exists():
        if not replace_existing:
            raise ConfigError("--name", f"a posterior {folder.name!r} exists at {folder}",
                              "a new --name, or --install to replace the shipped default")
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    with io.atomic_dir(folder) as tmp:
        samples.to_csv(tmp / SAMPLES, index=False)
        (tmp / PROVENANCE).write_text(json.dumps(provenance, indent=2, default=str) + "\n")
    if old is not None:
        shutil.rmtree(old)
    return folder


def resample(samples: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows drawn with replacement with probability ``weight``, reproducible from ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_STREAM,)))
    w = samples["weight"].to_numpy(float)
    idx = rng.choice(len(samples), size=n, replace=True, p=w / w.sum())
    return samples.iloc[idx].reset_index(drop=True)


def draws(name: str | Posterior, n: int, seed: int, base: Params | None = None,
          unfitted: str = "prior") -> list[Params]:
    """``n`` parameter sets from the posterior by weighted resampling: the fitted parameters from the draw.

    Every other uncertain parameter (a ``Params`` field with a plausible range, :mod:`sim.priors`) is, with
    ``unfitted="prior"``, drawn from its prior, independently per draw and reproducibly from ``seed``: the record
    does not inform it (a parameter the fit left out because it moves no statistic has posterior = prior), so
    holding it at one value would report the uncertainty about the parameters as smaller than it is. A field whose
    value in ``base`` differs from its default was set on purpose (a sweep's axis, a user's override) and is held
    at that value. With ``unfitted="fixed"`` every unfitted field comes from ``base`` (default: the values the
    posterior was fitted with): the result is then conditional on those values, and says so.
    """
    from sim import priors

    check_choice("posterior.unfitted", unfitted, UNFITTED)
    post = name if isinstance(name, Posterior) else load(name)
    fixed = {f.name: getattr(base, f.name) for f in fields(Params)} if base is not None else post.provenance["base_params"]
    ints = {f.name for f in fields(Params) if isinstance(f.default, int)}
    free = prior_parameters(post, base) if unfitted == "prior" else []
    units = priors.sample_units(free, n, seed)
    out = []
    for row, unit in zip(resample(post.samples, n, seed)[post.parameters].to_dict("records"), units, strict=True):
        values = {**fixed, **row}
        params = Params(**{k: int(v) if k in ints else float(v) for k, v in values.items()})
        out.append(priors.to_params(params, priors.from_unit(unit)) if free else params)
    return out


def prior_parameters(post: Posterior, base: Params | None = None) -> list[str]:
    """The parameters ``draws(..., unfitted="prior")`` draws from their priors: every uncertain field that the
    posterior did not fit and that ``base`` leaves at its default."""
    from sim import priors

    default = Params()
    changed = set() if base is None else {f.name for f in fields(Params)
                                          if getattr(base, f.name) != getattr(default, f.name)}
    return [k for k in priors.uncertain_parameters() if k not in post.parameters and k not in changed]


def run_over_posterior(world: World, posterior_draws: list[Params], rules: Rules, seed: int, replicates,
                       variants: str = "none", chunk_size: int = 128):
    """The same replicates (common random numbers) under each posterior draw: the stacked table with a ``draw``
    column, and the RunResults of every draw (for charts)."""
    from sim.runner import run_replicates

    replicates = np.asarray(replicates, dtype=np.int64)
    runs = [run_replicates(world, p, rules, seed, replicates, variants, chunk_size) for p in posterior_draws]
    table = pd.concat([r.table.assign(draw=d) for d, r in enumerate(runs)], ignore_index=True)
    return table, runs


def effects(table: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Each effect over draws x replicates: the mean in points, the 95% interval of the mean from the replicates
    (within a draw, averaged over draws) and the 95% interval over draws of the per-draw mean, side by side."""
    columns = columns or [c for c in table if c.startswith("influence_")]
    rows = []
    for c in columns:
        per = table.groupby("draw")[c]
        means, half = per.mean(), (1.96 * per.std(ddof=1) / np.sqrt(per.count())).mean()
        rows.append({"effect": c, "mean": float(means.mean()), "replicates_lo": float(means.mean() - half),
                     "replicates_hi": float(means.mean() + half), "posterior_lo": float(means.quantile(INTERVAL[0])),
                     "posterior_hi": float(means.quantile(INTERVAL[1]))})
    return pd.DataFrame(rows)


def effects_markdown(frame: pd.DataFrame, n_draws: int, n_replicates: int, name: str,
                     from_prior: list[str] | None = None) -> str:
    """The effects table over the posterior, saying what the draws held for the parameters the fit left out:
    ``from_prior`` names those drawn from their priors (None: all held at their configured values)."""
    if from_prior:
        held = (f"the fitted parameters from the posterior, the {len(from_prior)} uncertain parameters it did not fit "
                "drawn from their priors (the record does not inform them)")
    else:
        held = ("the fitted parameters from the posterior, every other parameter at its configured value: the "
                "interval over the posterior is conditional on those values (`posterior.unfitted=prior` draws them)")
    lines = ["", f"## Over the posterior ({name!r}: {n_draws} draws x {n_replicates} replicates, the same replicate "
             "seeds under every draw)", "", f"Each draw holds {held}.", "",
             "| effect | mean (points) | 95% over replicates | 95% over the posterior |", "|---|---|---|---|"]
    lines += [f"| {r.effect} | {r.mean:+.3f} | [{r.replicates_lo:+.3f}, {r.replicates_hi:+.3f}] | "
              f"[{r.posterior_lo:+.3f}, {r.posterior_hi:+.3f}] |" for r in frame.itertuples()]
    return "\n".join(lines) + "\n"


def provision_effects(table: pd.DataFrame, issue_keys) -> pd.DataFrame:
    """Per provision, the stakeholder effect in points, |text with all stakeholders - text without|
    (``effect_<provision>``, absolute), with the same two spreads as :func:`effects`."""
    columns = [f"effect_{k}" for k in issue_keys if f"effect_{k}" in table]
    if not columns:
        return pd.DataFrame(columns=["effect", "mean", "replicates_lo", "replicates_hi", "posterior_lo",
                                     "posterior_hi"])
    absolute = table[["draw", *columns]].copy()
    absolute[columns] = absolute[columns].abs()
    out = effects(absolute, columns)
    out["effect"] = out["effect"].str.removeprefix("effect_")
    return out


def provision_markdown(frame: pd.DataFrame) -> str:
    """The per-provision table of :func:`provision_effects` (empty without all-vs-none variants)."""
    if frame.empty:
        return ""
    lines = ["", "Per provision, |text with all stakeholders - text without| in points of the 0-100 scale:", "",
             "| provision | mean | 95% over replicates | 95% over the posterior |", "|---|---|---|---|"]
    lines += [f"| {r.effect} | {r.mean:.2f} | [{r.replicates_lo:.2f}, {r.replicates_hi:.2f}] | "
              f"[{r.posterior_lo:.2f}, {r.posterior_hi:.2f}] |" for r in frame.itertuples()]
    return "\n".join(lines) + "\n"


def run_with_posterior(world: World, cfg) -> tuple:
    """``plenary run posterior.draws=N``: the RunResults of all draws stacked (table with ``draw``) and the
    summary section of the effects over the posterior."""
    from sim.runner import RunResults

    post = load(cfg.posterior.name)
    sets = draws(post, cfg.posterior.draws, cfg.seed, cfg.params, cfg.posterior.unfitted)
    table, runs = run_over_posterior(world, sets, cfg.rules,
                                     cfg.seed, np.arange(cfg.replicates), cfg.variants, cfg.chunk_size)
    cat = lambda key: np.concatenate([getattr(r, key) for r in runs])  # noqa: E731
    stacked = RunResults(world, table, cat("draft"), cat("positions"), cat("accredited"), cat("ratifications"),
                         cat("signed"))
    free = prior_parameters(post, cfg.params) if cfg.posterior.unfitted == "prior" else None
    text = effects_markdown(effects(table), cfg.posterior.draws, cfg.replicates, post.name, free)
    return stacked, text + provision_markdown(provision_effects(table, world.issue_keys))
