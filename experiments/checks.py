"""Command-line overrides checked against the config schema before Hydra composes anything.

Every ``key=value`` must name a key of the dataclass schema (``sim.config.RunConfig``); a misspelt key gets the
nearest valid name (``replicats`` -> ``replicates``). New keys (``+foo=1``) are refused: nothing in the model reads
them, so they could only be a mistake. Group choices (``rules=open_door``, ``hydra/launcher=joblib``) must name an
existing option. A scalar given for a group of settings (``rules.accreditation=veto``) names its keys. Values are
then checked by the schema itself (types by OmegaConf, ranges and cross-field constraints by ``__post_init__``).
"""

from __future__ import annotations

from sim.config import RunConfig, rule_names
from sim.errors import ConfigError, nearest
from sim.schema import lookup

# a group of settings whose documented short form is one of its keys
SHORT_FORMS = {"rules.accreditation": ("procedure", "rules.accreditation.procedure")}   # (key, registry's lever)


def config_groups() -> dict[str, list[str]]:
    """The shipped config groups and their options (``rules`` -> ["ahc_2022_2024", ...])."""
    from sim.presets import config_dir

    root = config_dir()
    return {p.name: sorted(f.stem for f in p.glob("*.yaml")) for p in root.iterdir()
            if p.is_dir() and not p.name.startswith(("_", "."))}


def hydra_group_options(group: str) -> list[str]:
    """Options of a Hydra group such as ``hydra/launcher`` (installed plugins included)."""
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    from experiments.config import CONFIG_MODULE, register_schemas

    register_schemas()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
            return sorted(GlobalHydra.instance().config_loader().get_group_options(group))
    finally:
        GlobalHydra.instance().clear()


def _choice(key: str, values: list[str], options: list[str]) -> None:
    for value in values:
        if value not in options and value != "null":
            found = nearest(value, options)
            raise ConfigError(key, f"no option {value!r} (no config {key}/{value}.yaml)", " | ".join(options),
                              found[0] if found else None)


def _values(o) -> list:
    return list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.value()]


def _group_of_settings(key: str, value, node) -> None:
    """A scalar given for a dataclass node (``rules.accreditation=veto``)."""
    import dataclasses

    names = [f.name for f in dataclasses.fields(node)]
    sub, lever = SHORT_FORMS.get(key, (names[0], None))
    choices = rule_names(lever) if lever else ()
    found = nearest(str(value), choices) if choices else []
    allowed = f"{key}.<key>=<value> with <key> one of {' | '.join(names)}"
    if choices:
        allowed = f"{key}.{sub}=" + " | ".join(choices) + f" (other keys: {' | '.join(n for n in names if n != sub)})"
    raise ConfigError(key, f"{value!r} is one value, but {key} is a group of settings", allowed,
                      f"{key}.{sub}={found[0]}" if found else None)


def _flag_values(key: str, values: list) -> None:
    """A true/false setting: Hydra reads ``7`` as an int and OmegaConf would turn it into True; refuse it."""
    for value in values:
        if not isinstance(value, bool) and str(value).lower() not in ("true", "false"):
            raise ConfigError(key, f"{value!r} is not true or false", "true | false")


def check_override(o, groups: dict[str, list[str]]) -> None:
    key = o.key_or_group
    if not key:
        line = getattr(o, "input_line", None) or "=..."
        raise ConfigError(line, "an override needs a key before '='", "key=value, e.g. replicates=4")
    if o.is_hydra_override():
        if "/" in key and not o.is_delete():
            _choice(key, [str(v) for v in _values(o)], hydra_group_options(key))
        return
    group = key.split("@")[0]
    if group in groups or "/" in group:
        if group not in groups:
            found = nearest(group, groups)
            raise ConfigError(group, "no such config group", " | ".join(sorted(groups)), found[0] if found else None)
        if not o.is_delete():
            _choice(group, [str(v) for v in _values(o)], groups[group])
        return
    try:
        node, is_group = lookup(RunConfig, key)
    except ConfigError as exc:
        if o.is_add():
            raise ConfigError(exc.key, f"{exc.problem}; new keys (+key=value) are not read by the model",
                              exc.allowed, exc.suggestion) from None
        raise
    if o.is_delete():
        raise ConfigError(key, "a key of the schema cannot be deleted", f"{key}=<value> to change it")
    if is_group:
        for value in _values(o):
            if not isinstance(value, dict):
                _group_of_settings(key, value, node)
    elif node is bool:
        _flag_values(key, _values(o))


def check_overrides(overrides: list[str] | tuple[str, ...]) -> None:
    """Raise ConfigError for the first override that names no key, group or option of the schema."""
    if not overrides:
        return
    from hydra.core.override_parser.overrides_parser import OverridesParser

    groups = config_groups()
    for o in OverridesParser.create().parse_overrides(list(overrides)):
        check_override(o, groups)
