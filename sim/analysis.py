"""Statistics of swept results: cell summaries, paired rule effects and lever curves, all with 95% intervals.

Every cell of a sweep runs the same replicate numbers under the same root seed, so replicate r of one cell and
replicate r of another share every random draw (common random numbers, sim.core.seeds). A rule effect is
therefore estimated from paired differences, replicate by replicate, and its interval is the Student-t interval
of the mean difference. Curves over one lever first average each replicate over the other levers, then take the
interval across replicates, so they are paired too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95

LEVER_LABELS = {
    "rules.accreditation.procedure": "Accreditation procedure",
    "rules.informal_share": "Share of work in closed informals",
    "rules.speaking_minutes": "Stakeholder speaking time (minutes per agenda item)",
    "rules.statement_minutes": "Minutes per statement",
    "rules.speaking": "Speaking allocation",
    "rules.informals": "Stakeholders in closed informals",
    "rules.document_access": "Document access",
    "rules": "Rule set",
    "cosp.informal_share": "Share of the COSP rules negotiation in closed informals",
    "cosp.informals": "Stakeholders in the COSP rules negotiation",
}

OUTCOME_LABELS = {
    "influence_all": "Influence of all stakeholders\n(weighted scale points towards their preferences, vs none)",
    "accredited": "Accredited organisations (count)",
    "protocol_influence_all": "Influence of all stakeholders on the protocol\n(weighted scale points, vs none)",
    "speaking_minutes": "Stakeholder minutes used (whole negotiation)",
    "distance_to_compromise": "Distance of the text from the states' compromise (scale points)",
    "rights_share": "Share of rights NGOs among accredited organisations",
}


def lever_label(key: str) -> str:
    return LEVER_LABELS.get(key, key)


def outcome_label(key: str) -> str:
    return OUTCOME_LABELS.get(key, key.replace("_", " "))


def mean_ci(values, level: float = LEVEL) -> tuple[float, float, float, int]:
    """Mean, lower and upper bound of the Student-t interval, and n (NaNs dropped)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    m = float(v.mean())
    if n == 1:
        return m, np.nan, np.nan, 1
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    return m, m - half, m + half, n


def _lever_values(table: pd.DataFrame, levers: list[str]) -> pd.DataFrame:
    return table[["cell", *levers]].drop_duplicates("cell").set_index("cell")


def summarise_cells(table: pd.DataFrame, levers: list[str], outcomes: list[str]) -> pd.DataFrame:
    """One row per cell: the lever values, R and, per outcome, mean with its 95% interval."""
    rows = []
    for cell, grp in table.groupby("cell", sort=False):
        row = {"cell": cell, **{k: grp[k].iloc[0] for k in levers}, "replicates": len(grp)}
        for out in outcomes:
            if out in grp:
                row[out], row[f"{out}_lo"], row[f"{out}_hi"], _ = mean_ci(grp[out])
        if "mode" in grp:
            row["adopted_share"] = float((grp["mode"] != "failed").mean())
        rows.append(row)
    return pd.DataFrame(rows)


def find_cell(table: pd.DataFrame, levers: dict) -> str | None:
    """The first cell whose lever values equal ``levers`` (numbers compared as numbers), or None."""
    sel = np.ones(len(table), bool)
    for k, v in levers.items():
        if k not in table:
            return None
        col = table[k]
        if pd.api.types.is_numeric_dtype(col):
            try:
                sel &= np.isclose(col.to_numpy(dtype=float), float(v))
            except ValueError:
                return None
        else:
            sel &= col.astype(str).to_numpy() == str(v)
    cells = table.loc[sel, "cell"].unique()
    return cells[0] if len(cells) else None


def paired_effects(table: pd.DataFrame, levers: list[str], baseline: dict, outcomes: list[str]) -> pd.DataFrame:
    """Each cell minus the baseline cell, replicate by replicate (and draw by draw in a sweep over posterior
    draws: see experiments/report_posterior.py for the intervals over the posterior): mean difference and its 95%
    interval over the pairs."""
    base = find_cell(table, baseline)
    if base is None:
        raise ValueError(f"no cell has the baseline lever values {baseline}")
    key = ["draw", "replicate"] if "draw" in table else "replicate"     # posterior sweeps pair within each draw
    ref = table[table["cell"] == base].set_index(key).sort_index()
    meta = _lever_values(table, levers)
    rows = []
    for cell, grp in table.groupby("cell", sort=False):
        if cell == base:
            continue
        g = grp.set_index(key).sort_index()
        common = g.index.intersection(ref.index)
        row = {"cell": cell, **meta.loc[cell].to_dict(), "pairs": len(common)}
        for out in outcomes:
            if out in g:
                row[f"delta_{out}"], row[f"delta_{out}_lo"], row[f"delta_{out}_hi"], _ = mean_ci(
                    g.loc[common, out].to_numpy(float) - ref.loc[common, out].to_numpy(float))
        rows.append(row)
    return pd.DataFrame(rows)


def lever_curve(table: pd.DataFrame, x: str, outcome: str, group: str | None = None) -> pd.DataFrame:
    """Mean of ``outcome`` per value of lever ``x`` (and of ``group``), averaged within each replicate over the
    other levers first, with the 95% interval across replicates."""
    keys = [group, x] if group else [x]
    per_rep = table.groupby([*keys, "replicate"], sort=False)[outcome].mean().reset_index()
    rows = []
    for vals, grp in per_rep.groupby(keys, sort=False):   # levels in the order the sweep lists them
        vals = vals if isinstance(vals, tuple) else (vals,)
        m, lo, hi, n = mean_ci(grp[outcome])
        rows.append({**dict(zip(keys, vals, strict=True)), "mean": m, "lo": lo, "hi": hi, "n": n})
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame, float_format: str = ".4g") -> str:
    """A pipe table of ``frame`` (floats with ``float_format``), for the Markdown reports."""
    cols = [str(c) for c in frame.columns]
    cell = lambda v: format(v, float_format) if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"
