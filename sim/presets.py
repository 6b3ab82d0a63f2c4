"""Load the shipped YAML presets (scenario, rules, params) as typed dataclasses, without Hydra.

For notebooks and scripts: ``scenario("ahc_cybercrime")``, ``rules("open_door")``, ``params()``. The command
line composes the same files with Hydra (experiments/config.py).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from omegaconf import OmegaConf

from sim.config import ConfigError, Params, Rules, ScenarioConfig


def config_dir() -> Path:
    """The folder of the shipped configs (``configs/`` in a checkout, ``sim/configs`` when installed)."""
    return Path(str(resources.files("sim.configs")))


def _load(group: str, name: str, schema):
    path = config_dir() / group / f"{name}.yaml"
    if not path.is_file():
        options = sorted(p.stem for p in (config_dir() / group).glob("*.yaml"))
        raise ConfigError(group, f"no preset {name!r}", " | ".join(options))
    return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), _raw(group, name)))


def _raw(group: str, name: str):
    """A preset's own keys merged over the presets of its group it lists in ``defaults`` (as Hydra does)."""
    node = OmegaConf.load(config_dir() / group / f"{name}.yaml")
    defaults = list(node.pop("defaults", []))
    parts = [_raw(group, d) if d != "_self_" else node for d in defaults] if defaults else [node]
    if "_self_" not in defaults:
        parts.append(node)
    return OmegaConf.merge(*parts)


def scenario(name: str = "ahc_cybercrime") -> ScenarioConfig:
    return _load("scenario", name, ScenarioConfig)


def rules(name: str = "ahc_2022_2024", **changes) -> Rules:
    """A rules preset, optionally with fields replaced (``rules("ahc_2022_2024", informal_share=0.8)``)."""
    base = _load("rules", name, Rules)
    return Rules(**{**base.__dict__, **changes})


def params(name: str = "default", **changes) -> Params:
    base = _load("params", name, Params)
    return Params(**{**base.__dict__, **changes})
