"""The memory estimate is checked before any work: a run that would exceed the budget (``memory_budget_gb``,
default half the machine's memory) is refused with exit status 2 naming what to reduce, without allocating; and the
estimate bounds the peak memory a real run measures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.cli import main
from experiments.config import load
from sim import memory

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30


# The child (the CLI's main, as `plenary` runs it) reports its own high-water mark (VmHWM of /proc/self/status).
# Its rusage maxrss would not do: Linux carries the peak of the process that exec'd it (here the pytest process,
# which may have grown to gigabytes by the time this test runs) into the child's maxrss at exec.
_CHILD = """
import sys
from experiments.cli import main
out = sys.argv.pop(1)
try:
    code = main(sys.argv[1:])
finally:
    kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    open(out, "w").write(str(kb * 1024))
sys.exit(code)
"""


def _run_child(args: list[str], tmp_path: Path) -> tuple[int, int, str]:
    """Exit status, peak resident memory of the child itself (bytes) and stderr of ``python -m experiments.cli
    ARGS``."""
    err, peak = tmp_path / "stderr.txt", tmp_path / "peak.txt"
    with err.open("w") as fh:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(peak), *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=fh, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    return proc.returncode, int(peak.read_text()), err.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("override, key", [("scenario.organisations.count=100000000", "scenario.organisations.count"),
                                           ("scenario.agenda_items=1000000000", "scenario.agenda_items")])
def test_a_huge_run_is_refused_before_allocating(tmp_path, override, key):
    status, peak, err = _run_child(["run", f"run_dir={tmp_path / 'run'}", override], tmp_path)
    assert status == 2 and "Traceback" not in err and err.count("\n") == 1
    assert err.startswith(f"plenary: error: {key}: the run needs about") and "memory_budget_gb" in err
    assert peak < 1.5 * GIB and not (tmp_path / "run").exists()


def test_the_budget_key_refuses_and_admits(tmp_path, capsys):
    argv = ["run", "--dry-run", f"run_dir={tmp_path / 'run'}", "scenario.organisations.count=5000", "replicates=16"]
    need = memory.estimate(load(argv[3:])).total
    assert 0.5 * GIB < need < 2 * GIB
    assert main([*argv, "memory_budget_gb=0.5"]) == 2
    err = capsys.readouterr().err
    assert "more than the budget of 0.5 GiB (memory_budget_gb)" in err and "the largest part is" in err
    assert main([*argv, "memory_budget_gb=2"]) == 0


def test_the_default_budget_is_half_the_machine():
    cfg = load([])
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert memory.budget_bytes(cfg) == memory.machine_bytes() // 2 <= physical // 2


def test_the_estimate_grows_with_what_it_names():
    small, big = memory.estimate(load([])), memory.estimate(load(["scenario.organisations.count=2000"]))
    name = "alignment of states and organisations (N*O*K)"
    assert big.terms[name][0] == pytest.approx(10 * small.terms[name][0], rel=0.01)
    assert memory.estimate(load(["variants=none"])).total < small.total
