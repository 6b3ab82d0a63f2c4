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


def compare(path, out=None, decide_python: str | None = None) -> Path:
    table, data = predictions(path, decide_python)
    dest = Path(out) if out else Path("outputs") / "compare" / Path(path).stem
    dest.mkdir(parents=True, exist_ok=True)
    io.write_atomic(dest / "compare.csv", lambda p: table.to_csv(p, index=False))
    cols = [c for c in MODELS if c in table]
    md = analysis.markdown_table(table[["issue", *cols]].rename(columns=MODELS), ".1f")
    io.write_atomic(dest / "compare.md", lambda p: p.write_text(md))
    print(f"{data.name}: {len(data.actors)} actors, {len(data.issues)} issues")
    print(md, end="")
    if "exchange_final" not in table:
        print("(Decide's exchange model not run: no Python with decide-exchange-model; see --decide-python)")
    fig = plotting.model_comparison(table, [(c, MODELS[c]) for c in cols], data)
    plotting.save(fig, dest, "compare", f"Predicted outcome per issue of {data.name} ({len(data.actors)} actors): "
                  + "; ".join(MODELS[c] for c in cols) + ". Grey ticks: actor positions, tick height by power x "
                  "salience. Compromise, median and Nash weights: power x salience. Plenary state-only: the "
                  "negotiation engine with the actors as states, no stakeholders (deterministic).")
    print(f"Written to {dest}")
    return dest


def max_gap(table: pd.DataFrame, a: str, b: str) -> float:
    return float(np.abs(table[a] - table[b]).max())
