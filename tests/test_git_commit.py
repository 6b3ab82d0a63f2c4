"""sim.io.git_commit: a result is tied to the code that computed it; its own output folder is not code."""

import shutil
import subprocess
import sys

import pytest

from sim import io

ROOT = io.Path(io.__file__).resolve().parents[1]


@pytest.fixture
def clone(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout")
    dest = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    return dest


def _commit_of(repo):
    code = "import sim.io as io; print(io.__file__); print(io.git_commit())"
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"}).stdout.split()
    assert out[0].startswith(str(repo))                      # the clone's package, not the checkout's
    return out[1]


def test_output_folders_do_not_make_the_commit_dirty_but_code_does(clone):
    head = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    (clone / "outputs" / "run").mkdir(parents=True)
    (clone / "outputs" / "run" / "results.csv").write_text("a\n")
    (clone / "docs" / "examples" / "new").mkdir(parents=True)
    assert _commit_of(clone) == head
    (clone / "sim" / "new_module.py").write_text("x = 1\n")             # an untracked source file is code
    assert _commit_of(clone) == head + "+dirty"
    (clone / "sim" / "new_module.py").unlink()
    with open(clone / "configs" / "config.yaml", "a") as f:
        f.write("\n")
    assert _commit_of(clone) == head + "+dirty"
