"""Held-out validation of the fit (issue 12): leave one pattern of the record out, fit on the rest, predict it.

    python -m experiments.heldout [--budget 150,4,4] [--draws 16] [--replicates 8] [--name NAME] [--install]

For each group of record statistics (the zero draft, the revised draft, the final text, the process facts, the
signatories) ``plenary calibrate``'s ABC-SMC is run on every *other* statistic, and the held-out group is
predicted from that posterior (``--draws`` weighted draws x ``--replicates`` replicates). Beside each prediction:

- **prior predictive**: the same model with its parameters drawn from the prior (uniform on the plausible ranges):
  does fitting the other patterns help predict this one?
- **compromise** (texts only): the states' capability- and salience-weighted mean of their initial positions, the
  model-free benchmark of the negotiation-forecasting literature (the "compromise model", Achen 2006 in Thomson et
  al., *The European Union Decides*): does the model's dynamics beat no dynamics at all?
- **fitted with it**: the in-sample posterior-predictive mean of the shipped fit (``provenance.json``), for scale.

Errors are absolute, in the statistic's own unit (points of the 0-100 scale for texts, shares for the process,
states for the signatories). The table is written with its provenance (code version, seed, budget, date) to
``outputs/heldout/<name>/``; ``--install`` also writes ``docs/heldout/heldout.csv`` + ``.md``, which
``plenary validate`` shows (and flags when it was computed by another model version).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

GROUPS = {                                     # label -> test on the statistic's name
    "zero draft (June 2023)": lambda k: k.startswith("text_") and k.endswith("zero_draft_2023_06"),
    "revised draft (Nov 2023)": lambda k: k.startswith("text_") and k.endswith("revised_2023_11"),
    "final text (Aug 2024)": lambda k: k.startswith("text_") and k.endswith("final_2024_08"),
    "process (suspension, consensus, deletion votes)": lambda k: k.startswith("share_"),
    "signatories at the opening": lambda k: k == "signatories_opening",
}
SHIPPED = Path(__file__).resolve().parents[1] / "docs" / "heldout"   # outside the hashed model code (sim.version)


def groups(statistics) -> dict[str, list[str]]:
    """The record's statistics by held-out group (groups with no coded statistic are left out)."""
    out = {label: [k for k in statistics if test(k)] for label, test in GROUPS.items()}
    return {label: keys for label, keys in out.items() if keys}


def compromise_baseline(world, statistic: str) -> float:
    """The states' weighted compromise of their initial positions on the statistic's provision (texts), else NaN."""
    from sim.core import kernels as kn

    if not statistic.startswith("text_"):
        return float("nan")
    provision = next(k for k in sorted(world.issue_keys, key=len, reverse=True) if statistic.startswith(f"text_{k}_"))
    j = world.issue_keys.index(provision)
    weight = world.capability[:, None] * world.salience
    return float(kn.compromise(world.x_base[None], weight)[0, j])


def _simulate(cfg, world, values: list[dict], names: list[str], replicates: int, custom=None) -> pd.DataFrame:
    from experiments import calibrate as cal
    from experiments.statistics import summary_statistics
    from sim.runner import run_replicates

    return pd.DataFrame([summary_statistics(run_replicates(world, cal.to_params(cfg.params, v, custom), cfg.rules, cfg.seed,
                                                           np.arange(replicates), "none"), names) for v in values])


def prior_predictive(cfg, world, names: list[str], statistics: list[str], draws: int, replicates: int,
                     custom=None):
    """The statistics simulated under ``draws`` parameter sets drawn from the prior (reproducible from the seed;
    ``custom``: the posterior's ``--prior`` ranges, else the plausible ranges)."""
    from experiments import calibrate as cal

    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(0x4E1D,)))
    units = [dict(zip(names, rng.random(len(names)).tolist(), strict=True)) for _ in range(draws)]
    return _simulate(cfg, world, [cal.from_unit(u, custom) for u in units], statistics, replicates, custom)


def held_out(cfg, names: list[str], budget, work: Path, draws: int, replicates: int, in_sample: dict | None = None,
             only: list[str] | None = None, custom: dict | None = None) -> pd.DataFrame:
    """One row per held-out statistic: record, prediction from the fit without its group (mean, 5-95%), the prior
    predictive and the compromise baselines, the in-sample prediction, and the absolute errors. ``custom``: the
    shipped posterior's ``--prior`` ranges, so that every fit here has the priors it had."""
    from experiments import calibrate as cal
    from experiments.statistics import observed_statistics
    from sim.posterior import resample
    from sim.scenario import build_world

    observed, world = observed_statistics(), build_world(cfg.scenario, cfg.seed)
    prior = prior_predictive(cfg, world, names, list(observed), draws, replicates, custom)
    rows = []
    for label, held in groups(observed).items():
        if only and label not in only:
            continue
        train = {k: v for k, v in observed.items() if k not in held}
        slug = "".join(c if c.isalnum() else "_" for c in label.split(" (")[0])
        history, _ = cal.fit(cfg, names, budget, work / f"without_{slug}.db", observed=train, custom=custom)
        table = cal.posterior_table(history, names, cfg.params, custom)
        sims = _simulate(cfg, world, resample(table, draws, cfg.seed)[names].to_dict("records"), held, replicates,
                         custom)
        for k in held:
            rows.append({"group": label, "statistic": k, "record": observed[k], "predicted": sims[k].mean(),
                         "p5": sims[k].quantile(0.05), "p95": sims[k].quantile(0.95), "prior": prior[k].mean(),
                         "compromise": compromise_baseline(world, k),
                         "in_sample": (in_sample or {}).get(k, float("nan"))})
    out = pd.DataFrame(rows)
    for col in ("predicted", "prior", "compromise", "in_sample"):
        out[f"error_{col}"] = (out[col] - out["record"]).abs()
    return out


def markdown(table: pd.DataFrame, provenance: dict) -> str:
    """The held-out table by group (mean absolute errors) and by statistic, with its provenance."""
    by_group = table.groupby("group", sort=False)[[c for c in table if c.startswith("error_")]].mean()
    lines = ["# Held-out validation: fit without a pattern of the record, then predict it", "",
             f"Code version {provenance['code_version']}, seed {provenance['seed']}, budget "
             f"{provenance['budget']}, {provenance['draws']} draws x {provenance['replicates']} replicates, "
             f"{provenance['date']}. Absolute errors in the statistic's unit (points of the 0-100 scale for texts, "
             "shares for the process, states for the signatories).", "",
             "| held-out group | fitted without it | prior predictive | compromise (no dynamics) | fitted with it |",
             "|---|---|---|---|---|"]
    fmt = lambda v: "-" if pd.isna(v) else f"{v:.2f}"  # noqa: E731
    for g, r in by_group.iterrows():
        lines.append(f"| {g} | {fmt(r.error_predicted)} | {fmt(r.error_prior)} | {fmt(r.error_compromise)} | "
                     f"{fmt(r.error_in_sample)} |")
    lines += ["", "| statistic | record | fitted without its group (5-95%) | prior | compromise |", "|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.statistic} | {r.record:.2f} | {r.predicted:.2f} [{r.p5:.2f}, {r.p95:.2f}] | "
                     f"{r.prior:.2f} | {fmt(r.compromise)} |")
    lines += ["", "A held-out error no smaller than the prior predictive's means that the other patterns of the record "
              "do not inform this one through the model; an error no smaller than the compromise's means that the "
              "model's dynamics add nothing to the states' initial positions for it.", ""]
    return "\n".join(lines)


def shipped_section(folder: Path = SHIPPED) -> list[str]:
    """Markdown lines for ``plenary validate``: the shipped held-out table, flagged when another model version
    computed it (the table is then a record of that model, not of this one)."""
    from sim.version import model_version

    md, prov = folder / "heldout.md", folder / "provenance.json"
    if not md.exists() or not prov.exists():
        return ["## Held-out validation", "", "No held-out table is shipped: run `python -m experiments.heldout "
                "--install` (about 5 minutes on one core).", ""]
    computed, now = json.loads(prov.read_text())["code_version"], model_version()
    stale = [] if computed == now else [f"**Computed by model version {computed}; this is {now}: re-run "
                                        "`python -m experiments.heldout --install` before citing it.**", ""]
    body = md.read_text().splitlines()
    return ["## Held-out validation (leave one pattern of the record out)", "", *stale, *body[2:], ""]


BUDGET, DRAWS, REPLICATES = "150,4,4", 16, 8     # the shipped table's design: ~5 minutes on one core


def compute(cfg, shipped, budget, draws: int, replicates: int, folders: list[Path], only: list[str] | None = None,
            command: str = "", keep_work: bool = True) -> tuple[pd.DataFrame, dict]:
    """The held-out table of the posterior ``shipped``'s parameters and priors under ``cfg``, written (csv, md and
    provenance, each atomically) into every folder of ``folders``; returns (table, provenance). The fits' histories
    are kept beside the first folder (``.<name>.work``) unless ``keep_work`` is false."""
    import shutil

    from sim import io
    from sim.priors import custom_from_provenance
    from sim.version import model_version

    in_sample = {r["statistic"]: r["mean"] for r in shipped.provenance.get("predictive", [])}
    work = folders[0].with_name(f".{folders[0].name}.work")
    work.mkdir(parents=True, exist_ok=True)
    table = held_out(cfg, shipped.parameters, budget, work, draws, replicates, in_sample, only,
                     custom_from_provenance(shipped.provenance))
    provenance = {"code_version": model_version(), "seed": cfg.seed, "budget": str(budget), "draws": draws,
                  "replicates": replicates, "parameters": shipped.parameters, "posterior": shipped.name,
                  "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "command": command}
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        io.write_atomic(folder / "heldout.csv", lambda p: table.to_csv(p, index=False))
        io.write_text_atomic(folder / "heldout.md", markdown(table, provenance))
        io.write_text_atomic(folder / "provenance.json", json.dumps(provenance, indent=1) + "\n")
    if not keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return table, provenance


def main(argv: list[str] | None = None) -> int:
    from experiments import calibrate as cal
    from experiments.config import load
    from sim import posterior as post
    from sim.errors import ConfigError

    ap = argparse.ArgumentParser(prog="python -m experiments.heldout", description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", default=BUDGET, help="POPULATION,GENERATIONS,REPLICATES of each fit")
    ap.add_argument("--draws", type=int, default=DRAWS, help="posterior (and prior) draws per prediction")
    ap.add_argument("--replicates", type=int, default=REPLICATES, help="replicates per draw")
    ap.add_argument("--name", default=None, help="folder name under outputs/heldout (default: the date and time)")
    ap.add_argument("--install", action="store_true", help="also write the shipped docs/heldout/heldout.*")
    ap.add_argument("--group", action="append", choices=list(GROUPS), help="only this group (repeatable)")
    args = ap.parse_args(argv)
    try:
        budget = cal.Budget.parse(args.budget)
        if args.draws < 2 or args.replicates < 1:
            raise ConfigError("--draws/--replicates", f"{args.draws}/{args.replicates}", "draws >= 2, replicates >= 1")
        shipped = post.load(post.DEFAULT)
        cfg = load([])
        name = args.name or dt.datetime.now(dt.UTC).strftime("%Y%m%d_%H%M%S")
        dest = Path("outputs/heldout") / name
        if dest.exists():
            raise ConfigError("--name", f"{dest} exists", "a new --name (results are never overwritten)")
    except ConfigError as exc:
        print(f"heldout: error: {exc}", file=sys.stderr)
        return 2
    table, provenance = compute(cfg, shipped, budget, args.draws, args.replicates, [dest, *([SHIPPED] if args.install
                                else [])], args.group, "python -m experiments.heldout " + " ".join(argv or sys.argv[1:]))
    print(markdown(table, provenance))
    print(f"held-out table in {dest}" + (f" and {SHIPPED}" if args.install else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
