"""Execute every workshop notebook in place so the committed .ipynb files carry their outputs (charts included).

    python notebooks/execute.py            # after changing a notebook's .py source or the model

Each .ipynb is first re-paired from its jupytext .py source (the source is the one that is edited), then run top
to bottom in a fresh kernel with the inline backend. A notebook that fails leaves its .ipynb untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import jupytext
import nbclient
import nbformat

HERE = Path(__file__).resolve().parent


def execute(source: Path) -> Path:
    nb = jupytext.read(source)
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    os.environ.pop("MPLBACKEND", None)
    # the kernel imports this checkout's sim, whatever is installed
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}}).execute()
    target = source.with_suffix(".ipynb")
    with tempfile.NamedTemporaryFile("w", dir=HERE, suffix=".ipynb.tmp", delete=False, encoding="utf-8") as tmp:
        nbformat.write(nb, tmp)
    os.replace(tmp.name, target)
    return target


def main(names: list[str]) -> int:
    sources = sorted(HERE.glob("0*.py"))
    chosen = [s for s in sources if not names or s.stem in names or s.name in names]
    for source in chosen:
        print(f"executing {source.name} ...", flush=True)
        execute(source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
