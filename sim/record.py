"""The negotiating record of the UN cybercrime convention, as data shipped with the package.

Two tables in ``sim/data`` (codebook: ``docs/RECORD.md``; provenance: ``sim/data/SOURCES.md``):

- ``ahc_record.csv``: one row per (provision, text), the position of each key text, and of each stakeholder
  coalition's joint ask, on the model's 0-100 scale (0 = narrow, rights-protective; 100 = broad, expansive), or
  ``unknown`` with an empty position where no source allows a value;
- ``ahc_process.csv``: process facts (sessions, the suspended concluding session, the failed deletion votes, the
  General Assembly adoption, the signing), each with its source.

The loaders read the shipped files through ``importlib.resources`` (or a path given for checking a copy) and
reject a malformed file with a :class:`RecordError` naming the file, the row and what is allowed.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
from importlib import resources
from pathlib import Path

from sim.config import ConfigError

RECORD_FILE = "ahc_record.csv"
PROCESS_FILE = "ahc_process.csv"
RECORD_COLUMNS = ("provision", "text", "text_date", "position", "status", "coding_rule", "source_url", "note")
PROCESS_COLUMNS = ("fact", "kind", "value", "start", "end", "status", "source_url", "note")
STATUSES = ("coded", "unknown")
PROCESS_KINDS = ("session", "event", "flag", "count", "count_at_least", "text")
#: The provisions of the AHC scenario (configs/scenario/ahc_cybercrime.yaml), in its order.
PROVISIONS = ("scope", "hr_clause", "safeguards", "realtime", "cooperation", "csam", "e_evidence", "network_247",
              "tech_assistance", "follow_up")
#: Negotiating texts (dated) and coalition asks (undated), in the order the codebook lists them.
DRAFTS = ("russia_2021", "zero_draft_2023_06", "revised_2023_11", "draft_2024_01", "final_2024_08")
COALITIONS = ("coalition_rights_tech", "coalition_child_protection", "coalition_law_enforcement", "coalition_industry")
TEXTS = DRAFTS + COALITIONS
SCALE = (0.0, 100.0)
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class RecordError(ConfigError):
    """A record file that breaks its schema: the message names the file, the row and what is allowed."""

    def __init__(self, file: str, row: int | None, problem: str, allowed: str):
        self.file, self.row = file, row
        super().__init__(file if row is None else f"{file} row {row}", problem, allowed)


def _open(name: str, path: str | Path | None) -> tuple[str, list[dict[str, str]], tuple[str, ...]]:
    """Rows of a shipped table (or of ``path``) with the file's label and its header."""
    source = Path(path) if path is not None else Path(str(resources.files("sim") / "data" / name))
    if not source.is_file():
        raise RecordError(source.name, None, "no such file", f"the shipped sim/data/{name} or a path to a copy")
    with source.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        return source.name, list(reader), header


def _check_header(label: str, header: tuple[str, ...], columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise RecordError(label, None, f"missing column {missing[0]!r}", "columns " + ", ".join(columns))


def _hint(value: str, allowed: tuple[str, ...]) -> str:
    near = difflib.get_close_matches(value, allowed, n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _choice(label: str, line: int, column: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise RecordError(label, line, f"{column} {value!r} is not allowed{_hint(value, allowed)}", " | ".join(allowed))
    return value


def _position(label: str, line: int, row: dict[str, str]) -> float | None:
    """The position of a row: a number in [0, 100] when coded, empty when unknown."""
    raw = (row["position"] or "").strip()
    if row["status"] == "unknown":
        if raw:
            raise RecordError(label, line, f"position {raw!r} given for an unknown row", "an empty position")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RecordError(label, line, f"position {raw!r} is not a number", "a number in [0, 100]") from None
    if not (math.isfinite(value) and SCALE[0] <= value <= SCALE[1]):
        raise RecordError(label, line, f"position {raw} is out of range", "a number in [0, 100]")
    return value


def _record_row(label: str, line: int, row: dict[str, str]) -> dict:
    """Check one row of the record and return it typed."""
    provision = _choice(label, line, "provision", row["provision"], PROVISIONS)
    text = _choice(label, line, "text", row["text"], TEXTS)
    _choice(label, line, "status", row["status"], STATUSES)
    position = _position(label, line, row)
    date = row["text_date"] or ""
    if text in DRAFTS and not _DATE.match(date):
        raise RecordError(label, line, f"text_date {date!r} for draft {text!r}", "YYYY-MM or YYYY-MM-DD")
    if text in COALITIONS and date:
        raise RecordError(label, line, f"text_date {date!r} for a coalition ask", "an empty text_date")
    if position is not None and not row["source_url"].startswith(("http://", "https://")):
        raise RecordError(label, line, f"coded value without a source URL ({row['source_url']!r})", "an http(s) address")
    return {**row, "provision": provision, "text": text, "position": position, "text_date": date}


def load_record(path: str | Path | None = None) -> list[dict]:
    """The coded record: one dict per (provision, text), positions as floats or None (unknown).

    Raises:
        RecordError: a missing column, an unknown provision/text/status, a position outside [0, 100], a coded
            value without a source URL, a duplicate or a missing (provision, text) pair.
    """
    label, rows, header = _open(RECORD_FILE, path)
    _check_header(label, header, RECORD_COLUMNS)
    out, seen = [], {}
    for line, row in enumerate(rows, start=2):
        typed = _record_row(label, line, row)
        key = (typed["provision"], typed["text"])
        if key in seen:
            raise RecordError(label, line, f"duplicate {key} (first on row {seen[key]})", "one row per (provision, text)")
        seen[key] = line
        out.append(typed)
    absent = [(p, t) for p in PROVISIONS for t in TEXTS if (p, t) not in seen]
    if absent:
        raise RecordError(label, None, f"no row for {absent[0]}", "a row (coded or unknown) for every (provision, text)")
    return out


def _process_value(label: str, line: int, row: dict[str, str]):
    """The typed value of a process fact: int for counts, bool for flags, str otherwise; None when unknown."""
    raw, kind = (row["value"] or "").strip(), row["kind"]
    if row["status"] == "unknown":
        if raw:
            raise RecordError(label, line, f"value {raw!r} given for an unknown fact", "an empty value")
        return None
    if not raw:
        raise RecordError(label, line, "empty value for a coded fact", "a value, or status unknown")
    if kind in ("count", "count_at_least"):
        if not raw.isdigit():
            raise RecordError(label, line, f"value {raw!r} is not a count", "a non-negative whole number")
        return int(raw)
    if kind == "flag":
        return {"true": True, "false": False}[_choice(label, line, "value", raw, ("true", "false"))]
    return raw


def load_process(path: str | Path | None = None) -> dict[str, dict]:
    """Process facts keyed by fact name, each with its kind, typed value, dates, status, source and note.

    Raises:
        RecordError: a missing column, an unknown kind/status, a bad date, a count that is not a whole number, a
            coded fact without a value or source URL, an unknown fact with a value, a duplicate fact.
    """
    label, rows, header = _open(PROCESS_FILE, path)
    _check_header(label, header, PROCESS_COLUMNS)
    facts: dict[str, dict] = {}
    for line, row in enumerate(rows, start=2):
        _choice(label, line, "kind", row["kind"], PROCESS_KINDS)
        _choice(label, line, "status", row["status"], STATUSES)
        for column in ("start", "end"):
            if row[column] and not _DATE.match(row[column]):
                raise RecordError(label, line, f"{column} {row[column]!r} is not a date", "YYYY-MM or YYYY-MM-DD")
        value = _process_value(label, line, row)
        if value is not None and not row["source_url"].startswith(("http://", "https://")):
            raise RecordError(label, line, "coded fact without a source URL", "an http(s) address")
        if row["fact"] in facts:
            raise RecordError(label, line, f"duplicate fact {row['fact']!r}", "one row per fact")
        facts[row["fact"]] = {**row, "value": value}
    return facts


def trajectory(provision: str, record: list[dict] | None = None) -> list[tuple[str, str, float]]:
    """The coded negotiating texts of one provision in date order, as (text, date, position); unknowns left out."""
    if provision not in PROVISIONS:
        raise ConfigError("provision", f"unknown provision {provision!r}{_hint(provision, PROVISIONS)}",
                          " | ".join(PROVISIONS))
    rows = record if record is not None else load_record()
    coded = [r for r in rows if r["provision"] == provision and r["text"] in DRAFTS and r["position"] is not None]
    return [(r["text"], r["text_date"], r["position"]) for r in sorted(coded, key=lambda r: r["text_date"])]


def coalition_positions(record: list[dict] | None = None) -> dict[str, dict[str, float]]:
    """Each coalition's coded asks, {coalition: {provision: position}}; a coalition with none coded maps to {}."""
    rows = record if record is not None else load_record()
    out: dict[str, dict[str, float]] = {c: {} for c in COALITIONS}
    for r in rows:
        if r["text"] in COALITIONS and r["position"] is not None:
            out[r["text"]][r["provision"]] = r["position"]
    return out


#: Plain-word names of the negotiating texts, for charts and reports.
TEXT_LABELS = {"russia_2021": "Russian draft convention (2021)", "zero_draft_2023_06": "zero draft (June 2023)",
               "revised_2023_11": "revised draft (Nov 2023)", "draft_2024_01": "draft before the concluding session",
               "final_2024_08": "final text (Aug 2024)"}


def on_sessions(session_starts: list[str], record: list[dict] | str | None = None) -> dict[str, list[tuple]]:
    """Each coded negotiating text of each provision placed on the model's session axis, for drawing the record
    beside the model's drafts: ``{provision: [(x, position, text label), ...]}``.

    ``x`` counts the sessions that had begun before the text's date, i.e. the text is compared with the model's
    draft after session ``x`` (0: before the first session). A text dated on a session's first day belongs before
    that session (the Jan 2024 draft was the basis of the concluding session). ``record`` is a loaded record, the
    name of a shipped record file, or None for the default."""
    if isinstance(record, str) and not Path(record).is_file():
        record = str(resources.files("sim") / "data" / record)
    rows = load_record(record) if isinstance(record, str) or record is None else record
    starts = [str(s) for s in session_starts]
    out: dict[str, list[tuple]] = {}
    for provision in dict.fromkeys(r["provision"] for r in rows):
        points = []
        for text, date, position in trajectory(provision, rows):
            x = sum(start < date for start in starts)
            points.append((x, position, TEXT_LABELS.get(text, text)))
        if points:
            out[provision] = points
    return out
