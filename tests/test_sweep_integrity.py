"""Sweeps that cannot serve wrong results: the model version in every cell id, one design per folder, checked cells
(each corruption detected, moved aside and recomputed to the true table), owner files on temporary folders."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments import ledger
from experiments import sweep as sw
from experiments.cli import main
from sim.config import ConfigError
from sim.version import model_version, source_hash

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["experiment=speaking_time", "replicates=6", "rules.speaking_minutes=0,15,60", "rules.speaking=individual"]
OTHER = "0.1.0+000000000000"


def _sweep(folder, overrides=SMALL, **kw):
    return sw.sweep([*overrides, f"sweep.dir={folder}"], progress=False, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uncorrupted table of SMALL, and its folder (never modified by the tests: they copy it)."""
    folder = tmp_path_factory.mktemp("reference")
    return _sweep(folder).table, folder


def _copy(src: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(src, dest)
    return dest


# ------------------------------------------------------------------------------------------------ model version
def _tree(root: Path, files: dict[str, bytes]) -> tuple[Path, Path]:
    for name, blob in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(blob)
    return root / "sim", root / "configs"


def test_the_source_hash_is_the_documented_sha256_over_names_sizes_and_bytes(tmp_path):
    sim_root, configs_root = _tree(tmp_path, {"sim/a.py": b"x = 1\n", "sim/data/s.csv": b"iso\nFR\n",
                                              "configs/r/o.yaml": b"k: 2   # two\nb: [1, x]\n",
                                              "sim/__pycache__/a.pyc": b"junk", "sim/notes.txt": b"not code"})
    expected = hashlib.sha256()
    canonical = b'{"map":[["\'b\'",{"list":[{"int":"1"},{"str":"\'x\'"}]}],["\'k\'",{"int":"2"}]]}'
    for name, blob in [("configs/r/o.yaml", canonical), ("sim/a.py", b"x = 1\n"),
                       ("sim/data/s.csv", b"iso\nFR\n")]:
        expected.update(f"{name}\0{len(blob)}\0".encode() + blob)
    assert source_hash(sim_root, configs_root) == expected.hexdigest()[:12]


def test_the_source_hash_changes_with_a_byte_but_not_with_times_caches_or_the_working_folder(tmp_path, monkeypatch):
    sim_root, configs_root = _tree(tmp_path, {"sim/a.py": b"x = 1\n", "sim/data/s.csv": b"1\n",
                                              "configs/c.yaml": b"k: 2\n"})
    first = source_hash(sim_root, configs_root)
    os.utime(sim_root / "a.py", (1, 1))
    (sim_root / "__pycache__").mkdir()
    (sim_root / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"compiled")
    monkeypatch.chdir(sim_root)
    assert source_hash(sim_root, configs_root) == first
    for name in ("a.py", "data/s.csv"):
        path = sim_root / name
        old = path.read_bytes()
        path.write_bytes(old.replace(b"1", b"2"))
        assert source_hash(sim_root, configs_root) != first, name
        path.write_bytes(old)
    (configs_root / "c.yaml").write_bytes(b"# written on another day\nk:   2\n")   # a comment, the layout: same
    assert source_hash(sim_root, configs_root) == first
    (configs_root / "c.yaml").write_bytes(b"k: 3\n")                               # a value: a new model
    assert source_hash(sim_root, configs_root) != first
    (configs_root / "c.yaml").write_bytes(b"k: [2\n")                              # broken: its bytes, still new
    assert source_hash(sim_root, configs_root) != first
    hashes = set()
    for text in (b"k: 2", b"k: 2.0", b"k: '2'", b"'2': 1", b"2: 1", b"k: 1e-3", b"k: '1e-3'"):   # types kept apart
        (configs_root / "c.yaml").write_bytes(text)
        hashes.add(source_hash(sim_root, configs_root))
    assert len(hashes) == 7


def test_installing_a_posterior_mean_preset_does_not_change_the_version(tmp_path):
    sim_root, configs_root = _tree(tmp_path, {"sim/a.py": b"x = 1\n", "configs/params/default.yaml": b"k: 2\n",
                                              "configs/params/posterior.yaml": b"k: 2.5\n"})
    first = source_hash(sim_root, configs_root)
    (configs_root / "params" / "posterior.yaml").write_bytes(b"# installed today\nk: 3.1\nnew_key: 0.4\n")
    assert source_hash(sim_root, configs_root) == first
    (configs_root / "params" / "default.yaml").write_bytes(b"k: 3\n")          # any other config value still counts
    assert source_hash(sim_root, configs_root) != first


def test_model_version_is_the_package_version_and_the_hash_of_the_imported_sources_from_any_folder(tmp_path):
    from importlib import resources

    version, digest = model_version().split("+")
    assert version == "0.1.0" and digest == source_hash(Path(str(resources.files("sim"))),
                                                        Path(str(resources.files("sim.configs"))))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", "from sim.version import model_version; print(model_version())"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == model_version()


# ------------------------------------------------------------------------------------------------ stale cells
def test_a_model_change_gives_new_cell_ids_and_a_rerun_is_refused_naming_both_versions(reference, tmp_path,
                                                                                       monkeypatch, capsys):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    old_ids = {c.id for c in sw.plan([*SMALL, f"sweep.dir={folder}"]).cells}
    monkeypatch.setattr(sw, "model_version", lambda: OTHER)
    new = sw.plan([*SMALL, f"sweep.dir={folder}"])
    assert len({c.id for c in new.cells}) == 3 and not old_ids & {c.id for c in new.cells}
    with pytest.raises(ConfigError) as err:
        _sweep(folder)
    assert "3 cells" in str(err.value) and model_version() in str(err.value) and OTHER in str(err.value)
    code = main(["sweep", "--quiet", *SMALL, f"sweep.dir={folder}"])
    msg = capsys.readouterr().err
    assert code == 2 and "--reuse-stale" in msg and OTHER in msg and "Traceback" not in msg
    assert sorted(p.name for p in (folder / "cells").iterdir()) == sorted(old_ids)     # nothing written


def test_reuse_stale_reuses_the_old_cells_and_records_it(reference, tmp_path, monkeypatch):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    monkeypatch.setattr(sw, "model_version", lambda: OTHER)
    out = _sweep(folder, reuse_stale=True)
    assert out.line() == "3 reused, 0 run, 0 failed"
    pd.testing.assert_frame_equal(out.table, table)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model_version"] == OTHER and len(manifest["last_run"]["reuse_stale"]) == 3


def test_extend_computes_the_new_versions_cells_beside_the_old_ones(reference, tmp_path, monkeypatch):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    monkeypatch.setattr(sw, "model_version", lambda: OTHER)
    out = _sweep(folder, extend=True)
    assert out.line() == "0 reused, 3 run, 0 failed" and len(sw.finished(folder)) == 6
    assert set(out.table["cell"]) == {c.id for c in sw.plan([*SMALL, f"sweep.dir={folder}"]).cells}
    pd.testing.assert_frame_equal(out.table.drop(columns="cell"), table.drop(columns="cell"))   # same code
    assert _sweep(folder).line() == "3 reused, 0 run, 0 failed"        # extended once: re-runs are not refused


def test_a_different_design_into_a_folder_is_refused_unless_extend(reference, tmp_path, capsys):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    other = [o if o != "replicates=6" else "replicates=4" for o in SMALL]
    assert main(["sweep", "--quiet", *other, f"sweep.dir={folder}"]) == 2
    msg = capsys.readouterr().err
    assert "another design" in msg and "replicates=6" in msg and "replicates=4" in msg and "--extend" in msg
    seeded = [*SMALL, "seed=7"]
    assert main(["sweep", "--quiet", *seeded, f"sweep.dir={folder}"]) == 2 and "seed=7" in capsys.readouterr().err
    assert len(sw.finished(folder)) == 3
    out = _sweep(folder, other, extend=True)
    assert out.line() == "0 reused, 3 run, 0 failed" and len(out.table) == 3 * 4 and len(sw.finished(folder)) == 6
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "results.parquet"), out.table)
    # both designs were asked for: either re-runs without --extend, a third is refused
    assert _sweep(folder, other).line() == "3 reused, 0 run, 0 failed"
    pd.testing.assert_frame_equal(_sweep(folder).table, table)
    assert main(["sweep", "--quiet", *seeded, f"sweep.dir={folder}"]) == 2


# ------------------------------------------------------------------------------------------------ checked cells
def _rows(folder: Path, cid: str) -> Path:
    return folder / "cells" / cid / "rows.parquet"


def _forge(folder: Path, cid: str) -> None:
    """Rewrite cell.json's checksums to match the (tampered) files: only the content checks can catch it."""
    meta_path = folder / "cells" / cid / "cell.json"
    meta = json.loads(meta_path.read_text())
    meta["files"] = ledger.record_files(folder / "cells" / cid)
    meta_path.write_text(json.dumps(meta))


def _truncate(folder, ids):
    path = _rows(folder, ids[1])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(folder, ids):
    _rows(folder, ids[1]).write_bytes(b"")


def _garble(folder, ids):
    blob = bytearray(_rows(folder, ids[1]).read_bytes())
    blob[len(blob) // 2: len(blob) // 2 + 64] = os.urandom(64)
    _rows(folder, ids[1]).write_bytes(bytes(blob))


def _delete(folder, ids):
    _rows(folder, ids[1]).unlink()


def _change_value(folder, ids):
    rows = pd.read_parquet(_rows(folder, ids[1]))
    rows.loc[2, "influence_all"] += 0.01
    rows.to_parquet(_rows(folder, ids[1]), index=False)


def _drop_replicates(folder, ids):
    rows = pd.read_parquet(_rows(folder, ids[1]))
    rows.iloc[:3].to_parquet(_rows(folder, ids[1]), index=False)


def _drop_replicates_forged(folder, ids):
    _drop_replicates(folder, ids)
    _forge(folder, ids[1])
    meta_path = folder / "cells" / ids[1] / "cell.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "rows": 3}))          # the record agrees; the replicates do not


def _swap(folder, ids):
    a, b = _rows(folder, ids[0]), _rows(folder, ids[1])
    blob = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(blob)


def _swap_forged(folder, ids):
    _swap(folder, ids)
    _forge(folder, ids[0])
    _forge(folder, ids[1])


def _change_value_forged(folder, ids):
    rows = pd.read_parquet(_rows(folder, ids[1]))
    rows["rules.speaking_minutes"] = "30"                 # the rows claim another lever value
    rows.to_parquet(_rows(folder, ids[1]), index=False)
    _forge(folder, ids[1])


def _garble_record(folder, ids):
    (folder / "cells" / ids[1] / "cell.json").write_text('{"id": "' + ids[1] + '", "fil')


CORRUPTIONS = {"truncate": (_truncate, 1), "empty": (_empty, 1), "garble": (_garble, 1), "delete": (_delete, 1),
               "change_value": (_change_value, 1), "drop_replicates": (_drop_replicates, 1),
               "drop_replicates_forged": (_drop_replicates_forged, 1), "swap": (_swap, 2),
               "swap_forged": (_swap_forged, 2), "lever_forged": (_change_value_forged, 1),
               "garble_record": (_garble_record, 1)}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_each_corruption_is_detected_quarantined_and_recomputed_to_the_true_table(case, reference, tmp_path, capsys):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    ids = list(dict.fromkeys(table["cell"]))
    corrupt, n_bad = CORRUPTIONS[case]
    corrupt(folder, ids)
    capsys.readouterr()
    assert main(["sweep", "--verify", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    bad = [ln.split()[1] for ln in lines if ln.startswith("BAD")]
    assert sorted(bad) == sorted(ids[:2] if n_bad == 2 else [ids[1]])
    out = _sweep(folder)
    err = capsys.readouterr().err
    assert out.run == n_bad and out.reused == 3 - n_bad and not out.failed
    for cid in bad:
        assert cid in err and "failed its check" in err
        assert len(list((folder / "quarantine").glob(f"{cid}-*"))) == 1          # moved aside, not deleted
    pd.testing.assert_frame_equal(out.table, table)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "results.parquet"), table)
    assert main(["sweep", "--verify", str(folder)]) == 0


def test_combine_leaves_out_a_bad_cell_without_moving_it(reference, tmp_path, capsys):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    ids = list(dict.fromkeys(table["cell"]))
    _change_value(folder, ids)
    cells = [sw.Cell(c["id"], tuple(c["overrides"]), c["levers"])
             for c in json.loads((folder / "plan.json").read_text())["cells"]]
    got = sw.combine(folder, cells, ["rules.speaking_minutes"])
    assert ids[1] not in set(got["cell"]) and len(got) == 2 * 6 and ids[1] in capsys.readouterr().err
    assert (folder / "cells" / ids[1]).exists() and not (folder / "quarantine").exists()


def test_verify_exit_codes_for_a_sound_folder_a_tampered_table_a_planned_command_and_no_folder(reference, tmp_path,
                                                                                              capsys):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    assert main(["sweep", "--verify", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.count("\nok") + out.startswith("ok") == 3 and "3 cells checked, 0 bad" in out
    wider = [*SMALL[:2], "rules.speaking_minutes=0,15,30,60", SMALL[3], f"sweep.dir={folder}"]
    assert main(["sweep", *wider, "--verify"]) == 0                 # a planned cell not run yet is missing, not bad
    assert capsys.readouterr().out.count("missing") == 1
    table.iloc[:5].to_parquet(folder / "results.parquet", index=False)
    assert main(["sweep", "--verify", str(folder)]) == 1 and "results.parquet" in capsys.readouterr().out
    assert main(["sweep", "--verify", str(tmp_path / "nowhere")]) == 2
    assert "not a sweep folder" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ temporary folders
def _temp(folder: Path, name: str, owner: dict | None) -> Path:
    tmp = folder / "cells" / f"{ledger.TMP_PREFIX}{name}-0000"
    tmp.mkdir(parents=True)
    (tmp / ledger.CELL_DONE).write_text("{}")                         # in flight: cell.json already written
    if owner is not None:
        (tmp / ledger.OWNER).write_text(json.dumps(owner))
    return tmp


def test_temporary_folders_are_never_counted_and_removed_only_when_their_owner_is_gone(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        host, now = socket.gethostname(), time.time()
        live = _temp(tmp_path, "a" * 16, {"pid": sleeper.pid, "host": host, "started": now - 10 ** 6})
        me = _temp(tmp_path, "b" * 16, ledger.owner_record())
        dead = _temp(tmp_path, "c" * 16, {"pid": gone.pid, "host": host, "started": now})
        far_old = _temp(tmp_path, "d" * 16, {"pid": 1, "host": "elsewhere", "started": now - 7200})
        far_new = _temp(tmp_path, "e" * 16, {"pid": 1, "host": "elsewhere", "started": now - 60})
        assert sw.finished(tmp_path) == set()
        removed = ledger.clean_temporaries(tmp_path, timeout_s=3600)
        assert sorted(removed) == sorted([dead, far_old])
        assert live.exists() and me.exists() and far_new.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert ledger.clean_temporaries(tmp_path, timeout_s=3600) == [live]


def test_a_sweep_keeps_the_temporary_folder_of_a_live_process(reference, tmp_path):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    mine = _temp(folder, "f" * 16, ledger.owner_record())
    out = _sweep(folder)
    assert out.line() == "3 reused, 0 run, 0 failed" and mine.exists()


def test_a_cell_written_twice_keeps_the_first_and_leaves_no_temporary(reference, tmp_path):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    p = sw.plan([*SMALL, f"sweep.dir={folder}"])
    c = p.cells[0]
    before = (folder / "cells" / c.id / "cell.json").read_bytes()
    sw.run_cell(p.configs[c.id], c, folder / "cells" / c.id)             # a second job racing on the same cell
    assert (folder / "cells" / c.id / "cell.json").read_bytes() == before
    assert not [p for p in (folder / "cells").iterdir() if p.name.startswith(".")]


def test_leftover_files_of_atomic_writes_are_removed_once_old_enough(reference, tmp_path):
    table, src = reference
    folder = _copy(src, tmp_path / "s")
    old, young = folder / ".results.parquet.ab12cd", folder / ".manifest.json.ef34gh"
    (folder / "failed").mkdir()
    old_failed = folder / "failed" / ".0123456789abcdef.json.x1"
    for f in (old, young, old_failed):
        f.write_bytes(b"half")
    os.utime(old, (time.time() - 600, time.time() - 600))
    os.utime(old_failed, (time.time() - 600, time.time() - 600))
    assert sorted(ledger.clean_leftovers(folder, min_age_s=60)) == sorted([old, old_failed])
    assert young.exists() and (folder / "results.parquet").exists() and (folder / "manifest.json").exists()
