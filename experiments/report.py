"""``plenary report SWEEP_DIR``: summary tables and publication charts of a finished or partly finished sweep.

Writes into ``SWEEP_DIR/report/`` (or ``--out``):

- ``summary.csv`` / ``summary.md``: one row per finished cell, lever values, R, outcomes with 95% intervals;
- ``effects.csv`` / ``effects.md``: each cell minus the baseline cell, paired replicate by replicate;
- in a sweep over posterior draws, also ``effects_posterior.*`` (the interval over replicates beside the interval
  over the posterior, P(effect > 0)) and ``pairwise.*`` (P(rule A beats rule B) over the posterior), see
  experiments/report_posterior.py;
- charts, each as PNG (300 dpi), SVG and PDF with a ``.caption.txt`` stating the question, the levers, R, the
  seeds and the version: ``heatmap_influence`` (two levers), ``dose_response_<lever>`` (numeric levers, interval
  ribbons), ``forest_influence_by_type`` (organisation types x rule), ``accredited_mix`` (by procedure) and
  ``trajectories`` (the text per provision for chosen cells).
A chart the sweep cannot support (e.g. a heatmap with one lever) is skipped, and the reason printed. Every file is
written to a temporary sibling and renamed into place (``sim.io.write_atomic``): a kill at any moment leaves each
file either complete or absent, and the next report removes the dead process's temporaries.
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sim import analysis, io, plotting
from sim.config import ConfigError
from sim.runner import TYPE_KEYS

from .sweep import Cell, combine

MAIN = "influence_all"
SELECTOR_SPLIT = re.compile(r",(?=[\w./+~-]+=)")


def _version() -> str:
    try:
        return metadata.version("plenary")
    except metadata.PackageNotFoundError:
        return "unknown"


class Report:
    """A sweep folder read back: its plan, manifest and tidy table."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        plan_file = self.folder / "plan.json"
        if not plan_file.exists():
            raise ConfigError("sweep_dir", f"{self.folder} is not a sweep folder (no plan.json)",
                              "a folder written by plenary sweep, e.g. outputs/sweeps/cosp_access")
        self.plan = json.loads(plan_file.read_text())
        manifest = self.folder / "manifest.json"
        self.manifest = json.loads(manifest.read_text()) if manifest.exists() else {}
        self.levers = list(self.plan["levers"])
        self.cells = [Cell(c["id"], tuple(c["overrides"]), c["levers"]) for c in self.plan["cells"]]
        self.table = combine(self.folder, self.cells, self.levers)
        if self.table.empty:
            raise ConfigError("sweep_dir", f"{self.folder} has no finished cell yet",
                              "a sweep folder with at least one finished cell (cells/<id>/cell.json)")
        self.done = self.table["cell"].nunique()
        self.replicates = int(self.table.groupby("cell").size().min())
        self.seed = int(self.table["seed"].iloc[0])

    def caption(self, what: str, levers: list[str] | None = None) -> str:
        levers = self.levers if levers is None else levers
        values = "; ".join(f"{analysis.lever_label(k)} = {', '.join(map(str, pd.unique(self.table[k])))}"
                           for k in levers) or "none"
        partial = "" if self.done == len(self.cells) else f" Partial sweep: {self.done} of {len(self.cells)} cells."
        question = (self.plan.get("question") or self.plan.get("name") or "").rstrip(".")
        question += "" if question.endswith("?") else "."
        return (f"{what} Question: {question} Levers: {values}. "
                f"R = {self.replicates} paired replicates per cell (the same replicate seeds in every cell; root seed "
                f"{self.seed}); counterfactual variants: {self.manifest.get('variants', 'see manifest')}. Intervals: "
                f"95% Student-t across replicates.{partial} Plenary {_version()}, git "
                f"{self.manifest.get('git_commit', 'unknown')}, sweep {self.plan.get('name')}.")


def constant_category(shares: pd.DataFrame) -> str | None:
    """The category that takes every replicate in every row of a share table (rows: groups, columns:
    categories, rows summing to 1), or None when the shares vary."""
    for column in shares.columns:
        if np.allclose(shares[column].to_numpy(float), 1.0):
            return str(column)
    return None


def _numeric(table: pd.DataFrame, key: str) -> bool:
    return pd.api.types.is_numeric_dtype(table[key])


def _select_cells(rep: Report, selectors: list[str]) -> list[str]:
    chosen = []
    for sel in selectors:
        pairs = dict(part.split("=", 1) for part in SELECTOR_SPLIT.split(sel) if "=" in part)
        bad = set(pairs) - set(rep.levers)
        if bad or not pairs:
            raise ConfigError("--trajectory", f"'{sel}' names {sorted(bad) or 'no lever'}",
                              f"LEVER=VALUE pairs separated by commas, levers: {rep.levers}")
        cell = analysis.find_cell(rep.table, pairs)
        if cell is None:
            raise ConfigError("--trajectory", f"no finished cell has {pairs}",
                              "lever values of finished cells (see report/summary.csv)")
        chosen.append(cell)
    return chosen


def report(sweep_dir, trajectories: list[str] | tuple[str, ...] = (), out=None) -> Path:
    """Write the summary tables and every chart the sweep supports; returns the report folder."""
    rep = Report(Path(sweep_dir))
    t, levers = rep.table, rep.levers
    chosen = _select_cells(rep, list(trajectories))        # validate before writing anything
    dest = io.prepare_folder(Path(out) if out else rep.folder / "report", "--out")   # writable, stale temps removed
    written, skipped = [], []
    outcomes = [c for c in [MAIN, "protocol_influence_all", "as_is_influence_all", "influence_vs_as_is",
                            "access_position", "accredited", "rights_share", "speaking_minutes", "distance_to_compromise",
                            "informal_share_of_movement", *[f"influence_{k}" for k in TYPE_KEYS],
                            *[f"shapley_{k}" for k in TYPE_KEYS]] if c in t]
    summary = analysis.summarise_cells(t, levers, outcomes)
    io.write_atomic(dest / "summary.csv", lambda p: summary.to_csv(p, index=False))
    head = [c for c in summary.columns if c in ("cell", "replicates", "adopted_share", *levers)]
    brief = summary[head].copy()
    for o in [o for o in (MAIN, "accredited", "speaking_minutes") if o in summary]:
        brief[o] = [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in summary[[o, f"{o}_lo", f"{o}_hi"]].to_numpy()]
    io.write_atomic(dest / "summary.md", lambda p: p.write_text(
        f"# {rep.plan.get('name')}: {rep.plan.get('question', '')}\n\n{rep.done} of {len(rep.cells)} cells, "
        f"R = {rep.replicates} paired replicates, root seed {rep.seed}. Mean [95% interval].\n\n"
        + analysis.markdown_table(brief)))
    written += [dest / "summary.csv", dest / "summary.md"]

    baseline = rep.plan.get("baseline") or {}
    if levers and analysis.find_cell(t, baseline) is not None and rep.done > 1:
        eff = analysis.paired_effects(t, levers, baseline, [o for o in (MAIN, "accredited", "speaking_minutes",
                                                                          "distance_to_compromise", "access_position",
                                                                          "protocol_influence_all") if o in t])
        io.write_atomic(dest / "effects.csv", lambda p: eff.to_csv(p, index=False))
        cols = [c for c in eff.columns if not c.endswith(("_lo", "_hi"))]
        io.write_atomic(dest / "effects.md", lambda p: p.write_text(
            f"# Rule effects against the baseline cell {baseline}\n\nPaired differences (same replicate seeds), "
            f"mean; 95% intervals in effects.csv.\n\n" + analysis.markdown_table(eff[cols])))
        written += [dest / "effects.csv", dest / "effects.md"]
    else:
        skipped.append("effects: the baseline cell is not finished (or only one cell)")
    main_col = MAIN if MAIN in t else "protocol_influence_all" if "protocol_influence_all" in t else None
    has_main = main_col is not None
    if "draw" in t:                         # a sweep over posterior draws: parameter uncertainty beside replicates
        from . import report_posterior

        cell_json = rep.folder / "cells" / str(t["cell"].iloc[0]) / "cell.json"
        post = json.loads(cell_json.read_text()).get("posterior") or {}
        written += report_posterior.write(dest, t, levers, baseline, [o for o in (MAIN, "accredited",
                                          "protocol_influence_all") if o in t], main_col, post)

    if "access_rule" in t:
        shares = (t.groupby([levers[0] if levers else "cell", "access_rule"], sort=False).size()
                  .unstack(fill_value=0))
        shares = shares.div(shares.sum(axis=1), axis=0)
        group = levers[0] if levers else "cell"
        if len(levers) > 1:
            shares = (t.assign(fmt=t[levers].astype(str).agg(", ".join, axis=1)).groupby(["fmt", "access_rule"],
                      sort=False).size().unstack(fill_value=0))
            shares = shares.div(shares.sum(axis=1), axis=0)
            group = " x ".join(analysis.lever_label(k) for k in levers)
        constant = constant_category(shares)
        if constant:                                   # a chart of a constant says less than one sentence
            sentence = (f"The COSP adopts the {constant} access rule in every replicate of every cell "
                        f"({len(t)} replicate-runs, R = {rep.replicates} per cell): the format changes nothing here, "
                        f"so no chart is drawn.")
            io.write_atomic(dest / "access_rule_distribution.md", lambda p: p.write_text(sentence + "\n"))
            written.append(dest / "access_rule_distribution.md")
            skipped.append(f"access_rule_distribution: {sentence}")
        else:
            fig = plotting.rule_distribution(shares, group, rep.replicates)
            written += plotting.save(fig, dest, "access_rule_distribution", rep.caption(
                "Share of replicates in which the COSP adopts each stakeholder-access rule (open, limited, none), "
                "by negotiation format."))
    # heatmap over the first two levers
    if len(levers) >= 2 and has_main:
        a, b = levers[0], levers[1]
        grid = t.groupby([a, b], sort=False)[main_col].mean().unstack(b)
        fig = plotting.heatmap(grid, analysis.lever_label(a), analysis.lever_label(b),
                               "influence of all stakeholders\n(weighted scale points)", rep.replicates,
                               "Stakeholder influence by rule")
        written += plotting.save(fig, dest, "heatmap_influence", rep.caption(
            f"Heatmap of the influence of all stakeholders (text with them vs the same replicate without them, "
            f"weighted scale points towards their preferences), by {analysis.lever_label(a)} and "
            f"{analysis.lever_label(b)}, averaged over the other levers."))
    else:
        skipped.append("heatmap: needs two levers and influence (variants all_vs_none or leave_one_type_out)")
    # dose-response for each numeric lever with at least three values
    numeric = [k for k in levers if _numeric(t, k) and t[k].nunique() >= 3]
    for x in numeric if has_main else []:
        others = [k for k in levers if k != x and t[k].nunique() <= 6]
        group = next((k for k in others if not _numeric(t, k)), others[0] if others else None)
        curve = analysis.lever_curve(t, x, main_col, group)
        fig = plotting.dose_response(curve, x, analysis.lever_label(x), analysis.outcome_label(main_col),
                                     rep.replicates, group, analysis.lever_label(group) if group else "",
                                     f"Dose-response: influence by {analysis.lever_label(x).lower()}")
        name = "dose_response_" + x.split(".")[-1]
        written += plotting.save(fig, dest, name, rep.caption(
            f"Influence of all stakeholders against {analysis.lever_label(x)}"
            + (f", one line per {analysis.lever_label(group)}" if group else "")
            + "; each replicate is first averaged over the other levers, ribbons are 95% intervals."))
    if not numeric or not has_main:
        skipped.append("dose-response: needs a numeric lever with at least three values and influence")
    # forest plot: influence by organisation type and rule
    per_type = [f"influence_{k}" for k in TYPE_KEYS if f"influence_{k}" in t]
    kind = "without the type (leave-one-type-out)"
    if not per_type:
        per_type = [f"influence_all_on_{k}" for k in TYPE_KEYS if f"influence_all_on_{k}" in t]
        kind = "of all stakeholders on each type's preferences"
    if per_type:
        series = next((k for k in levers if not _numeric(t, k)), levers[0] if levers else None)
        rows = []
        for col in per_type:
            curve = analysis.lever_curve(t, series, col) if series else pd.DataFrame(
                [dict(zip(("mean", "lo", "hi", "n"), analysis.mean_ci(t[col]), strict=True))]).assign(rule="all")
            rows.append(curve.assign(type=col.removeprefix("influence_all_on_").removeprefix("influence_")))
        rows = pd.concat(rows, ignore_index=True)
        fig = plotting.forest(rows, "type", series or "rule", analysis.lever_label(series) if series else "",
                              "influence (weighted scale points towards the type's preferences)", rep.replicates,
                              "Influence by organisation type and rule")
        written += plotting.save(fig, dest, "forest_influence_by_type", rep.caption(
            f"Forest plot of the influence {kind}, per organisation type and "
            f"{analysis.lever_label(series) if series else 'cell'}, averaged over the other levers; 95% intervals."))
    else:
        skipped.append("forest: needs counterfactual variants (all_vs_none or leave_one_type_out)")
    # accredited mix
    group = "rules.accreditation.procedure" if "rules.accreditation.procedure" in levers else (
        levers[0] if levers else None)
    acc_cols = [f"accredited_{k}" for k in TYPE_KEYS]
    if set(acc_cols) <= set(t.columns):
        mix = (t.groupby(group, sort=False)[acc_cols].mean() if group else t[acc_cols].mean().to_frame("all").T)
        mix.columns = list(TYPE_KEYS)
        total_orgs = _n_orgs(rep) or int(round(t[acc_cols].sum(axis=1).max()))
        fig = plotting.accredited_mix(mix, analysis.lever_label(group) if group else "", rep.replicates, total_orgs,
                                      "Who gets in: accredited organisations by type")
        written += plotting.save(fig, dest, "accredited_mix", rep.caption(
            f"Mean number of accredited organisations of each type by "
            f"{analysis.lever_label(group) if group else 'cell'} (of {total_orgs} applicants), averaged over the "
            "other levers.", [group] if group else []))
    else:
        skipped.append("accredited mix: not in this sweep's table (a chained sweep)")
    # trajectories of chosen cells
    if not chosen:
        base = analysis.find_cell(t, baseline) if baseline else None
        chosen = [c for c in [base] if c]
        if has_main:
            best = t.groupby("cell")[main_col].mean().idxmax()
            chosen += [best] if best not in chosen else []
        chosen = chosen or [t["cell"].iloc[0]]
    chosen = [c for c in chosen if (rep.folder / "cells" / c / "trajectory.npz").exists()]
    by_id = {c.id: c for c in rep.cells}
    drafts, meta = [], None
    for cid in chosen:
        with np.load(rep.folder / "cells" / cid / "trajectory.npz") as npz:
            drafts.append((_cell_label(by_id[cid]), npz["draft"].astype(float)))
            meta = meta or (list(npz["issues"]), list(npz["sessions"]))
    if drafts:
        labels = _issue_labels(rep) or meta[0]
        fig = plotting.trajectories(drafts, labels, meta[1], record=_record_points(rep, list(meta[0])))
        written += plotting.save(fig, dest, "trajectories", rep.caption(
            "The chair's draft per provision across sessions (median and 5-95% band over replicates) for the cells "
            + "; ".join(label for label, _ in drafts) + "."))
    else:
        skipped.append("trajectories: no per-session text stored (a chained sweep)")
    for line in skipped:
        print(f"  skipped {line}")
    print(f"Report of {rep.done}/{len(rep.cells)} cells (R = {rep.replicates}) in {dest}: "
          f"{len([p for p in written if p.suffix in ('.png', '.csv')])} charts and tables")
    return dest


def _n_orgs(rep: Report) -> int | None:
    orgs = rep.manifest.get("config", {}).get("scenario", {}).get("organisations", {}).get("count")
    return int(orgs) if orgs else None


def _cell_label(cell: Cell) -> str:
    """A cell in plain words: 'Share of work in closed informals 0.2, Stakeholders in closed informals excluded'."""
    if not cell.levers:
        return cell.label
    return ", ".join(f"{analysis.lever_label(k)}: {str(v).replace('_', ' ')}" for k, v in cell.levers.items())


def _record_points(rep: Report, issue_keys: list[str]) -> list | None:
    """The scenario's coded record on the session axis, per provision in the stored order (None without one)."""
    from sim.record import on_sessions

    scenario = rep.manifest.get("config", {}).get("scenario", {})
    if not scenario.get("record"):
        return None
    points = on_sessions([s["start"] for s in scenario.get("sessions", [])], scenario["record"])
    return [points.get(k, []) for k in issue_keys]


def _issue_labels(rep: Report) -> list[str] | None:
    issues = rep.manifest.get("config", {}).get("scenario", {}).get("issues")
    return [i.get("label") or i["key"] for i in issues] if issues else None
