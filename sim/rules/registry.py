"""One registry type for every kind of participation rule: classes register under their ``name``.

Each registry is the one source of its rule's allowed names: config validation (sim.config.Rules), ``plenary list``,
the CLI's suggestions and the dashboard's menus read it, so a rule class registered here (``@REGISTRY.register``)
is a valid config value everywhere, with no list to edit by hand (tests/test_rule_registries.py).
"""

from __future__ import annotations

from sim.errors import ConfigError, nearest


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
            found = nearest(name, self.names())
            raise ConfigError(self.key, f"unknown value {name!r}", " | ".join(self), found[0] if found else None)
        return self[name]()

    def names(self) -> tuple[str, ...]:
        """The registered names, in the order they were registered."""
        return tuple(self)
