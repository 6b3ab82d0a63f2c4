"""A careful user's bad day (issue 18): ``plenary report`` killed at random moments leaves only complete files; a full
disk (a 2 MB tmpfs) fails cleanly with exit status 1 and one message, keeps the files finished before, and a rerun
with space completes; a read-only folder is refused with exit status 2 before any work.

The tmpfs tests need ``mount`` (root); they are skipped with the reason otherwise, unless PLENARY_REQUIRE_TMPFS=1.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest
from PIL import Image

from experiments.cli import main
from sim import io

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
KILLS = int(os.environ.get("PLENARY_KILLS", "5"))


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """Four finished cells (2 x 2 levers, R = 2) and their uninterrupted report as the reference."""
    base = tmp_path_factory.mktemp("sweep")
    folder = base / "sweep"
    assert main(["sweep", "--quiet", "experiment=closed_door", "replicates=2", "rules.informal_share=0.2,0.8",
                 "rules.informals=excluded,participants", f"sweep.dir={folder}"]) == 0
    assert main(["report", str(folder), "--out", str(base / "reference")]) == 0
    return folder, base / "reference"


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if io.TMP_MARK in p.name)


def assert_complete(folder: Path, reference: Path) -> int:
    """Every file under a final name is complete: images open, PDFs end with %%EOF, SVG parses, text files equal
    the uninterrupted report's. Returns how many final files there are."""
    finals = [p for p in folder.iterdir() if io.TMP_MARK not in p.name]
    for p in finals:
        assert (reference / p.name).exists(), p.name
        if p.suffix == ".png":
            with Image.open(p) as im:
                im.load()
            assert mpimg.imread(p).ndim == 3
        elif p.suffix == ".pdf":
            data = p.read_bytes()
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), p.name
        elif p.suffix == ".svg":
            ET.parse(p)
        else:
            assert p.read_bytes() == (reference / p.name).read_bytes(), p.name
    return len(finals)


def _report_process(sweep: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "experiments.cli", "report", str(sweep), "--out", str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_kill_during_report_at_random_moments_leaves_only_complete_files(small_sweep, tmp_path):
    sweep, reference = small_sweep
    out = tmp_path / "report"
    writes = len(list(reference.iterdir()))
    rng = random.Random(18)
    mid_write = 0
    for _ in range(KILLS):
        target = rng.randint(1, writes)          # kill while the target-th temporary file is being written
        proc = _report_process(sweep, out)
        seen: set[str] = set()
        while proc.poll() is None:
            current = set(_temps(out)) if out.exists() else set()
            seen |= current
            if current and len(seen) >= target:
                proc.kill()
                mid_write += 1
                break
            time.sleep(0.002)
        proc.wait()
        proc.stderr.close()
        assert_complete(out, reference)
    assert mid_write >= KILLS - 1            # (nearly) every kill landed while a file was half-written
    proc = _report_process(sweep, out)
    assert proc.wait() == 0, proc.stderr.read().decode()
    proc.stderr.close()
    assert assert_complete(out, reference) == writes and _temps(out) == []


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}"
        if os.environ.get("PLENARY_REQUIRE_TMPFS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mnt: Path, leave: int) -> Path:
    """A filler file that leaves about ``leave`` bytes free."""
    st = os.statvfs(mnt)
    filler = mnt / "filler"
    filler.write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))
    return filler


def test_a_run_on_a_full_disk_fails_cleanly_and_a_rerun_with_space_completes(tiny_disk, capsys):
    filler = _fill(tiny_disk, 300_000)           # a run folder is ~0.7 MB
    argv = ["run", f"run_dir={tiny_disk / 'run'}", "replicates=2", "variants=none"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("plenary: error:")]
    assert errors == [err.splitlines()[-1]] and "Traceback" not in err       # progress lines, then one error
    assert errors[0].startswith(f"plenary: error: could not write {tiny_disk / 'run'}: No space left on device")
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]     # no half-written folder, no temporaries
    filler.unlink()
    assert main(argv) == 0
    table = pd.read_parquet(tiny_disk / "run" / "results.parquet")
    assert list(table["replicate"]) == [0, 1] and (tiny_disk / "run" / "manifest.json").exists()


def test_a_report_on_a_full_disk_keeps_finished_files_and_a_rerun_completes(small_sweep, tiny_disk, capsys):
    sweep, reference = small_sweep
    out = tiny_disk / "report"
    filler = _fill(tiny_disk, 500_000)           # a report is ~1.2 MB: it fails part way
    assert main(["report", str(sweep), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("plenary: error:")]
    assert errors == [err.splitlines()[-1]] and "No space left on device" in errors[0] and "Traceback" not in err
    finished = assert_complete(out, reference)
    assert 0 < finished < len(list(reference.iterdir())) and _temps(out) == []
    filler.unlink()
    assert main(["report", str(sweep), "--out", str(out)]) == 0
    assert assert_complete(out, reference) == len(list(reference.iterdir())) and _temps(out) == []


def test_a_read_only_output_folder_is_refused_before_any_work(tiny_disk, capsys, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("the engine ran although the run folder cannot be written")

    monkeypatch.setattr("experiments.run.run_replicates", no_work)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        assert main(["run", f"run_dir={tiny_disk / 'run'}", "replicates=4"]) == 2
        assert main(["run", "--dry-run", f"run_dir={tiny_disk / 'run'}", "replicates=4"]) == 2
        err = capsys.readouterr().err
        assert err.count("run_dir: cannot write in") == 2 and "Read-only file system" in err
        assert err.count("\n") == 2 and list(tiny_disk.iterdir()) == []
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=False)
