"""``plenary compare FILE``: established bargaining models side by side on actor-issue data (Decide format).

Prints one row per issue with the predictions of the compromise model, the weighted median, the Nash bargaining
solution (remote disagreement point), this project's state-only negotiation and, when a Python with
``decide-exchange-model`` is available (``--decide-python`` or ``PLENARY_DECIDE_PYTHON``), Stokman's equal-gain
exchange model; writes ``compare.csv``, ``compare.md`` and a chart (PNG/SVG/PDF + caption) into ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim import analysis, bargaining, io, plotting
from sim.decide import read_actor_issue

MODELS = {"compromise": "Compromise model (weighted mean)", "weighted_median": "Weighted median",
          "nash": "Nash bargaining (remote disagreement)", "plenary_state_only": "Plenary, states only",
          "exchange_round0": "Decide round 0", "exchange_final": "Decide equal-gain exchange (final round)"}


def predictions(path, decide_python: str | None = None) -> tuple[pd.DataFrame, object]:
    data = read_actor_issue(path)
    frame = {"issue": list(data.issues), "label": list(data.issue_labels),
             "compromise": bargaining.compromise_model(data), "weighted_median": bargaining.weighted_median(data),
             "nash": bargaining.nash_bargaining(data), "plenary_state_only": bargaining.state_only(data)}
    exchange = bargaining.exchange_model(path, data.issues, python=decide_python)
    if exchange is not None:
        frame["exchange_round0"], frame["exchange_final"] = exchange["round0"], exchange["final"]
    return pd.DataFrame(frame), data


def read_observed(path, issues) -> tuple[dict[str, float], str]:
    """The observed outcome per issue from a CSV with columns ``issue`` and ``observed`` (on the issue's scale) and
    an optional ``source``; every issue named must be one of the data's. Returns (issue -> value, source words)."""
    from sim.errors import ConfigError, nearest

    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError("--observed", f"cannot read {path} ({type(exc).__name__})",
                          "a CSV file with columns issue, observed and optionally source") from None
    missing = [c for c in ("issue", "observed") if c not in frame]
    if missing:
        raise ConfigError("--observed", f"{path} has no column {missing[0]!r}",
                          "a CSV file with columns issue, observed and optionally source")
    values = {}
    for row in frame.itertuples(index=False):
        issue = str(row.issue).strip()
        if issue not in issues:
            found = nearest(issue, issues)
            raise ConfigError("--observed", f"{path} names issue {issue!r}, which the data does not have",
                              " | ".join(issues), found[0] if found else None)
        try:
            values[issue] = float(row.observed)
        except (TypeError, ValueError):
            raise ConfigError("--observed", f"{path}: the observed outcome of {issue!r} is {row.observed!r}",
                              "a number on the issue's scale") from None
    source = "; ".join(sorted({str(v) for v in frame["source"].dropna()})) if "source" in frame else ""
    return values, source


def compare(path, out=None, decide_python: str | None = None, observed=None) -> Path:
    table, data = predictions(path, decide_python)
    recorded, source = read_observed(observed, list(data.issues)) if observed else ({}, "")
    if recorded:
        table["observed"] = [recorded.get(i, np.nan) for i in table["issue"]]
    dest = Path(out) if out else Path("outputs") / "compare" / Path(path).stem
    dest.mkdir(parents=True, exist_ok=True)
    io.write_atomic(dest / "compare.csv", lambda p: table.to_csv(p, index=False))
    cols = [c for c in MODELS if c in table]
    shown = [*cols, "observed"] if recorded else cols
    md = analysis.markdown_table(table[["issue", *shown]].rename(columns=MODELS), ".1f")
    if recorded:
        errors = {MODELS[c]: float(np.nanmean(np.abs(table[c] - table["observed"]))) for c in cols}
        md += ("\nMean absolute distance from the observed outcome over the " f"{len(recorded)} issues observed "
               "(scale points): " + "; ".join(f"{k} {v:.1f}" for k, v in errors.items()) + "\n")
    io.write_atomic(dest / "compare.md", lambda p: p.write_text(md))
    print(f"{data.name}: {len(data.actors)} actors, {len(data.issues)} issues")
    print(md, end="")
    if "exchange_final" not in table:
        print("(Decide's exchange model not run: no Python with decide-exchange-model; see --decide-python)")
    fig = plotting.model_comparison(table, [(c, MODELS[c]) for c in cols], data,
                                    observed="observed" if recorded else None)
    plotting.save(fig, dest, "compare", f"Predicted outcome per issue of {data.name} ({len(data.actors)} actors): "
                  + "; ".join(MODELS[c] for c in cols) + ". Grey ticks: actor positions, tick height by power x "
                  "salience. Compromise, median and Nash weights: power x salience. Plenary state-only: the "
                  "negotiation engine with the actors as states, no stakeholders (deterministic)." + (
                      f" Black crosses: the observed outcome ({source or 'the --observed file'}) on "
                      f"{len(recorded)} of {len(table)} issues." if recorded else
                      " No observed outcome was given (plenary compare --observed FILE), so none is shown."))
    print(f"Written to {dest}")
    return dest


def max_gap(table: pd.DataFrame, a: str, b: str) -> float:
    return float(np.abs(table[a] - table[b]).max())
