"""Compose run configurations with Hydra from the shipped config tree, validated against the dataclass schemas."""

from __future__ import annotations

from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from sim.config import RunConfig

CONFIG_MODULE = "sim.configs"


def register_schemas() -> None:
    """Make the dataclass schemas known to Hydra (the first default of configs/config.yaml)."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)


def compose_config(overrides: list[str] | tuple[str, ...] = (), return_hydra_config: bool = False) -> DictConfig:
    """The composed (not yet validated) config for ``overrides`` such as ``["rules=open_door", "seed=7"]``."""
    register_schemas()
    GlobalHydra.instance().clear()
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=return_hydra_config)


def to_run_config(cfg: DictConfig) -> RunConfig:
    """Instantiate the typed, range-checked RunConfig (raises ConfigError naming the key and what is allowed)."""
    return OmegaConf.to_object(cfg)


def load(overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    return to_run_config(compose_config(overrides))
