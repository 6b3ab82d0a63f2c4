"""Atomic writes: every file a command writes is either complete under its final name or absent; temporaries of a
dead process are removed by the next write into their folder; a failed write (disk full) names the file, leaves
nothing half-written and keeps what was written before."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import matplotlib.image as mpimg
import pytest

from experiments.cli import main
from sim import io, plotting
from sim.errors import ConfigError, OutputError


def _temps(folder):
    return sorted(p.name for p in folder.iterdir() if io.TMP_MARK in p.name)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_write_atomic_replaces_the_file_only_when_the_writer_finishes(tmp_path):
    path = tmp_path / "table.csv"
    io.write_text_atomic(path, "old\n")

    def half_then_fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        io.write_atomic(path, half_then_fail)
    assert path.read_text() == "old\n" and _temps(tmp_path) == []
    io.write_text_atomic(path, "new\n")
    assert path.read_text() == "new\n" and oct(path.stat().st_mode & 0o777) == oct(0o666 & ~io._umask())


def test_a_full_disk_is_an_output_error_that_keeps_the_old_file(tmp_path):
    path = tmp_path / "summary.md"
    io.write_text_atomic(path, "finished\n")

    def full(tmp):
        tmp.write_text("par")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="summary.md: No space left on device"):
        io.write_atomic(path, full)
    assert path.read_text() == "finished\n" and _temps(tmp_path) == []


def test_stale_temporaries_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    host = io._host()
    dead, live = _dead_pid(), os.getpid()
    names = {f".summary.csv.tmp-{host}-{dead}-abc123.csv": "dead", f".run.tmp-{host}-{dead}-x9": "dead dir",
             f".chart.png.tmp-{host}-{live}-def456.png": "live", f".chart.png.tmp-otherhost-{dead}-q1.png": "remote",
             ".keep.me": "not ours", "plan.json": "final"}
    for name, what in names.items():
        if what == "dead dir":
            (tmp_path / name).mkdir()
            (tmp_path / name / "results.parquet").write_text("half")
        else:
            (tmp_path / name).write_text(what)
    removed = io.clean_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted(n for n, w in names.items() if w.startswith("dead"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n for n, w in names.items()
                                                                if not w.startswith("dead"))


def test_the_next_write_into_a_folder_cleans_up_after_a_dead_writer(tmp_path):
    stale = tmp_path / f".heatmap.pdf.tmp-{io._host()}-{_dead_pid()}-zz.pdf"
    stale.write_bytes(b"%PDF-1.4 trunc")
    io.write_text_atomic(tmp_path / "summary.md", "x\n")
    assert not stale.exists()


def test_plotting_save_writes_complete_charts_atomically(tmp_path):
    fig, ax = plotting.plt.subplots()
    ax.plot([0, 1], [0, 1])
    paths = plotting.save(fig, tmp_path, "chart", "A  caption\nover lines.")
    assert [p.name for p in paths] == ["chart.png", "chart.svg", "chart.pdf"]
    assert mpimg.imread(paths[0]).shape[0] > 100
    assert paths[2].read_bytes().rstrip().endswith(b"%%EOF") and paths[1].read_text().rstrip().endswith("</svg>")
    assert (tmp_path / "chart.caption.txt").read_text() == "A caption over lines.\n" and _temps(tmp_path) == []


def test_write_manifest_is_atomic_json(tmp_path):
    import json

    io.write_manifest(tmp_path, {"seed": 3})
    assert json.loads((tmp_path / "manifest.json").read_text()) == {"seed": 3} and _temps(tmp_path) == []


def test_prepare_folder_refuses_a_path_under_a_file_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="--out: cannot write in"):
        io.prepare_folder(tmp_path / "file" / "report", "--out")


def test_atomic_dir_leaves_nothing_when_the_work_fails(tmp_path):
    with pytest.raises(ValueError), io.atomic_dir(tmp_path / "run") as tmp:
        (tmp / "results.parquet").write_text("half")
        raise ValueError("engine failed")
    assert list(tmp_path.iterdir()) == []


def test_a_report_of_a_folder_that_is_not_a_sweep_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "sweep_dir" in err and "plan.json" in err and err.count("\n") == 1


def test_load_run_of_a_missing_folder_names_the_file(tmp_path):
    from sim.errors import DataError

    with pytest.raises(DataError, match="no manifest.json"):
        io.load_run(tmp_path)


def test_a_new_run_folder_removes_the_temporary_folder_of_a_killed_run(tmp_path):
    stale = tmp_path / f".2026-12-03_05-00-00.tmp-{io._host()}-{_dead_pid()}-k1"
    stale.mkdir()
    (stale / "results.parquet").write_bytes(b"PAR1 half")
    with io.atomic_dir(tmp_path / "next") as tmp:
        (tmp / "summary.md").write_text("done\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next"]
    assert (tmp_path / "next" / "summary.md").read_text() == "done\n"
