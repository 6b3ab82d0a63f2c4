"""Every workshop notebook executes top to bottom, its key outputs are asserted, and each .ipynb is the pair of its
jupytext .py source (same cells)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("0*.py"))

# what each notebook must have computed (a cell appended by the test prints these variables as JSON)
CHECKS = {
    "01_a_treaty_in_eight_sessions": "{'states': world.n_states, 'orgs': world.n_orgs, 'mode': final_mode, "
                                     "'sessions': sessions_run, 'types': len(who)}",
    "02_the_rules_of_the_room": "{'accredited': accredited['accredited'].to_dict(), 'kept_out': kept_out, "
                                "'dose': dose['influence'].tolist(), 'door': door_effect[0]}",
    "03_measuring_influence_honestly": "{'gap': float(gap), 'paired': float(paired_width), "
                                       "'unpaired': float(unpaired_width)}",
    "04_designing_the_cosps_rules": "{'cells': int(sweep['cell'].nunique()), 'effects': len(effects), "
                                    "'shift': float(shift[0]), 'assumptions': len(assumptions)}",
    "05_the_advocates_brief": "{'options': len(spec.options), 'per_pair_min': float(per_pair.min()), "
                              "'pairs': len(per_pair), 'material': bool(material), "
                              "'pivots': len(data.access_pivots.table), 'box': brief.box_sentence(data)}",
}


# notebooks that draw charts: how many PNG images their cells must show (one per chart call)
CHARTS = {"01_a_treaty_in_eight_sessions": 1, "02_the_rules_of_the_room": 1, "03_measuring_influence_honestly": 1,
          "04_designing_the_cosps_rules": 2, "05_the_advocates_brief": 1}


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _execute(path: Path) -> tuple[dict, int]:
    """Run the notebook in a real kernel with the environment a participant has (no MPLBACKEND forced, so the
    kernel's inline backend must survive ``import sim.plotting``); its checks and the number of images shown."""
    nb = jupytext.read(path)
    nb.cells.append(nbformat.v4.new_code_cell(f"import json as _j; print('CHECK' + _j.dumps({CHECKS[path.stem]}, "
                                              f"default=float))"))
    saved = {k: os.environ.get(k) for k in ("MPLBACKEND", "PYTHONPATH")}
    os.environ.pop("MPLBACKEND", None)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NOTEBOOKS.parent), saved["PYTHONPATH"]]))
    try:
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return json.loads(out.split("CHECK", 1)[1]), _images(nb)


def test_there_are_five_notebooks_each_with_goals_time_and_exercises():
    assert [p.stem for p in SOURCES] == list(CHECKS)
    for path in SOURCES:
        text = path.read_text()
        assert "**Learning goals**" in text and "**Time:**" in text and "## Exercises" in text
        imports = [ln for ln in text.splitlines() if ln.startswith(("import ", "from "))]
        assert all(ln.split()[1].split(".")[0] in {"sim", "pandas", "numpy", "dataclasses", "json"} for ln in imports)
        assert "def " not in text and "class " not in text         # no model logic of their own


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_the_ipynb_is_the_pair_of_the_py_source(path):
    src = jupytext.read(path)
    paired = nbformat.read(path.with_suffix(".ipynb"), as_version=4)
    assert [(c.cell_type, c.source) for c in src.cells] == [(c.cell_type, c.source) for c in paired.cells], \
        f"run: jupytext --sync {path.name}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_the_committed_ipynb_carries_its_executed_outputs(path):
    """A participant opening the .ipynb sees the charts before running anything (python notebooks/execute.py)."""
    nb = nbformat.read(path.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code), "not executed: python notebooks/execute.py"
    assert _images(nb) >= CHARTS.get(path.stem, 0)


def test_notebook_1_a_treaty_in_eight_sessions():
    out, images = _execute(NOTEBOOKS / "01_a_treaty_in_eight_sessions.py")
    assert images >= CHARTS["01_a_treaty_in_eight_sessions"]
    assert out["states"] == 193 and out["orgs"] == 200 and out["types"] == 6
    assert out["mode"] in ("consensus", "consensus_after_votes", "vote") and 7 <= out["sessions"] <= 8


def test_notebook_2_the_rules_of_the_room():
    out, images = _execute(NOTEBOOKS / "02_the_rules_of_the_room.py")
    assert images >= CHARTS["02_the_rules_of_the_room"]
    acc = out["accredited"]
    assert acc["open"] >= acc["non_objection_vote"] > acc["single_state_veto"] > acc["ecosoc_only"]
    assert out["kept_out"] > 0
    dose = out["dose"]
    assert dose[0] < dose[2] < dose[-1]                  # influence rises with speaking time
    assert out["door"] < 0                               # closing the door costs influence


def test_notebook_3_measuring_influence_honestly():
    out, images = _execute(NOTEBOOKS / "03_measuring_influence_honestly.py")
    assert images >= CHARTS["03_measuring_influence_honestly"]
    assert out["gap"] > 0.01                              # success is not power
    assert out["paired"] < out["unpaired"]                # pairing sharpens the comparison


def test_notebook_4_designing_the_cosps_rules():
    out, images = _execute(NOTEBOOKS / "04_designing_the_cosps_rules.py")
    assert images >= CHARTS["04_designing_the_cosps_rules"]
    assert out["cells"] == 9 and out["effects"] == 8 and out["assumptions"] == 5
    assert out["shift"] > 0                               # observers move the access position towards open


def test_notebook_5_the_advocates_brief():
    out, images = _execute(NOTEBOOKS / "05_the_advocates_brief.py")
    assert images >= CHARTS["05_the_advocates_brief"]
    assert out["options"] == 3 and out["pivots"] == 193
    # an objection overridden by a vote admits every organisation that no state objects to, and more: in every
    # paired run (the same objection draws) at least as many organisations as under draft rule 17(2)
    assert out["pairs"] == 16 and out["per_pair_min"] >= 0
    assert out["box"].startswith(("Stakeholders move", "No parameter and rule region"))
