"""The parameter and rule tables of docs/ODD.md, generated from the code so that they cannot drift from it.

    python -m sim.odd            # rewrite the generated blocks of docs/ODD.md
    python -m sim.odd --check    # exit 1 if docs/ODD.md is out of date (the tests do this)
"""

from __future__ import annotations

import re
import sys
from dataclasses import fields
from pathlib import Path

from sim import presets
from sim.config import Params
from sim.presets import config_dir
from sim.rules import ACCREDITATION

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (\w+) -->\n)(.*?)(<!-- END GENERATED: \2 -->)", re.S)


def _row(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |"


def params_table() -> str:
    lines = [_row(["parameter", "default", "hard bounds", "plausible range", "source", "meaning"]),
             _row(["---"] * 6)]
    for f in fields(Params):
        m = f.metadata
        lines.append(_row([f"`{f.name}`", f.default, f"[{m['bounds'][0]}, {m['bounds'][1]}]",
                           f"[{m['plausible'][0]}, {m['plausible'][1]}]", m["source"], m["doc"]]))
    return "\n".join(lines) + "\n"


def rules_table() -> str:
    names = sorted(p.stem for p in (config_dir() / "rules").glob("*.yaml"))
    keys = ["accreditation", "speaking", "speaking_minutes", "statement_minutes", "informal_share", "informals",
            "written_submissions", "intersessional", "document_access"]
    lines = [_row(["preset", *keys]), _row(["---"] * (len(keys) + 1))]
    for name in names:
        r = presets.rules(name)
        acc = f"{r.accreditation.procedure} ({r.accreditation.majority})"
        lines.append(_row([f"`{name}`", acc, *[getattr(r, k) for k in keys[1:]]]))
    return "\n".join(lines) + "\n"


def procedures_table() -> str:
    lines = [_row(["procedure", "what it does"]), _row(["---", "---"])]
    for name, cls in ACCREDITATION.items():
        lines.append(_row([f"`{name}`", " ".join((cls.__doc__ or "").split())]))
    return "\n".join(lines) + "\n"


GENERATORS = {"params": params_table, "rules": rules_table, "procedures": procedures_table}


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group(2)]() + m.group(4), text)


def main(argv: list[str]) -> int:
    text = ODD.read_text()
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("docs/ODD.md is out of date: run python -m sim.odd", file=sys.stderr)
            return 1
        return 0
    ODD.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
