"""Write the README's "Engine speed" table from benchmarks/bench_mesa.py (issue 17): every number in the block comes
from this script, with the machine, load and date in its header line. tests/test_benchmark_tables.py checks that the
block was written in the current format (a hand-edited table fails). bench_engine.py's throughput runs take minutes
on a loaded machine and are not included. Run: python benchmarks/tables.py [--repeat 5] [--readme README.md]
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


def parse(text: str) -> dict:
    """The block of a README: header fields and rows {name: (cpu, wall, ratio)}; ValueError if absent/malformed."""
    if text.count(START) != 1 or text.count(END) != 1:
        raise ValueError("README has no single engine-speed block")
    block = text.split(START, 1)[1].split(END, 1)[0].strip().splitlines()
    head = HEADER.match(block[0])
    if head is None:
        raise ValueError(f"header line not written by {SCRIPT}: {block[0]!r}")
    table = [ln for ln in block if ln.startswith("|")]
    cols = tuple(c.strip() for c in table[0].strip("|").split("|"))
    rows = {}
    for ln in table[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        rows[cells[0]] = tuple(float(c) for c in cells[2:])
    return {"format": int(head.group(1)), "machine": head.group(2), "load": head.group(3), "date": head.group(4),
            "columns": cols, "rows": rows}


def write(readme: Path, block: str) -> None:
    text = readme.read_text()
    if text.count(START) != 1 or text.count(END) != 1:     # never append a second table
        raise SystemExit(f"{readme}: needs exactly one {START} ... {END} pair")
    before, rest = text.split(START, 1)
    readme.write_text(before + block + rest.split(END, 1)[1])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--readme", type=Path, default=Path(__file__).resolve().parents[1] / "README.md")
    a = ap.parse_args()
    block = render(bench_mesa.main(a.repeat))
    print(block)
    write(a.readme, block)
