"""Run folders: the resolved config, seeds, versions, git commit and results together, written atomically.

A run is written into a temporary sibling folder and renamed into place only when complete, so an interrupted
or failed run never leaves a half-written folder behind (``load_run`` reads one back). Every single file a command
writes goes the same way (``write_atomic``): a temporary sibling named after this host and process, renamed into
place when complete; temporaries of a process that died are removed by the next write into that folder.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.errors import ConfigError, DataError, OutputError

PACKAGES = ("plenary", "mesa", "numpy", "numba", "matplotlib", "hydra-core", "pandas", "pyarrow")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# What decides a result: a change here (or a new file) marks the commit '+dirty'; outputs and docs do not.
CODE_PATHS = ("sim", "configs", "experiments", "pyproject.toml")


def git_commit() -> str:
    """The commit of the source tree the package runs from (+dirty when the code or configs differ from it; a run's
    own output folder in the checkout does not count), or 'unknown'."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        root = subprocess.run(["git", "-C", str(here), "rev-parse", "--show-toplevel"], capture_output=True,
                              text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", root or str(here), "status", "--porcelain", "--", *CODE_PATHS],
                               capture_output=True, text=True, timeout=5).stdout.strip()
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


# ------------------------------------------------------------------------------------ temporary names
TMP_MARK = ".tmp-"
_TMP = re.compile(r"^\..+\.tmp-(?P<host>[^-]+)-(?P<pid>\d+)-[0-9a-z_]+(\.\w+)?$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"


def _tmp_prefix(name: str) -> str:
    """The prefix of a temporary sibling of ``name``: hidden, with this host and process (for safe clean-up)."""
    return f".{name}{TMP_MARK}{_host()}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` left by a dead process of this host; returns them.

    Only names this module makes are touched (``.<name>.tmp-<host>-<pid>-<random>``), and only when the process
    ``pid`` on this host no longer exists: a live writer (another process of a sweep) is never disturbed, and a
    temporary made on another node of a shared file system is left to that node.
    """
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for path in entries:
        m = _TMP.match(path.name)
        if not m or m["host"] != _host() or _alive(int(m["pid"])):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


# ------------------------------------------------------------------------------------ checks and errors
def _unwritable(folder: Path, key: str, exc: OSError) -> ConfigError:
    return ConfigError(key, f"cannot write in {folder} ({exc.strerror or exc})",
                       "a folder that can be created and written to")


def prepare_folder(folder: Path, key: str = "output folder") -> Path:
    """Create ``folder`` (and parents) and prove it is writable, before any work; ConfigError (exit 2) if not."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=_tmp_prefix("probe"), dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _unwritable(folder, key, exc) from None
    clean_stale(folder)
    return folder


def check_writable(folder: Path, key: str = "output folder") -> None:
    """Without creating anything: ConfigError unless ``folder`` or its nearest existing parent is a writable
    folder (for dry runs)."""
    path = Path(folder).absolute()
    while not path.exists():
        path = path.parent
    if not path.is_dir():
        raise ConfigError(key, f"{path} is a file, not a folder", "a path whose parents are folders")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(key, f"cannot write in {path} (permission denied)", "a folder you can write to")
    if os.statvfs(path).f_flag & os.ST_RDONLY:
        raise ConfigError(key, f"cannot write in {path} (read-only file system)", "a folder you can write to")
    try:                       # what access() cannot tell: /proc, /sys and some mounts refuse new entries even to root
        os.rmdir(tempfile.mkdtemp(prefix=_tmp_prefix("probe"), dir=path))
    except OSError as exc:
        raise _unwritable(path, key, exc) from None


WRITE_FAILURES = ("No space left", "Read-only file system", "Disk quota", "Permission denied", "File too large")


def is_write_failure(exc: BaseException) -> bool:
    """An OSError of a failed write (disk full, read-only, quota ...), also from libraries that set no errno."""
    return isinstance(exc, OSError) and not isinstance(exc, (FileExistsError, OutputError)) and (
        exc.errno in WRITE_ERRNOS or any(s in str(exc) for s in WRITE_FAILURES))


def _failed_write(path: Path, exc: OSError) -> OutputError:
    return OutputError(path, exc.strerror or str(exc).splitlines()[0])


# ------------------------------------------------------------------------------------ atomic writes
_PENDING_SIGNALS: list[int] = []     # Ctrl-C seen during this command, even if its KeyboardInterrupt was swallowed


@contextmanager
def interruptible():
    """SIGINT raises KeyboardInterrupt as usual and is also remembered, so that a folder is never published after a
    Ctrl-C whose exception was swallowed: a KeyboardInterrupt raised inside a ctypes callback (numba's compiler
    cache) is printed as "Exception ignored" and dropped, and the run would otherwise finish as if nothing happened.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def handler(signum, frame):
        _PENDING_SIGNALS.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _PENDING_SIGNALS.clear()


def raise_if_interrupted() -> None:
    """Raise KeyboardInterrupt if a Ctrl-C arrived during ``interruptible()`` (its own exception may be lost)."""
    if _PENDING_SIGNALS:
        raise KeyboardInterrupt


@contextmanager
def atomic_dir(final: Path, key: str = "run_dir"):
    """Yield a temporary folder next to ``final``; rename it to ``final`` on success, delete it on failure.

    The temporary folder is made before the caller's work starts, so an output folder that cannot be written is
    refused (ConfigError naming ``key``) before any work; a write that fails later (disk full) is an OutputError
    and leaves nothing under ``final``.
    """
    final = Path(final)
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    prepare_folder(final.parent, key)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(final.name), dir=final.parent))
    except OSError as exc:
        raise _unwritable(final.parent, key, exc) from None
    try:
        yield tmp
        raise_if_interrupted()
        publish(tmp, is_dir=True)
        for child in tmp.rglob("*"):
            publish(child, is_dir=child.is_dir())
        os.replace(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OutputError):          # a file inside: name the folder the user asked for
            raise OutputError(final, exc.reason) from None
        if not is_write_failure(exc):
            raise
        raise _failed_write(final, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG}


def write_atomic(path: Path, write) -> Path:
    """Write a file through ``write(tmp_path)`` into a temporary sibling, then rename it into place.

    Stale temporaries of dead processes in the same folder are removed first. A failed write (disk full, folder
    read-only) removes the temporary, keeps whatever ``path`` held before, and raises OutputError.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path.name), suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _failed_write(path, exc) from None
    try:
        write(Path(tmp))
        publish(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if not is_write_failure(exc):
            raise
        raise _failed_write(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json_atomic(path: Path, payload: dict) -> Path:
    return write_text_atomic(path, json.dumps(payload, indent=2, default=str))


def write_manifest(folder: Path, manifest: dict) -> Path:
    """``folder/manifest.json``, written atomically."""
    return write_json_atomic(Path(folder) / "manifest.json", manifest)


def load_run(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """The manifest and the results table of a run folder."""
    folder = Path(folder)
    for name in ("manifest.json", "results.parquet"):
        if not (folder / name).is_file():
            raise DataError(str(folder), f"no {name}", "a run folder written by plenary run")
    return json.loads((folder / "manifest.json").read_text()), pd.read_parquet(folder / "results.parquet")
