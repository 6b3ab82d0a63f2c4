"""Established bargaining models, side by side with this project's negotiation, on actor-issue data.

- Compromise model (weighted mean): x* = sum c s x / sum c s (Achen 2006; Decide's round-0 "MDS").
- Weighted median: the median voter position with weights c s (Black 1948; Thomson et al. 2006).
- Nash bargaining solution, asymmetric with bargaining weights c s and quadratic utilities U_i = -(x - x_i)^2,
  issue by issue: argmax sum c_i s_i log(U_i(x) - U_i(q)) over x on the scale, for a disagreement point q (Nash
  1950; Achen 2006: with a remote disagreement point it reduces to the compromise model).
- State-only negotiation: the Plenary engine with the actors as states and no stakeholders.
- Stokman equal-gain exchange model: the ``decide-exchange-model`` package in its own Python 3.13 environment,
  run as a subprocess when available (optional).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar

from sim.decide import ActorIssueData


def _weights(data: ActorIssueData) -> np.ndarray:
    return np.where(data.present, data.power[:, None] * data.salience, 0.0)


def compromise_model(data: ActorIssueData) -> np.ndarray:
    """Weighted mean position per issue, weights power x salience, (K,)."""
    w = _weights(data)
    return (w * np.nan_to_num(data.position)).sum(axis=0) / w.sum(axis=0)


def weighted_median(data: ActorIssueData) -> np.ndarray:
    """Position where the cumulative power x salience first reaches half of the total, per issue, (K,)."""
    w = _weights(data)
    out = np.empty(len(data.issues))
    for k in range(len(data.issues)):
        sel = data.present[:, k] & (w[:, k] > 0)
        order = np.argsort(data.position[sel, k], kind="stable")
        pos, cum = data.position[sel, k][order], np.cumsum(w[sel, k][order])
        out[k] = pos[np.searchsorted(cum, 0.5 * cum[-1])]
    return out


def nash_bargaining(data: ActorIssueData, disagreement: np.ndarray | float | None = None,
                    remote: float = 1e6) -> np.ndarray:
    """Asymmetric Nash bargaining solution per issue (see the module docstring), bargaining weights c s.

    ``disagreement``: the status quo per issue (K,) or one value; None means a remote point, ``remote`` scale
    ranges below the scale (then the solution is the compromise model up to O(1/remote)). Where no point of the
    scale makes every actor better off than the disagreement point, the disagreement point is the outcome.
    With weights c s and a remote point, the first-order condition sum c s (x - z) = 0 is the compromise model.
    """
    out = np.empty(len(data.issues))
    for k in range(len(data.issues)):
        lo, hi = data.scale[k]
        sel = data.present[:, k] & (data.power > 0) & (data.salience[:, k] > 0)
        x, s, c = data.position[sel, k], data.salience[sel, k], data.power[sel]
        q = lo - remote * (hi - lo) if disagreement is None else float(np.broadcast_to(disagreement, out.shape)[k])
        reach = np.abs(q - x)                      # actor i gains iff |z - x_i| < |q - x_i|
        a, b = max(lo, (x - reach).max()), min(hi, (x + reach).min())
        if not a < b:
            out[k] = q
            continue
        weight = c * s

        def objective(z, x=x, weight=weight, reach=reach):
            # log(reach^2 - (z - x)^2) minus the constant log(reach^2): exact, and not flat to rounding when the
            # disagreement point is remote
            return -(weight * np.log1p(-np.minimum((z - x) ** 2 / reach ** 2, 1.0 - 1e-16))).sum()

        out[k] = minimize_scalar(objective, bounds=(a, b), method="bounded", options={"xatol": 1e-9}).x
    return out


def decide_python() -> str | None:
    """A Python that can import ``decide`` (``PLENARY_DECIDE_PYTHON``, else python3.13 on the PATH), or None."""
    for exe in (os.environ.get("PLENARY_DECIDE_PYTHON"), shutil.which("python3.13")):
        if exe and subprocess.run([exe, "-c", "import decide"], capture_output=True).returncode == 0:
            return exe
    return None


def exchange_model(path: str | Path, issues: tuple[str, ...], rounds: int = 10,
                   python: str | None = None) -> dict[str, np.ndarray] | None:
    """Run Decide's equal-gain exchange model on ``path``; returns {"round0": (K,), "final": (K,)} or None when
    no Python with ``decide`` is available. Decide writes one summary CSV per issue; row ``rn-<i>`` holds the
    weighted mean after round i."""
    python = python or decide_python()
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([python, "-c", "import random, sys; random.seed(0); from decide.cli import app; "
                        "sys.argv = sys.argv[1:]; app()", "decide", "--input_file", str(path), "--output_dir", out,
                        "-i", str(rounds), "-r", "1"], check=True, capture_output=True, timeout=600)
        summaries = {p.name.split(" [")[0]: p for p in Path(out).rglob("*.summary.csv")}
        first, last = [], []
        for key in issues:
            rows = [ln.split(";") for ln in summaries[key].read_text().splitlines() if ln.startswith("rn-")]
            first.append(float(rows[0][1]))
            last.append(float(rows[-1][1]))
    return {"round0": np.array(first), "final": np.array(last)}


STATE_ONLY_SESSIONS = 6          # [ASSUMP] five substantive sessions and a concluding one
STATE_ONLY_TREATY_VALUE = 100.0  # [ASSUMP] every actor prefers an agreement: the decision stage never fails


def scenario_session_minutes(name: str = "ahc_cybercrime") -> float:
    """The median session of a shipped scenario in minutes, days x minutes_per_day: for the AHC, sessions of ten
    days of two three-hour meetings (configs/scenario/ahc_cybercrime.yaml)."""
    from sim import presets

    sc = presets.scenario(name)
    return float(np.median([s.days * sc.minutes_per_day for s in sc.sessions]))


def world_from_actor_issue(data: ActorIssueData, session_minutes: float | None = None):
    """A World with the actors as states (each its own bloc, no stakeholders present), positions rescaled to 0-100.

    Actors without a position on an issue take the issue's compromise with zero salience. Power is capability.
    ``session_minutes`` (default: the AHC scenario's median session, ``scenario_session_minutes``) only sets the
    calendar: with no stakeholders present, no minute is spoken by one.
    """
    minutes = scenario_session_minutes() if session_minutes is None else float(session_minutes)
    from sim.enums import OrgType, SessionKind, Stance, Vote
    from sim.scenario import World

    a_, k_ = data.position.shape
    lo, hi = data.scale[:, 0], data.scale[:, 1]
    cm = compromise_model(data)
    x = np.where(data.present, data.position, cm[None]) - lo
    x = 100.0 * x / (hi - lo)
    idx = np.arange(a_)
    y = np.full((1, k_), 50.0)
    kinds = [SessionKind.SUBSTANTIVE] * (STATE_ONLY_SESSIONS - 1) + [SessionKind.CONCLUDING]
    return World(
        name=data.name, issue_keys=data.issues, issue_labels=data.issue_labels, technical=np.zeros(k_, bool),
        fallback=np.full(k_, 50.0), state_iso=np.array(data.actors), state_name=np.array(data.actors),
        region=np.array(["actor"] * a_), bloc=idx, bloc_keys=data.actors, bloc_starts=idx, theta=np.zeros(a_),
        x_base=x, x_novote=x, noise_sd=0.0, salience=np.where(data.present, data.salience, 0.0),
        capability=np.maximum(data.power, 1e-12), democracy=np.full(a_, 0.5), stance=np.full(a_, Stance.OPEN),
        treaty_value=np.full(a_, STATE_ONLY_TREATY_VALUE), cohesion=np.zeros(a_), capacity=np.ones(a_),
        vote74=np.full(a_, Vote.NOT_RECORDED), eu=np.zeros(a_, bool), budapest=np.array(["none"] * a_),
        vote_yes_above=100.0, vote_no_below=0.0, org_type=np.array([OrgType.ACADEMIA]), ecosoc=np.array([True]),
        y=y, sigma=np.full((1, k_), 1.0 / k_), credibility=np.full((1, k_), 0.5), resources=np.ones(1),
        contested=np.zeros(1), coalition=np.zeros(1, int), coalition_keys=("none",),
        alignment=1.0 - np.abs(x[:, None, :] - y[None]).mean(axis=2) / 100.0, bloc_alignment=np.zeros((a_, 1)),
        session_keys=tuple(f"s{t + 1}" for t in range(STATE_ONLY_SESSIONS)),
        session_labels=tuple(f"Session {t + 1}" for t in range(STATE_ONLY_SESSIONS)),
        session_kind=np.array(kinds), session_minutes=np.full(STATE_ONLY_SESSIONS, minutes),
        intersessional=np.zeros(STATE_ONLY_SESSIONS, bool), agenda_items=1, state_queue_minutes=0.0)


def state_only(data: ActorIssueData, params=None, seed: int = 0) -> np.ndarray:
    """This project's negotiation with the actors as states and no stakeholders: the final text on the data's
    scale, (K,). Deterministic (no position noise, no stakeholders), so one replicate suffices."""
    from sim import presets
    from sim.engine import Negotiation

    world = world_from_actor_issue(data)
    rules = presets.rules("ahc_2022_2024", speaking_minutes=0.0, informal_share=0.3)
    neg = Negotiation(world, params or presets.params(), rules, seed, [0], np.zeros((1, 1), bool)).run()
    lo, hi = data.scale[:, 0], data.scale[:, 1]
    return lo + neg.d[0] * (hi - lo) / 100.0
