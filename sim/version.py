"""The model version: the package version and a short hash of the code, data and configs that compute a cell.

    >>> from sim.version import model_version
    >>> model_version()                 # e.g. '0.1.0+3f9c2a1b7d04'

The hash covers the bytes of ``sim/**/*.py`` and ``sim/data/*``, and the parsed content of ``configs/**/*.yaml``
(the package ``sim.configs``; as canonical JSON, so a comment or the layout of a config is not a new model but a
changed value is), read where Python imports them from, sorted by their relative path. It does not depend on the
working directory, on file times or on git, so the same source gives the same version on any machine and a
changed byte of code or data, or a changed config value, gives a new one. (``plenary calibrate --install``
rewrites ``configs/params/posterior.yaml``, the posterior's weighted mean, with a dated comment: hashed, it gave
the code a version other than the one recorded in the posterior it installed, so it is left out, :data:`DERIVED`.)
Sweeps put it in every cell's id and ``cell.json`` (``experiments/sweep.py``), so results computed by other code
are never reused silently.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata, resources
from pathlib import Path

DIGITS = 12     # hex digits of the source hash kept in the version (48 bits: no accidental collision in practice)


#: written by ``plenary calibrate --install`` from the posterior it installs, which records the version it was fitted
#: at: hashing it would give the code a new version at every install, so no installed posterior would ever match.
#: A run or cell with ``params=posterior`` still carries its values in its resolved config (and the cell id).
DERIVED = frozenset({"configs/params/posterior.yaml"})


def source_files(sim_root: Path, configs_root: Path) -> list[tuple[str, Path]]:
    """(relative name, path) of every file that computes a cell, sorted by name; caches, hidden files and the
    posterior's mean preset (:data:`DERIVED`) left out."""
    found = {f"sim/{p.relative_to(sim_root).as_posix()}": p for p in sim_root.rglob("*.py")}
    data = sim_root / "data"
    if data.is_dir():
        found.update({f"sim/data/{p.name}": p for p in data.iterdir() if p.is_file()})
    found.update({f"configs/{p.relative_to(configs_root).as_posix()}": p for p in configs_root.rglob("*.yaml")})
    keep = {k: p for k, p in found.items() if not any(part.startswith(".") or part == "__pycache__"
                                                       for part in Path(k).parts) and k not in DERIVED}
    return sorted(keep.items())


def _canonical(value):
    """A parsed config as JSON-able data that keeps what JSON would merge: mapping keys by their repr (1, "1" and
    true differ) in sorted order, and other values by type (1 and 1.0 differ; a date is not its string)."""
    if isinstance(value, dict):
        return {"map": sorted([repr(k), _canonical(v)] for k, v in value.items())}
    if isinstance(value, list):
        return {"list": [_canonical(v) for v in value]}
    return {type(value).__name__: repr(value)}


@cache
def _loader():
    """PyYAML's C loader with OmegaConf's implicit resolvers (its float pattern, no timestamps): the types
    OmegaConf.load gives, at the C parser's speed."""
    import yaml
    from omegaconf._utils import get_yaml_loader

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return type("ConfigLoader", (base,), {"yaml_implicit_resolvers": get_yaml_loader().yaml_implicit_resolvers})


def config_content(blob: bytes) -> bytes:
    """A YAML config's parsed content (read by OmegaConf's own YAML loader, so ``1e-3`` is the float the model
    reads) as canonical JSON bytes; the bytes themselves when they do not parse (a broken config is still a
    different config)."""
    import yaml

    try:
        data = yaml.load(blob, Loader=_loader())
        return json.dumps(_canonical(data), separators=(",", ":")).encode()
    except (yaml.YAMLError, TypeError, ValueError, RecursionError):
        return blob


def source_hash(sim_root: Path, configs_root: Path) -> str:
    """sha256 over (name, size, content) of each source file in name order, shortened to DIGITS hex digits: the
    bytes of code and data, the parsed content of a config (``config_content``)."""
    digest = hashlib.sha256()
    for name, path in source_files(Path(sim_root), Path(configs_root)):
        blob = path.read_bytes()
        if name.endswith(".yaml"):
            blob = config_content(blob)
        digest.update(f"{name}\0{len(blob)}\0".encode())
        digest.update(blob)
    return digest.hexdigest()[:DIGITS]


def package_version() -> str:
    try:
        return metadata.version("plenary")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@cache
def model_version() -> str:
    """``<package version>+<source hash>`` of the code this process runs (computed once per process)."""
    sim_root = Path(str(resources.files("sim")))
    configs_root = Path(str(resources.files("sim.configs")))
    return f"{package_version()}+{source_hash(sim_root, configs_root)}"
