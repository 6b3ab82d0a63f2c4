"""Run folders: the resolved config, seeds, versions, git commit and results together, written atomically.

A run is written into a temporary sibling folder and renamed into place only when complete, so an interrupted
or failed run never leaves a half-written folder behind (``load_run`` reads one back).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pandas as pd

PACKAGES = ("plenary", "mesa", "numpy", "numba", "matplotlib", "hydra-core", "pandas", "pyarrow")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    """The commit of the source tree the package runs from, or 'unknown'."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain"], capture_output=True, text=True,
                               timeout=5).stdout.strip()
        return (out.stdout.strip() + ("+dirty" if dirty else "")) if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(path: Path, is_dir: bool = False) -> None:
    """Give a file or folder made by tempfile (private, 0600/0700) the usual permissions under the umask."""
    os.chmod(path, (0o777 if is_dir else 0o666) & ~_umask())


@contextmanager
def atomic_dir(final: Path):
    """Yield a temporary folder next to ``final``; rename it to ``final`` on success, delete it on failure."""
    final = Path(final)
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        yield tmp
        publish(tmp, is_dir=True)
        for child in tmp.rglob("*"):
            publish(child, is_dir=child.is_dir())
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_atomic(path: Path, write) -> None:
    """Write a file through ``write(tmp_path)`` into a temporary sibling, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        publish(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, payload: dict) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(payload, indent=2, default=str)))


def write_manifest(folder: Path, manifest: dict) -> None:
    (Path(folder) / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))


def load_run(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """The manifest and the results table of a run folder."""
    folder = Path(folder)
    return json.loads((folder / "manifest.json").read_text()), pd.read_parquet(folder / "results.parquet")
