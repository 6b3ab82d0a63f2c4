"""The report of a sweep over posterior draws (``plenary sweep … posterior.draws=D``; issue 12).

Each cell's rows are D posterior draws x R replicates, and every cell uses the same draws and the same replicate
seeds (experiments/sweep_posterior.py). A rule effect is therefore paired twice over: cell minus baseline within
the same draw and the same replicate. For each effect the report gives, side by side:

- the mean paired difference in points of the 0-100 scale (over draws x replicates);
- the 95% interval **over replicates**: the Student-t half-width of each draw's mean difference, averaged over
  the draws (the random draws of the negotiation, with the parameters known);
- the 95% interval **over the posterior**: the 2.5-97.5% quantiles of the per-draw mean differences (what is not
  known about the parameters);
- P(effect > 0): the share of posterior draws in which the cell's mean is above the baseline's.

``pairwise.csv`` / ``pairwise.md`` give, for every ordered pair of cells (A, B), P(A gives stakeholders more
influence than B) over the posterior: the share of draws in which A's mean ``influence_all`` (paired over the
same replicates) exceeds B's. A probability near 0.5 means the record does not decide between the two rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import analysis, io
from sim.posterior import INTERVAL


def _per_draw(diff: np.ndarray, draw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-draw mean of ``diff`` and its Student-t half-width (NaN for a draw with one replicate)."""
    frame = pd.DataFrame({"draw": draw, "d": diff}).dropna()
    means, halves = [], []
    for _, g in frame.groupby("draw", sort=True):
        m, lo, hi, _n = analysis.mean_ci(g["d"])
        means.append(m)
        halves.append((hi - lo) / 2)
    return np.asarray(means, float), np.asarray(halves, float)


def summarise(diff: np.ndarray, draw: np.ndarray) -> dict:
    """Mean, the interval over replicates, the interval over the posterior and P(> 0) of paired differences."""
    means, halves = _per_draw(diff, draw)
    if not means.size:
        return {"mean": np.nan, "rep_lo": np.nan, "rep_hi": np.nan, "post_lo": np.nan, "post_hi": np.nan,
                "p_positive": np.nan, "draws": 0}
    m, half = float(means.mean()), float(np.nanmean(halves)) if np.isfinite(halves).any() else np.nan
    lo, hi = np.quantile(means, INTERVAL)
    return {"mean": m, "rep_lo": m - half, "rep_hi": m + half, "post_lo": float(lo), "post_hi": float(hi),
            "p_positive": float((means > 0).mean()), "draws": int(means.size)}


def _indexed(table: pd.DataFrame, cell: str) -> pd.DataFrame:
    return table[table["cell"] == cell].set_index(["draw", "replicate"]).sort_index()


def effects(table: pd.DataFrame, levers: list[str], baseline: dict, outcomes: list[str]) -> pd.DataFrame:
    """One row per (cell other than the baseline, outcome): see the module docstring."""
    base = analysis.find_cell(table, baseline)
    if base is None:
        raise ValueError(f"no cell has the baseline lever values {baseline}")
    ref = _indexed(table, base)
    meta = table[["cell", *levers]].drop_duplicates("cell").set_index("cell")
    rows = []
    for cell in dict.fromkeys(table["cell"]):
        if cell == base:
            continue
        g = _indexed(table, cell)
        common = g.index.intersection(ref.index)
        draw = common.get_level_values("draw").to_numpy()
        for out in [o for o in outcomes if o in g]:
            diff = g.loc[common, out].to_numpy(float) - ref.loc[common, out].to_numpy(float)
            rows.append({"cell": cell, **meta.loc[cell].to_dict(), "outcome": out, "pairs": len(common),
                         **summarise(diff, draw)})
    return pd.DataFrame(rows)


def pairwise(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """P(row cell's mean ``outcome`` > column cell's) over posterior draws, paired on (draw, replicate)."""
    cells = list(dict.fromkeys(table["cell"]))
    wide = table.pivot_table(index=["draw", "replicate"], columns="cell", values=outcome, aggfunc="first")
    wide = wide[cells].dropna()
    per_draw = wide.groupby(level="draw").mean()                    # (D, cells): each draw's mean over replicates
    p = np.full((len(cells), len(cells)), np.nan)
    for i, a in enumerate(cells):
        for j, b in enumerate(cells):
            if i != j:
                p[i, j] = float((per_draw[a] > per_draw[b]).mean())
    return pd.DataFrame(p, index=cells, columns=cells)


def _fmt(r) -> str:
    return (f"| {r.cell_label} | {analysis.outcome_label(r.outcome).splitlines()[0]} | {r.mean:+.2f} | "
            f"[{r.rep_lo:+.2f}, {r.rep_hi:+.2f}] | [{r.post_lo:+.2f}, {r.post_hi:+.2f}] | {r.p_positive:.2f} |")


def write(dest, table: pd.DataFrame, levers: list[str], baseline: dict, outcomes: list[str], main: str | None,
          posterior: dict) -> list:
    """Write effects_posterior.csv/.md and pairwise.csv/.md into ``dest``; returns the paths written."""
    written = []
    label = lambda row: ", ".join(f"{analysis.lever_label(k)} = {row[k]}" for k in levers) or row["cell"]  # noqa: E731
    head = (f"Over the posterior {posterior.get('name')!r} ({posterior.get('draws')} draws x "
            f"{int(table.groupby('draw')['replicate'].nunique().max())} replicates; the same draws and replicate "
            "seeds in every cell). Points of the 0-100 scale. "
            + ("Parameters the fit left out: drawn from their priors (posterior.unfitted=prior)."
               if posterior.get("unfitted", "prior") == "prior" else
               "Parameters the fit left out: held at their configured values (posterior.unfitted=fixed), so the "
               "interval over the posterior is conditional on them."))
    if analysis.find_cell(table, baseline) is not None and table["cell"].nunique() > 1:
        eff = effects(table, levers, baseline, outcomes)
        eff["cell_label"] = [label(r) for _, r in eff.iterrows()]
        written.append(io.write_atomic(dest / "effects_posterior.csv",
                                       lambda p: eff.drop(columns="cell_label").to_csv(p, index=False)))
        lines = [f"# Rule effects against the baseline {baseline}, with parameter uncertainty", "", head, "",
                 "| cell | outcome | mean | 95% over replicates | 95% over the posterior | P(> 0) |",
                 "|---|---|---|---|---|---|", *[_fmt(r) for r in eff.itertuples()], "",
                 "The interval over replicates treats the parameters as known; the interval over the posterior is "
                 "what the record leaves open. Read an effect by the wider of the two.", ""]
        written.append(io.write_text_atomic(dest / "effects_posterior.md", "\n".join(lines)))
    if main and main in table and table["cell"].nunique() > 1:
        pw = pairwise(table, main)
        names = {c: label(table[table["cell"] == c].iloc[0]) for c in pw.index}
        written.append(io.write_atomic(dest / "pairwise.csv", lambda p: pw.to_csv(p, index_label="cell")))
        lines = [f"# P(row gives stakeholders more influence than column) over the posterior ({main})", "", head,
                 "", "| | " + " | ".join(f"({j + 1})" for j in range(len(pw))) + " |",
                 "|---|" + "---|" * len(pw)]
        for i, (cell, row) in enumerate(pw.iterrows()):
            cells = " | ".join("-" if np.isnan(v) else f"{v:.2f}" for v in row.to_numpy())
            lines.append(f"| ({i + 1}) {names[cell]} | {cells} |")
        lines += ["", "Near 0.5: the posterior does not decide between the two rules.", ""]
        written.append(io.write_text_atomic(dest / "pairwise.md", "\n".join(lines)))
    return written
