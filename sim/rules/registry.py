"""One registry type for every kind of participation rule: classes register under their ``name``."""

from __future__ import annotations

from sim.config import ConfigError


class Registry(dict):
    """Rule classes by name, for the config key ``key``."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def register(self, cls):
        """Class decorator: add ``cls`` under ``cls.name``."""
        self[cls.name] = cls
        return cls

    def create(self, name: str):
        """An instance of the rule called ``name``; a ConfigError naming the allowed names otherwise."""
        if name not in self:
            raise ConfigError(self.key, f"unknown value {name!r}", " | ".join(self))
        return self[name]()
