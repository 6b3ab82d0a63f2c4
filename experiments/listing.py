"""``plenary list``: what a user can name on the command line — presets per config group (with the first line of
each preset's own comment), the allowed values of each rule lever, the experiments and the outcome columns.

Read from the shipped config tree and from the schema's own tuples of allowed names, so that the list cannot drift
from what the config validation accepts.
"""

from __future__ import annotations

from importlib import resources

GROUPS = ("scenario", "rules", "params", "experiment")


def _comment(text: str, width: int = 100) -> str:
    """The first line of a preset's leading comment (its description), cut to ``width`` characters, or ''."""
    for line in text.splitlines():
        if line.startswith("# @package"):
            continue
        if not line.startswith("#"):
            return ""
        first = line.lstrip("# ").strip()
        return first if len(first) <= width else first[:width - 1].rstrip() + "…"
    return ""


def presets(group: str) -> dict[str, str]:
    """Preset name -> description for one config group (``rules``, ``experiment``, ...)."""
    folder = resources.files("sim.configs") / group
    return {p.name.removesuffix(".yaml"): _comment(p.read_text(encoding="utf-8"))
            for p in sorted(folder.iterdir(), key=lambda p: p.name) if p.name.endswith(".yaml")}


def levers() -> dict[str, tuple[str, ...]]:
    """Rule levers with a closed set of values -> the allowed values (what config validation uses: the rule
    registries' names where a registry backs the lever)."""
    from sim import config

    return {"rules.accreditation.procedure": config.rule_names("rules.accreditation.procedure"),
            "rules.accreditation.majority": config.MAJORITIES,
            "rules.informals": config.rule_names("rules.informals"),
            "rules.document_access": config.DOCUMENT_ACCESS,
            "rules.speaking": config.rule_names("rules.speaking"),
            "variants": config.VARIANT_SETS,
            "attribution": config.ATTRIBUTIONS,
            "cosp.fallback_rule": config.ACCESS_RULES,
            "cosp.informals": config.INFORMALS,
            "chain": config.CHAINS}


def render(what: str = "all") -> str:
    """The listing as plain text; ``what`` is one of GROUPS, ``levers`` or ``all``."""
    parts = []
    for group in GROUPS:
        if what in ("all", group):
            items = presets(group)
            width = max(map(len, items), default=0)
            parts.append(f"{group} (choose with {group}=NAME):")
            parts += [f"  {name:<{width}}  {doc}" for name, doc in items.items()]
            parts.append("")
    if what in ("all", "levers"):
        parts.append("rule levers and their allowed values (KEY=VALUE):")
        parts += [f"  {key}: {' | '.join(values)}" for key, values in levers().items()]
        parts.append("")
    return "\n".join(parts)
