"""The sweep folder's ledger of cells: written atomically with an owner, checked on every reuse, moved aside when bad.

- A cell is computed into ``cells/.tmp-<id>-<random>/``, which holds ``owner.json`` (pid, host, process start,
  start time) while it is written, and is renamed to ``cells/<id>/`` only when complete. ``finished`` never counts
  a temporary folder, and ``clean_temporaries`` removes one only when its owner is dead (same host, process gone)
  or, on another host, when it is older than a timeout: never the folder of a live process.
- ``cell.json`` records the sha256 of each of the cell's files, its row count and its design; ``check`` verifies
  all of it (and that the rows are the cell's own: its id, its replicates 0..R-1, its lever values).
- A cell that fails the check is moved to ``quarantine/<id>-<timestamp>/``, never deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import time
from pathlib import Path

import pandas as pd

from sim import io

CELL_DONE = "cell.json"
OWNER = "owner.json"
TMP_PREFIX = ".tmp-"
ID = re.compile(r"^[0-9a-f]{16}$")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def finished(folder: Path) -> set[str]:
    """Ids of the cells finished in a sweep folder (renamed into place; temporary folders never count)."""
    cells = Path(folder) / "cells"
    if not cells.is_dir():
        return set()
    return {p.name for p in cells.iterdir() if ID.match(p.name) and (p / CELL_DONE).is_file()}


# ---------------------------------------------------------------------------------------------- owners
def _process_start(pid: int) -> str | None:
    """The start time of a process in clock ticks since boot (Linux /proc), to tell a reused pid apart."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_record() -> dict:
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "process_start": _process_start(pid), "started": time.time()}


def owner_alive(owner: dict) -> bool | None:
    """True/False for an owner on this host; None when it runs on another host (its state is unknown here)."""
    if owner.get("host") != socket.gethostname():
        return None
    pid = int(owner.get("pid", -1))
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass                                   # exists, owned by another user
    start = _process_start(pid)
    return owner.get("process_start") is None or start is None or start == owner["process_start"]


def clean_temporaries(folder: Path, timeout_s: float) -> list[Path]:
    """Remove the temporary cell folders of dead owners (or older than ``timeout_s`` on another host); return them."""
    cells, removed = Path(folder) / "cells", []
    if not cells.is_dir():
        return removed
    now = time.time()
    for tmp in cells.glob(".*"):
        try:
            owner = json.loads((tmp / OWNER).read_text())
            started = float(owner.get("started", tmp.stat().st_mtime))
        except (OSError, ValueError):
            owner, started = {}, _mtime(tmp, now)
        alive = owner_alive(owner) if owner else None
        if alive is False or (alive is None and now - started > timeout_s):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def clean_leftovers(folder: Path, min_age_s: float = 60.0) -> list[Path]:
    """Remove the temporary files of atomic writes that a kill left behind (``.results.parquet.xxxx``,
    ``.manifest.json.xxxx``, ``failed/.<id>.json.xxxx``): such a write takes milliseconds, so one older than
    ``min_age_s`` has no live writer."""
    now, removed = time.time(), []
    for where in (Path(folder), Path(folder) / "failed"):
        for f in where.glob(".*") if where.is_dir() else ():
            if f.is_file() and now - _mtime(f, now) > min_age_s:
                f.unlink(missing_ok=True)
                removed.append(f)
    return removed


def _mtime(path: Path, default: float) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return default


@contextlib.contextmanager
def cell_folder(final: Path):
    """A temporary folder with an owner file next to ``final``; renamed into place on success, removed on failure.

    Yields the temporary folder. If another process finished the same cell meanwhile, its folder is kept and this
    one is discarded (two jobs racing on one cell give one cell).
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f"{TMP_PREFIX}{final.name}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        (tmp / OWNER).write_text(json.dumps(owner_record()))
        yield tmp
        (tmp / OWNER).unlink()
        io.publish(tmp, is_dir=True)
        try:
            os.replace(tmp, final)
        except OSError:
            if not (final / CELL_DONE).is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------------------------- checks
def record_files(tmp: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(tmp.iterdir()) if p.is_file() and p.name not in (CELL_DONE, OWNER)}


def check(cell_dir: Path, cid: str, levers: dict[str, str] | None = None,
          design: dict | None = None) -> tuple[str | None, pd.DataFrame | None]:
    """(problem or None, the rows when sound) of a finished cell folder expected to hold cell ``cid``.

    Checks: cell.json readable and naming ``cid``; every recorded file present with its sha256, no file missing from
    the record; the rows readable, as many as recorded, all of cell ``cid``, replicates 0..R-1 once each, the lever
    columns equal to the cell's levers; the design equal to ``design`` when given.
    """
    try:
        meta = json.loads((cell_dir / CELL_DONE).read_text())
    except (OSError, ValueError) as exc:
        return f"cell.json unreadable ({type(exc).__name__})", None
    if meta.get("id") != cid or cell_dir.name != cid:
        return f"cell.json names cell {meta.get('id')!r}, not {cid}", None
    files = meta.get("files")
    if not isinstance(files, dict) or "rows.parquet" not in files:
        return "cell.json has no checksums (written before checked cells)", None
    for name, want in files.items():
        path = cell_dir / name
        if not path.is_file():
            return f"{name} is missing", None
        if sha256(path) != want:
            return f"{name} does not match its checksum", None
    extra = sorted(set(record_files(cell_dir)) - set(files))
    if extra:
        return f"files not in the record: {', '.join(extra)}", None
    if design is not None and meta.get("design") != design:
        return f"design {meta.get('design')} differs from {design}", None
    try:
        rows = pd.read_parquet(cell_dir / "rows.parquet")
    except Exception as exc:             # pyarrow raises several types for a damaged file
        return f"rows.parquet unreadable ({type(exc).__name__})", None
    return _check_rows(rows, cid, meta, levers if levers is not None else meta.get("levers", {})), rows


def _check_rows(rows: pd.DataFrame, cid: str, meta: dict, levers: dict) -> str | None:
    if len(rows) != meta.get("rows"):
        return f"{len(rows)} rows, cell.json records {meta.get('rows')}"
    if "cell" not in rows or (rows["cell"] != cid).any():
        return "rows of another cell"
    draws = int((meta.get("posterior") or {}).get("draws") or 0)
    if draws:                            # a posterior sweep's cell: R replicates under each of D draws
        from .sweep_posterior import check_rows

        if (problem := check_rows(rows, int(meta.get("replicates", 0)), draws)) is not None:
            return problem
    elif "replicate" in rows and sorted(rows["replicate"].tolist()) != list(range(int(meta.get("replicates", -1)))):
        return f"replicates are not 0..{int(meta.get('replicates', 0)) - 1} once each"
    for k, v in levers.items():
        if k in rows and (rows[k].astype(str) != str(v)).any():
            return f"lever {k} is not {v} in every row"
        if k not in rows and k in meta.get("levers", {}):
            return f"the column of lever {k} is missing"
    return None


def as_swept(rows: pd.DataFrame, cell_dir: Path, levers: dict[str, str]) -> pd.DataFrame:
    """The rows with the lever columns of this sweep: a cell computed in another grid (or alone) has the same config
    but other lever columns; those not swept here are dropped, those swept here and absent are added."""
    recorded = json.loads((cell_dir / CELL_DONE).read_text()).get("levers", {})
    rows = rows.drop(columns=[k for k in recorded if k not in levers and k in rows])
    for j, (k, v) in enumerate(levers.items()):
        if k not in rows:
            rows.insert(min(2 + j, rows.shape[1]), k, v)
    return rows


def quarantine(folder: Path, cid: str) -> Path:
    """Move a bad cell folder to ``quarantine/<id>-<UTC timestamp>/`` (never deleted); return where it went."""
    dest = Path(folder) / "quarantine" / f"{cid}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(Path(folder) / "cells" / cid, dest)
    return dest
