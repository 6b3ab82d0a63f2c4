"""A memory estimate of a run from its config alone, checked before any work (``RunConfig.__post_init__``).

The estimate adds up the engine's largest arrays (float64 unless noted), named by what sets their size:

- the world: the state x organisation x provision difference built once for the alignment (N*O*K), the
  organisation tables (O*K) and the bloc alignment (nb*K*O);
- per batch of c = min(R, chunk_size) replicates times V variants (B = c*V rows): the speaking draws
  (c*T*A*slot_cap) and their per-row gather in the plenary (B*A*slot_cap), the objection matrix (c*N*O, bytes),
  the submission and consultation draws (c*T*O), the positions (B*N*K, a few copies), statements (B*T*O), the
  draft and bloc tracks (B*(T+1)*(nb+1)*K) and the ratification draws (c*Q*N);
- kept for all R replicates: the results table, the draft, bloc and ratification tracks, who signed.

``sim.memory.estimate(cfg)`` returns the total and the terms; ``check(cfg)`` raises MemoryBudgetError naming the
largest term and what to reduce when the total exceeds the budget: ``memory_budget_gb`` if set, else half of the
machine's memory (or of the cgroup limit, whichever is smaller). The terms were checked against the measured peak
resident memory of real runs (tests/test_validation_memory.py): the estimate is an upper bound within a small factor.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim.errors import DataError, MemoryBudgetError

F64 = 8
BOOL = 1
N_TYPES = 6                 # organisation types: leave-one-type-out adds one variant per type
TABLE_COLUMNS = 40          # columns of the results table besides the per-provision and per-region ones
POSITION_COPIES = 6         # x, p and the session's temporaries (p0, informal b, persuaded p1, gathers)
OVERHEAD = 1.6              # allocator slack and the engine's smaller arrays, fitted to measured peaks
BASE_BYTES = 400 * 2**20    # Python, numpy, numba, pandas, matplotlib loaded


@dataclass(frozen=True)
class Estimate:
    total: int
    terms: dict[str, tuple[int, str]]    # name -> (bytes, what to reduce)

    def largest(self) -> tuple[str, int, str]:
        name = max(self.terms, key=lambda k: self.terms[k][0])
        return name, *self.terms[name]


def machine_bytes() -> int:
    """Physical memory of the machine, or the cgroup (v2 or v1) limit when that is smaller."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def budget_bytes(cfg) -> int:
    gb = getattr(cfg, "memory_budget_gb", None)
    return int(float(gb) * 2**30) if gb is not None else machine_bytes() // 2


def n_variants(variants: str, attribution: str) -> int:
    if attribution == "shapley":
        return 2**N_TYPES
    return {"none": 1, "all_vs_none": 2, "leave_one_type_out": 2 + N_TYPES}.get(variants, 2 + N_TYPES)


def count_states(states_file: str) -> int:
    """Rows of the state table (raises DataError when the file does not exist)."""
    from sim.scenario import resolve_data_file

    path = resolve_data_file(states_file)
    try:
        with path.open(encoding="utf-8") as fh:
            return max(0, sum(1 for line in fh if line.strip()) - 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(path), f"cannot be read ({exc})", "a readable UTF-8 CSV file") from None


def estimate(cfg, n_states: int | None = None) -> Estimate:
    """The memory a ``plenary run`` of ``cfg`` (a RunConfig) needs, in bytes, with its terms."""
    sc = cfg.scenario
    n = count_states(sc.states_file) if n_states is None else n_states
    o, k, t = int(sc.organisations.count), len(sc.issues), len(sc.sessions)
    a, s, nb, q = int(sc.agenda_items), int(cfg.params.slot_cap), len(sc.blocs), int(sc.treaty.quarters)
    r = int(cfg.replicates)
    c = min(r, int(cfg.chunk_size))
    b = c * n_variants(cfg.variants, cfg.attribution)
    orgs = "scenario.organisations.count"
    items = "scenario.agenda_items (or params.slot_cap)"
    batch = "chunk_size (replicates simulated at once), or variants"
    terms = {
        "alignment of states and organisations (N*O*K)": (F64 * (n * o * k + 2 * n * o + (nb + 4) * o * k)
                                                          + BOOL * 3 * n * o, orgs),
        "speaking draws (c*T*A*slot_cap + B*A*slot_cap)": (F64 * (c * t + b) * a * s, items),
        "objection draws (c*N*O)": (BOOL * c * n * o, f"{orgs} or chunk_size"),
        "organisation draws and statements (c*T*O + B*T*O)": (F64 * (2 * c * t * o + b * (t + 8) * o), f"{orgs} "
                                                              f"or chunk_size"),
        "positions (B*N*K)": (F64 * (POSITION_COPIES * b * n * k + c * n * (k + 2 * t)), batch),
        "tracks (B*(T+1)*(nb+1)*K)": (F64 * b * (t + 1) * (nb + 1) * k, batch),
        "ratification draws (c*Q*N)": (F64 * c * (q + 3 * k) * n, "scenario.treaty.quarters or chunk_size"),
        "results kept for all replicates (R*...)": (F64 * r * (TABLE_COLUMNS + 5 * k + (t + 1) * (nb + 1) * k + q + n)
                                                    + BOOL * r * o, "replicates"),
    }
    total = int(BASE_BYTES + OVERHEAD * sum(v for v, _ in terms.values()))
    return Estimate(total, terms)


def gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB" if n >= 2**27 else f"{n / 2**20:.3g} MiB"


def check(cfg, n_states: int | None = None) -> Estimate:
    """The estimate of ``cfg``; MemoryBudgetError naming what to reduce when it exceeds the budget."""
    est = estimate(cfg, n_states)
    budget = budget_bytes(cfg)
    if est.total > budget:
        name, size, reduce = est.largest()
        where = "memory_budget_gb" if cfg.memory_budget_gb is not None else "half of this machine's memory"
        raise MemoryBudgetError(reduce.split()[0], f"the run needs about {gib(est.total)}, more than the budget of "
                                f"{gib(budget)} ({where}); the largest part is {name}, {gib(size)}",
                                f"a smaller {reduce}, or a larger memory_budget_gb=<GB>")
    return est
