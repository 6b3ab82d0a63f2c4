"""Write the README's "Engine speed" table from benchmarks/bench_mesa.py (issue 17): every number in the block comes
from this script, with the machine, load and date in its header line. tests/test_benchmark_tables.py checks that the
block was written in the current format (a hand-edited table fails). ``--throughput`` writes the "Engine
throughput" block from bench_engine.throughput() the same way. Run: python benchmarks/tables.py [--repeat 5]
[--throughput] [--readme README.md]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_mesa  # noqa: E402

FORMAT = 1
SCRIPT = "benchmarks/tables.py"
START, END = "<!-- bench:engine-speed start -->", "<!-- bench:engine-speed end -->"
COLUMNS = ("implementation", "what it is", "CPU ms", "wall ms", "CPU ratio to engine")
WHAT = {"engine": "batched core (sim.engine), per replicate of 256",
        "vectorised": "vectorised Mesa model (benchmarks/mesa_vectorised.py)",
        "agents": "Mesa agents with numpy attributes (benchmarks/mesa_agents.py)",
        "naive": "naive loops over lists (benchmarks/per_agent.py)"}
HEADER = re.compile(rf"^<!-- written by {re.escape(SCRIPT)} format (\d+); (.+); load ([\d. ]+); (.+) -->$")


def render(res: dict) -> str:
    """The block (markers included) for bench_mesa.main()'s result."""
    m, ms = res["machine"], res["ms"]
    eng = ms["engine"]["cpu"]
    lines = [START, f"<!-- written by {SCRIPT} format {FORMAT}; {m['cpu']}, {m['cores']} cores; load {m['load']}; "
             f"{m['date']} -->", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for name in bench_mesa.NAMES:
        cpu, wall = ms[name]["cpu"], ms[name]["wall"]
        lines.append(f"| {name} | {WHAT[name]} | {cpu:.4f} | {wall:.4f} | {cpu / eng:.1f} |")
    lines += ["", f"Session {res['session'] + 1} of the default scenario, min of {res['repeat']} interleaved rounds, "
              f"set-up excluded on both sides. Decide comparison: skipped ({res['decide'].get('skipped', 'ran')}).",
              END]
    return "\n".join(lines)


def _parse_block(text: str, start: str, end: str, header: re.Pattern, what: str, writer: str, first: int) -> dict:
    """A README block between ``start`` and ``end``: header fields, columns and rows {first cell: numbers from column
    ``first`` on}; ValueError if the block is absent, doubled or not written by ``writer``."""
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"README has no single {what} block")
    block = text.split(start, 1)[1].split(end, 1)[0].strip().splitlines()
    head = header.match(block[0])
    if head is None:
        raise ValueError(f"header line not written by {writer}: {block[0]!r}")
    table = [ln for ln in block if ln.startswith("|")]
    rows = {}
    for ln in table[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        rows[cells[0]] = tuple(float(c) for c in cells[first:])
    return {"format": int(head.group(1)), "machine": head.group(2), "load": head.group(3), "date": head.group(4),
            "columns": tuple(c.strip() for c in table[0].strip("|").split("|")), "rows": rows}


def parse(text: str) -> dict:
    """The block of a README: header fields and rows {name: (cpu, wall, ratio)}; ValueError if absent/malformed."""
    return _parse_block(text, START, END, HEADER, "engine-speed", SCRIPT, 2)


T_START, T_END = "<!-- bench:engine-throughput start -->", "<!-- bench:engine-throughput end -->"
T_COLUMNS = ("replicates per batch", "replicate-runs per CPU second", "CPU ms per replicate-run", "share of target")
T_HEADER = re.compile(rf"^<!-- written by {re.escape(SCRIPT)} --throughput format (\d+); (.+); load ([\d. ]+); "
                      r"(.+) -->$")


def render_throughput(res: dict) -> str:
    """The throughput block (markers included) for bench_engine.throughput()'s result."""
    m = res["machine"]
    lines = [T_START, f"<!-- written by {SCRIPT} --throughput format {FORMAT}; {m['cpu']}, {m['cores']} cores; load "
             f"{m['load']}; {m['date']} -->", "", "| " + " | ".join(T_COLUMNS) + " |", "|" + "---|" * len(T_COLUMNS)]
    for r_, rate in sorted((int(k), v) for k, v in res["per_cpu_s"].items()):
        lines.append(f"| {r_} x {res['variants']} | {rate:.0f} | {1e3 / rate:.3f} | {rate / res['target_per_cpu_s']:.2f} |")
    lines += ["", f"The default scenario with its {res['variants']} leave-one-type-out variants, min of {res['repeat']} "
              f"runs in process CPU time; target {res['target_per_cpu_s']:,} replicate-runs per CPU second (issue 17). "
              f"One single run: {res['single_run_ms']:.2f} ms wall.", T_END]
    return "\n".join(lines)


def parse_throughput(text: str) -> dict:
    """The throughput block of a README: header fields and rows {batch: (rate, ms, share)}."""
    return _parse_block(text, T_START, T_END, T_HEADER, "engine-throughput", f"{SCRIPT} --throughput", 1)


def write(readme: Path, block: str, start: str = START, end: str = END) -> None:
    text = readme.read_text()
    if text.count(start) != 1 or text.count(end) != 1:     # never append a second table
        raise SystemExit(f"{readme}: needs exactly one {start} ... {end} pair")
    before, rest = text.split(start, 1)
    readme.write_text(before + block + rest.split(end, 1)[1])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--readme", type=Path, default=Path(__file__).resolve().parents[1] / "README.md")
    ap.add_argument("--throughput", action="store_true", help="write the engine-throughput block instead "
                    "(benchmarks/bench_engine.py throughput; about a minute on a quiet machine)")
    a = ap.parse_args()
    if a.throughput:
        from benchmarks import bench_engine

        block = render_throughput(bench_engine.throughput(a.repeat))
        print(block)
        write(a.readme, block, T_START, T_END)
    else:
        block = render(bench_mesa.main(a.repeat))
        print(block)
        write(a.readme, block)
