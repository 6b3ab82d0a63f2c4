"""Actor-issue data in the Decide / Stokman format, read with row- and column-precise errors.

The format (Stokman & Van Oosten 1994; Thomson et al. 2006; the ``decide-exchange-model`` package) is a
tab-separated text file, values optionally in single quotes, one record per line:

    #A  actor-id  name  [comment]                   an actor
    #P  issue-id  name  [comment]                   an issue
    #M  issue-id  value                             a point of the issue's scale (its min and max define it)
    #D  actor-id  issue-id  position  salience  power
    #O / #/ ...                                     title, comments (ignored)

Positions must lie on the issue's scale (0-100 when no #M rows), salience in [0, 1], power >= 0 and the same for
an actor on every issue. The files themselves (e.g. Copenhagen 2009, COP21) are not shipped (GPL-3.0): pass a path.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config import ConfigError
from sim.scenario import DataError

RECORDS = {"#A": 2, "#P": 2, "#M": 3, "#D": 6}      # record -> minimum number of fields
COLUMNS_D = ("record", "actor", "issue", "position", "salience", "power")
DEFAULT_SCALE = (0.0, 100.0)


class DecideFormatError(DataError):
    """Every problem of a file at once, each as (``file:line:column (field)``, problem, allowed)."""

    def __init__(self, path: Path, problems: list[tuple[str, str, str]]):
        self.problems = problems
        head = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        lines = [f"{where}: {problem} (allowed: {allowed})" for where, problem, allowed in problems]
        ConfigError.__init__(self, path.name, head + ":\n  " + "\n  ".join(lines), "see each line")
        self.args = (f"{path.name}: {head}:\n  " + "\n  ".join(lines),)

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class ActorIssueData:
    """Actors x issues: positions (NaN where an actor has no position), salience, and one power per actor."""

    name: str
    actors: tuple[str, ...]
    issues: tuple[str, ...]
    issue_labels: tuple[str, ...]
    scale: np.ndarray       # (K, 2) min, max
    position: np.ndarray    # (A, K)
    salience: np.ndarray    # (A, K), 0 where no position
    power: np.ndarray       # (A,)

    @property
    def present(self) -> np.ndarray:
        return np.isfinite(self.position)


def _clean(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        value = value[1:-1]
    return value.strip()


def read_actor_issue(path: str | Path) -> ActorIssueData:
    """Read a Decide-format file; raises DecideFormatError listing every problem as ``file:line:column`` with what
    is allowed (DataError when the file does not exist)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), "no such file", "a path to a Decide-format actor-issue file (#A, #P, #M, #D rows)")
    actors: dict[str, str] = {}
    issues: dict[str, str] = {}
    scales: dict[str, list[float]] = {}
    data: list[tuple[int, str, str, float, float, float]] = []
    problems: list[tuple[str, str, str]] = []

    def where(line: int, col: int) -> str:
        return f"{path.name}:{line}:{col} ({COLUMNS_D[col - 1] if col <= len(COLUMNS_D) else 'field ' + str(col)})"

    def number(fields, line, col, allowed):
        raw = fields[col - 1] if len(fields) >= col else ""
        try:
            return float(raw)
        except ValueError:
            problems.append((where(line, col), f"{raw!r} is not a number", allowed))
            return np.nan

    with path.open(newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            fields = [_clean(v) for v in row]
            if not fields or not fields[0] or fields[0] in ("#O", "#/") or fields[0].startswith("#/"):
                continue
            rec = fields[0]
            if rec not in RECORDS:
                problems.append((f"{path.name}:{line}:1", f"unknown record {rec!r}", "#A, #P, #M, #D, #O or #/ rows"))
                continue
            if len(fields) < RECORDS[rec]:
                problems.append((f"{path.name}:{line}", f"a {rec} row needs {RECORDS[rec]} fields, found {len(fields)}",
                                 "#D actor issue position salience power; #M issue value; #A/#P id name"))
                continue
            if rec == "#A":
                actors[fields[1]] = fields[2] if len(fields) > 2 and fields[2] else fields[1]
            elif rec == "#P":
                issues[fields[1]] = fields[2] if len(fields) > 2 and fields[2] else fields[1]
            elif rec == "#M":
                scales.setdefault(fields[1], []).append(number(fields, line, 3, "a scale point, e.g. 0 or 100"))
            else:
                pos = number(fields, line, 4, "a position on the issue's scale")
                sal = number(fields, line, 5, "a salience in [0, 1]")
                pw = number(fields, line, 6, "a power >= 0")
                if np.isfinite([pos, sal, pw]).all():
                    data.append((line, fields[1], fields[2], pos, sal, pw))
    if not actors or not issues or not data:
        problems.append((path.name, "no actors, issues or #D rows", "a Decide-format file with #A, #P and #D rows"))
        raise DecideFormatError(path, problems)
    a_keys, k_keys = list(actors), list(issues)
    scale = np.array([[min(scales[k]), max(scales[k])] if k in scales else DEFAULT_SCALE for k in k_keys])
    position = np.full((len(a_keys), len(k_keys)), np.nan)
    salience = np.zeros_like(position)
    power = np.full(len(a_keys), np.nan)
    for line, actor, issue, pos, sal, pw in data:
        if actor not in actors:
            problems.append((where(line, 2), f"actor {actor!r} is not declared", "an actor of a #A row: "
                             + ", ".join(a_keys[:6]) + ("..." if len(a_keys) > 6 else "")))
            continue
        if issue not in issues:
            problems.append((where(line, 3), f"issue {issue!r} is not declared", "an issue of a #P row: "
                             + ", ".join(k_keys[:6]) + ("..." if len(k_keys) > 6 else "")))
            continue
        a, k = a_keys.index(actor), k_keys.index(issue)
        lo, hi = scale[k]
        if not lo <= pos <= hi:
            problems.append((where(line, 4), f"position {pos:g} is outside the scale of issue {issue!r}",
                             f"a number in [{lo:g}, {hi:g}]"))
        if not 0.0 <= sal <= 1.0:
            problems.append((where(line, 5), f"salience {sal:g}", "a number in [0, 1]"))
        if pw < 0:
            problems.append((where(line, 6), f"power {pw:g} is negative", "a number >= 0"))
        elif np.isfinite(power[a]) and not np.isclose(power[a], pw):
            problems.append((where(line, 6), f"power {pw:g} differs from {power[a]:g} given for {actor!r} earlier",
                             "one power per actor, the same on every issue"))
        if np.isfinite(position[a, k]):
            problems.append((where(line, 2), f"a second position of {actor!r} on {issue!r}", "one #D row per pair"))
        position[a, k], salience[a, k] = pos, sal
        power[a] = pw if not np.isfinite(power[a]) else power[a]
    if problems:
        raise DecideFormatError(path, problems)
    return ActorIssueData(path.stem, tuple(a_keys), tuple(k_keys), tuple(issues[k] for k in k_keys), scale, position,
                          salience, np.nan_to_num(power))
