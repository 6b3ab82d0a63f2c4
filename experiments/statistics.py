"""The summary statistics that tie the model to the record, for ``plenary calibrate`` (ABC) and for checks.

One :class:`Statistic` per quantity, each with how to read its value from the record (``sim.record``; ``None``
where the record says ``unknown``: such statistics are left out, never imputed) and how to compute it from a
batch of replicates (:class:`sim.runner.RunResults`). Adding a statistic is one entry in :data:`STATISTICS`.

- **The draft per provision** (``sim/data/ahc_record.csv``): every coded cell of a chair's text becomes one
  statistic, the mean over replicates of the model's draft at the same point of the calendar (:data:`TEXT_AFTER`).
  The Russian draft of 2021 is a state's proposal, not the chair's text, so it is not compared; the January 2024
  text is the same document as the revised draft of November 2023 (docs/RECORD.md §1), so it is not counted twice.
- **The process** (``sim/data/ahc_process.csv``): the concluding session suspended and the reconvened session
  adopting; approval by consensus; forced deletion votes; all of them failed. Each as the share of replicates.
- **Signatories at the opening** (65, UN News): the mean number of states that sign. The record codes only the
  total, so the regional split is not a statistic.

The UNGA 74/247 vote is reproduced from the initial positions, which no ``Params`` field changes; it cannot inform
a fit and is checked by ``plenary validate`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim import record as rec
from sim.enums import AdoptionMode
from sim.runner import RunResults

#: A chair's text in the record -> the scenario session after which the model's draft is compared with it
#: (docs/RECORD.md §1: the zero draft of June 2023 follows the fifth session and is the basis of the sixth; the
#: revised draft of November 2023 follows the sixth; the final text is the one approved at the reconvened session).
TEXT_AFTER = {"zero_draft_2023_06": "s5", "revised_2023_11": "s6", "final_2024_08": "resumed"}
CONSENSUS_MODES = ("consensus", "consensus_after_votes")


@dataclass(frozen=True)
class Statistic:
    """A quantity the record fixes and the model computes.

    Attributes:
        name: the statistic's key.
        doc: what it is, in a sentence (with its source in the record).
        observed: (record rows, process facts) -> the recorded value, or None when the record does not know it.
        simulated: a batch of replicates -> the model's value.
    """

    name: str
    doc: str
    observed: Callable[[list[dict], dict], float | None]
    simulated: Callable[[RunResults], float]


def _draft_after(results: RunResults, session: str, provision: str) -> float:
    w = results.world
    t, k = w.session_keys.index(session), w.issue_keys.index(provision)
    return float(np.mean(results.draft[:, t + 1, k]))


def _cell(provision: str, text: str) -> Callable[[list[dict], dict], float | None]:
    def observed(record, _process):
        return next(r["position"] for r in record if r["provision"] == provision and r["text"] == text)
    return observed


def _text_statistics() -> list[Statistic]:
    return [Statistic(f"text_{k}_{text}", f"{k} in {text} (ahc_record.csv), mean draft after session {session}",
                      _cell(k, text), lambda res, s=session, k=k: _draft_after(res, s, k))
            for text, session in TEXT_AFTER.items() for k in rec.PROVISIONS]


def _fact(name: str, test: Callable) -> Callable[[list[dict], dict], float | None]:
    """The recorded share (1.0 or 0.0) of a process fact, None when the fact is unknown."""
    def observed(_record, process):
        values = [process[n]["value"] for n in name.split("+")]
        return None if any(v is None for v in values) else float(test(*values))
    return observed


def _share(test: Callable) -> Callable[[RunResults], float]:
    return lambda res: float(np.mean(test(res.table, res.world)))


def _resumed(t, w):
    return (t["mode"] != AdoptionMode.FAILED.label) & (t["sessions"] == w.n_sessions)


STATISTICS: list[Statistic] = [
    *_text_statistics(),
    Statistic("share_suspended_then_adopted", "the concluding session suspended, the reconvened one adopting "
              "(session_concluding, session_reconvened)",
              _fact("session_concluding+session_reconvened", lambda a, b: a == "suspended" and b.startswith("approved")),
              _share(_resumed)),
    Statistic("share_consensus", "approved by consensus (ahc_approval)", _fact("ahc_approval", lambda v: v == "consensus"),
              _share(lambda t, w: t["mode"].isin(CONSENSUS_MODES))),
    Statistic("share_deletion_votes", "deletion votes forced (deletion_votes_forced)",
              _fact("deletion_votes_forced", bool), _share(lambda t, w: t["deletion_votes"] > 0)),
    Statistic("share_deletion_votes_all_failed", "deletion votes forced and every one failed (deletion_votes_outcome)",
              _fact("deletion_votes_forced+deletion_votes_outcome", lambda a, b: a and b == "all_failed"),
              _share(lambda t, w: (t["deletion_votes"] > 0) & (t["deletions_passed"] == 0))),
    Statistic("signatories_opening", "states signing at the opening for signature (signatories_opening_day)",
              _fact("signatories_opening_day", lambda v: v), lambda res: float(res.table["signatures"].mean())),
]
BY_NAME = {s.name: s for s in STATISTICS}


def observed_statistics(record: list[dict] | None = None, process: dict | None = None) -> dict[str, float]:
    """Every statistic the record codes, {name: value}; statistics whose record value is unknown are left out."""
    record = rec.load_record() if record is None else record
    process = rec.load_process() if process is None else process
    values = {s.name: s.observed(record, process) for s in STATISTICS}
    return {k: float(v) for k, v in values.items() if v is not None}


def summary_statistics(results: RunResults, names=None) -> dict[str, float]:
    """The model's value of each statistic in ``names`` (default: those the record codes) for a batch of replicates."""
    names = list(observed_statistics()) if names is None else list(names)
    return {n: BY_NAME[n].simulated(results) for n in names}
