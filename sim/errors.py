"""The project's errors, each carrying one message that names what is wrong and what is allowed.

- ``ConfigError``: a configuration value or command-line argument that is not allowed (exit status 2).
- ``DataError``: a data file that cannot be used (missing, a bad column or code); a ConfigError (exit 2).
- ``MemoryBudgetError``: a run whose estimated memory exceeds the budget; a ConfigError (exit 2), raised before
  any work.
- ``OutputError``: a file could not be written during work (disk full, folder gone read-only): exit status 1.
  Nothing half-written is left under a final name.

``sim.config`` re-exports ``ConfigError`` and ``sim.scenario`` re-exports ``DataError``, so older imports work.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(name: str, choices: Iterable[str], n: int = 1) -> list[str]:
    """The closest names to ``name`` among ``choices`` (difflib ratio >= 0.6), best first; for dotted names whose
    whole does not match, the last parts are compared (``params.susceptibilty`` -> ``params.susceptibility``)."""
    choices = [str(c) for c in choices]
    found = difflib.get_close_matches(str(name), choices, n=n, cutoff=0.6)
    if not found and "." in str(name):
        tails = {c.rsplit(".", 1)[-1]: c for c in choices}
        found = [tails[t] for t in difflib.get_close_matches(str(name).rsplit(".", 1)[1], list(tails), n=n)]
    return found


class ConfigError(ValueError):
    """A configuration value that is not allowed. The message names the key and what is allowed.

    Args:
        key: the full config key (``scenario.blocs.0.cohesion``) or command-line option (``--replicates``).
        problem: what is wrong with the value.
        allowed: what would be accepted.
        suggestion: optional nearest valid name (a did-you-mean for misspelt keys and names).
    """

    def __init__(self, key: str, problem: str, allowed: str, suggestion: str | None = None):
        self.key, self.problem, self.allowed, self.suggestion = key, problem, allowed, suggestion
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(f"{key}: {problem} (allowed: {allowed}){hint}")


class DataError(ConfigError):
    """A data file that cannot be used; the message names the file, the row or column, and what is allowed."""


class MemoryBudgetError(ConfigError):
    """A run whose memory estimate exceeds the budget (``memory_budget_gb``), refused before any work."""


class OutputError(OSError):
    """A file that could not be written during work (ENOSPC, EACCES, EROFS ...). Exit status 1: the work had
    started, but nothing half-written was left under a final name and finished results were kept."""

    def __init__(self, path, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"could not write {path}: {reason} (nothing half-written was left; files finished before "
                         f"are kept; allowed: free space or write permission in {path}'s folder, then run again)")


USAGE_EXIT = 2      # bad input: config, data, command line, memory budget
FAILURE_EXIT = 1    # failure during work (a write failed) or a missed validation target
