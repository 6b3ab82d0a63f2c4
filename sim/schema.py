"""The scenario schema: every value of a ``ScenarioConfig`` checked for type, range, finiteness and cross-field
constraints, and config keys looked up in the dataclass schema (with a did-you-mean for misspelt keys).

``check_scenario`` runs whenever a ScenarioConfig is built (``ScenarioConfig.__post_init__``), so Hydra, the
presets and Python users all get the same checks; ``check_against_states`` adds the constraints that need the state
table (thresholds no larger than the number of states, bloc columns that exist). Each failure is a ConfigError
naming the full key (``scenario.blocs.0.cohesion``), what is wrong and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from datetime import date
from typing import Any

from sim.errors import ConfigError, nearest

PROVISION_ROLES = ("power", "safeguard", "neutral")   # sim.scenario.ROLE_SIGN gives their signs

INF = math.inf
SHARE_TOLERANCE = 1e-6          # type shares must sum to 1 within this
SESSION_KINDS = ("substantive", "concluding", "resumed")
ORG_TYPES = ("human_rights", "digital_rights", "child_protection", "industry", "academia", "law_enforcement")
VOTES = ("yes", "no", "abstain", "not_recorded")
BUDAPEST = ("party", "signatory", "invited", "none")
TREATY_VALUE_KEYS = ("intercept", "slope", "floor")
NO_TREATY_KEYS = ("budapest", "theta_slope", "polar_slope", "floor")


# ------------------------------------------------------------------------------------------------ value checks
def _allowed(lo: float, hi: float, above: float | None, integer: bool) -> str:
    what = "a whole number" if integer else "a finite number"
    parts = [f"> {above:g}" if above is not None else (f">= {lo:g}" if lo > -INF else ""),
             f"<= {hi:g}" if hi < INF else ""]
    bounds = " and ".join(p for p in parts if p)
    return f"{what} {bounds}".strip()


def num(key: str, value: Any, lo: float = -INF, hi: float = INF, *, above: float | None = None,
        integer: bool = False) -> float:
    """``value`` as a float if it is a finite (whole) number in [lo, hi] (and > ``above``); else ConfigError."""
    allowed = _allowed(lo, hi, above, integer)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(key, f"{value!r} is not a finite number", allowed)
    if integer and not float(value).is_integer():
        raise ConfigError(key, f"{value!r} is not a whole number", allowed)
    if value < lo or value > hi or (above is not None and value <= above):
        raise ConfigError(key, f"{value!r} is out of range", allowed)
    return float(value)


def flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"{value!r} is not true or false", "true | false")
    return value


def text(key: str, value: Any, empty: bool = True) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ConfigError(key, f"{value!r} is not {'a' if empty else 'a non-empty'} string", "a string")
    return value


def name_in(key: str, value: Any, choices) -> str:
    """``value`` if it is one of ``choices``; else ConfigError listing them, with the nearest as suggestion."""
    choices = tuple(choices)
    if value not in choices:
        found = nearest(str(value), choices)
        raise ConfigError(key, f"unknown value {value!r}", " | ".join(map(str, choices)), found[0] if found else None)
    return value


def numbers(key: str, values: Any, length: int | None, lo: float = -INF, hi: float = INF) -> list[float]:
    """A list of finite numbers in [lo, hi] of ``length`` (when given)."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__"):
        raise ConfigError(key, f"{values!r} is not a list", f"a list of {length or 'some'} numbers")
    if length is not None and len(values) != length:
        raise ConfigError(key, f"has {len(values)} values", f"{length} numbers, one per issue" if length else "")
    return [num(f"{key}.{j}", v, lo, hi) for j, v in enumerate(values)]


def table(key: str, values: Any, lo: float = -INF, hi: float = INF, required=(), allowed_keys=None) -> dict:
    """A mapping of names to finite numbers; ``required`` names must be present, ``allowed_keys`` bound the rest."""
    if not isinstance(values, dict) and not hasattr(values, "items"):
        raise ConfigError(key, f"{values!r} is not a mapping", "name: number entries")
    for name in required:
        if name not in values:
            raise ConfigError(key, f"no entry for {name!r}", "entries for " + ", ".join(required))
    for name, v in values.items():
        if allowed_keys is not None:
            name_in(f"{key}.{name}", name, allowed_keys)
        num(f"{key}.{name}", v, lo, hi)
    return dict(values)


def unique_keys(key: str, items: list, what: str = "key") -> list[str]:
    keys = [text(f"{key}.{j}.{what}", getattr(it, what), empty=False) for j, it in enumerate(items)]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ConfigError(key, f"duplicate {what} {dup[0]!r}", f"a unique {what} per entry")
    return keys


# ------------------------------------------------------------------------------------------------ the scenario
def _issues(sc, p: str) -> list[str]:
    if not sc.issues:
        raise ConfigError(f"{p}.issues", "is empty", "a list of at least one provision")
    keys = unique_keys(f"{p}.issues", sc.issues)
    for j, i in enumerate(sc.issues):
        k = f"{p}.issues.{j}"
        text(f"{k}.label", i.label)
        flag(f"{k}.technical", i.technical)
        name_in(f"{k}.role", i.role, PROVISION_ROLES)
        num(f"{k}.intercept", i.intercept, 0, 100)
        num(f"{k}.loading", i.loading)
        num(f"{k}.north_south", i.north_south)
        num(f"{k}.deletion_fallback", i.deletion_fallback, 0, 100)
    return keys


def _state_mapping(m, p: str) -> None:
    p = f"{p}.state_mapping"
    table(f"{p}.vote", m.vote, required=VOTES, allowed_keys=VOTES)
    table(f"{p}.budapest", m.budapest, required=BUDAPEST, allowed_keys=BUDAPEST)
    table(f"{p}.region", m.region)
    table(f"{p}.development", m.development)
    for name in ("cosponsor", "scale", "stance_open_below", "stance_opposed_above"):
        num(f"{p}.{name}", getattr(m, name))
    num(f"{p}.noise_sd", m.noise_sd, 0)
    flag(f"{p}.eu_common_position", m.eu_common_position)
    if m.stance_open_below > m.stance_opposed_above:
        raise ConfigError(f"{p}.stance_open_below", f"{m.stance_open_below} is above {p}.stance_opposed_above "
                          f"{m.stance_opposed_above}", "stance_open_below <= stance_opposed_above")
    dem = m.democracy
    for name in dem:
        name_in(f"{p}.democracy.{name}", name, ("intercept", "vote", "budapest"))
    num(f"{p}.democracy.intercept", dem.get("intercept", 0.5))
    table(f"{p}.democracy.vote", dem.get("vote", {}), required=VOTES, allowed_keys=VOTES)
    table(f"{p}.democracy.budapest", dem.get("budapest", {}), required=BUDAPEST, allowed_keys=BUDAPEST)
    table(f"{p}.treaty_value", m.treaty_value, allowed_keys=TREATY_VALUE_KEYS)
    no_treaty = getattr(m, "no_treaty", None) or {}
    for name in no_treaty:
        name_in(f"{p}.no_treaty.{name}", name, NO_TREATY_KEYS)
    if "budapest" in no_treaty:
        table(f"{p}.no_treaty.budapest", no_treaty["budapest"], required=BUDAPEST, allowed_keys=BUDAPEST)
    for name in NO_TREATY_KEYS[1:]:
        if name in no_treaty:
            num(f"{p}.no_treaty.{name}", no_treaty[name])
    num(f"{p}.vote_yes_above", m.vote_yes_above, 0, 100)
    if m.vote_no_below > m.vote_yes_above:
        raise ConfigError(f"{p}.vote_no_below", f"{m.vote_no_below} is above {p}.vote_yes_above "
                          f"{m.vote_yes_above}", "vote_no_below <= vote_yes_above")
    num(f"{p}.vote_no_below", m.vote_no_below, 0, 100)
    num(f"{p}.capability_default", m.capability_default, above=0)
    for iso, v in m.capability.items():
        num(f"{p}.capability.{iso}", v, above=0)


def _blocs(sc, p: str, k: int) -> None:
    if not sc.blocs:
        raise ConfigError(f"{p}.blocs", "is empty", "a list of at least one bloc")
    unique_keys(f"{p}.blocs", sc.blocs)
    for j, b in enumerate(sc.blocs):
        q = f"{p}.blocs.{j}"
        text(f"{q}.label", b.label)
        num(f"{q}.cohesion", b.cohesion, 0, 1)
        num(f"{q}.capacity", b.capacity, 0, 1)
        numbers(f"{q}.salience", b.salience, k, 0, 1)
        for col, val in b.when.items():
            text(f"{q}.when.{col}", val)


def _organisations(sc, p: str, k: int) -> None:
    o, p = sc.organisations, f"{p}.organisations"
    num(f"{p}.count", o.count, 1, integer=True)
    num(f"{p}.dirichlet_concentration", o.dirichlet_concentration, above=0)
    if not o.types:
        raise ConfigError(f"{p}.types", "is empty", "one or more of " + " | ".join(ORG_TYPES))
    for name, t in o.types.items():
        q = f"{p}.types.{name}"
        name_in(q, name, ORG_TYPES)
        num(f"{q}.share", t.share, 0, 1)
        for what in ("ecosoc", "contested"):
            num(f"{q}.{what}", getattr(t, what), 0, 1)
        numbers(f"{q}.credibility", t.credibility, 2, 0, 1)
        lo, hi = numbers(f"{q}.resources", t.resources, 2, 0, 1)
        if lo > hi:
            raise ConfigError(f"{q}.resources", f"[{lo}, {hi}] is reversed", "[low, high] with low <= high")
        num(f"{q}.ideal_sd", t.ideal_sd, 0)
        numbers(f"{q}.ideal", t.ideal, k, 0, 100)
        if sum(numbers(f"{q}.focus", t.focus, k, 0)) <= 0:
            raise ConfigError(f"{q}.focus", "is all zero", "non-negative weights with a positive sum")
    total = sum(float(t.share) for t in o.types.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        each = ", ".join(f"{name}.share={float(t.share):g}" for name, t in o.types.items())
        raise ConfigError(f"{p}.types", f"the shares sum to {total:g} ({each})", f"shares >= 0 that sum to 1 "
                          f"(within {SHARE_TOLERANCE:g})")
    unique_keys(f"{p}.coalitions", o.coalitions)
    for j, c in enumerate(o.coalitions):
        for name, v in c.members.items():
            name_in(f"{p}.coalitions.{j}.members", name, ORG_TYPES)
            num(f"{p}.coalitions.{j}.members.{name}", v, 0, 1)


def _sessions(sc, p: str) -> None:
    if not sc.sessions:
        raise ConfigError(f"{p}.sessions", "is empty", "a list of at least one session")
    unique_keys(f"{p}.sessions", sc.sessions)
    for j, s in enumerate(sc.sessions):
        q = f"{p}.sessions.{j}"
        text(f"{q}.label", s.label)
        name_in(f"{q}.kind", s.kind, SESSION_KINDS)
        num(f"{q}.days", s.days, above=0)
        flag(f"{q}.intersessional", s.intersessional)
        if text(f"{q}.start", s.start):
            try:
                date.fromisoformat(s.start)
            except ValueError:
                raise ConfigError(f"{q}.start", f"{s.start!r} is not a date", "YYYY-MM-DD, or empty") from None
        if s.kind == "resumed" and (j == 0 or sc.sessions[j - 1].kind == "substantive"):
            raise ConfigError(f"{q}.kind", "a resumed session does not follow a concluding one",
                              "resumed only after a concluding (or resumed) session")


def _treaty(sc, p: str, keys: list[str]) -> None:
    t, p = sc.treaty, f"{p}.treaty"
    num(f"{p}.eif_ratifications", t.eif_ratifications, 1, integer=True)
    num(f"{p}.eif_delay_days", t.eif_delay_days, 0)
    num(f"{p}.quarters", t.quarters, 1, integer=True)
    num(f"{p}.days_per_quarter", t.days_per_quarter, above=0)
    for j, key in enumerate(t.reservable):
        if key not in keys:
            found = nearest(str(key), keys)
            raise ConfigError(f"{p}.reservable.{j}", f"{key!r} is not a key of {p.rsplit('.', 1)[0]}.issues",
                              " | ".join(keys), found[0] if found else None)


def check_scenario(sc, prefix: str = "scenario") -> None:
    """Check every value of scenario ``sc``; raise ConfigError naming the first bad key."""
    p = prefix
    text(f"{p}.name", sc.name, empty=False)
    text(f"{p}.label", sc.label)
    text(f"{p}.states_file", sc.states_file, empty=False)
    text(f"{p}.record", getattr(sc, "record", ""))
    keys = _issues(sc, p)
    _state_mapping(sc.state_mapping, p)
    _blocs(sc, p, len(keys))
    _organisations(sc, p, len(keys))
    _sessions(sc, p)
    num(f"{p}.agenda_items", sc.agenda_items, 1, integer=True)
    num(f"{p}.minutes_per_day", sc.minutes_per_day, hi=24 * 60, above=0)
    num(f"{p}.state_speaker_share", sc.state_speaker_share, 0, 1)
    num(f"{p}.state_statement_minutes", sc.state_statement_minutes, 0, 24 * 60)
    _treaty(sc, p, keys)


def check_against_states(sc, rows: list[dict], columns, prefix: str = "scenario") -> None:
    """The constraints that need the state table: thresholds within the number of states, bloc columns and
    capability entries that exist, regional groups with an entry in every regional table."""
    n = len(rows)
    record = getattr(sc, "record", "")
    if record:
        from importlib import resources
        from pathlib import Path

        shipped = sorted(p.name for p in Path(str(resources.files("sim") / "data")).glob("*record*.csv"))
        if not (Path(str(resources.files("sim") / "data")) / record).is_file():
            found = nearest(record, shipped)
            raise ConfigError(f"{prefix}.record", f"no file {record!r} in sim/data", " | ".join(shipped) or
                              "an empty value (no record)", found[0] if found else None)
    if sc.treaty.eif_ratifications > n:
        raise ConfigError(f"{prefix}.treaty.eif_ratifications", f"{sc.treaty.eif_ratifications} is more than the "
                          f"{n} states of {sc.states_file}", f"a whole number in [1, {n}]")
    for j, b in enumerate(sc.blocs):
        for col in b.when:
            name_in(f"{prefix}.blocs.{j}.when", col, list(columns))
    isos = [r["iso2"] for r in rows]
    for iso in sc.state_mapping.capability:
        name_in(f"{prefix}.state_mapping.capability", iso, isos)
    m = sc.state_mapping
    for region in sorted({r["un_regional_group"] for r in rows}):
        for what, tab in (("region", m.region), ("development", m.development)):
            if region not in tab:
                raise ConfigError(f"{prefix}.state_mapping.{what}", f"no entry for the regional group {region!r}",
                                  "an entry for each of " + ", ".join(sorted({r["un_regional_group"] for r in rows})))


# ------------------------------------------------------------------------------------------------ config keys
NAMED = {("OrganisationsSpec", "types"): ORG_TYPES, ("CoalitionSpec", "members"): ORG_TYPES,
         ("StateMapping", "vote"): VOTES, ("StateMapping", "budapest"): BUDAPEST,
         ("StateMapping", "democracy"): ("intercept", "vote", "budapest"),
         ("StateMapping", "treaty_value"): TREATY_VALUE_KEYS, ("StateMapping", "no_treaty"): NO_TREATY_KEYS,
         ("CospSpec", "org_positions"): ORG_TYPES}


def _named(cls: str, field: str):
    """The fixed names a mapping field takes (organisation types, vote codes ...), or None for free names."""
    if (cls, field) == ("CospSpec", "option_positions"):
        from sim.config import ACCESS_RULES

        return ACCESS_RULES
    return NAMED.get((cls, field))


def _unwrap(tp):
    """The dataclass behind a field type (``list[X]`` and ``dict[str, X]`` → X), or None for a plain value."""
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        return _unwrap(typing.get_args(tp)[0])[0], "index"
    if origin is dict:
        return _unwrap(typing.get_args(tp)[1])[0], "name"
    return (tp if dataclasses.is_dataclass(tp) else None), None


def lookup(schema, key: str) -> tuple[Any, bool]:
    """Walk the dotted ``key`` through dataclass ``schema``; return (the type reached, whether it is a dataclass).

    Raises ConfigError naming the first unknown part, the fields allowed there and the nearest one.
    """
    node, done = schema, []
    parts = key.split(".")
    i = 0
    while i < len(parts):
        part = parts[i]
        hints = typing.get_type_hints(node)
        names = [f.name for f in dataclasses.fields(node)]
        if part not in names:
            where = f"{'.'.join(done) or 'the top level'} ({node.__name__})"
            found = nearest(part, names)
            # keep the rest of the key only where the suggested field has keys of its own (run.dir -> run_dir)
            nested = found and (_unwrap(hints[found[0]])[0] is not None or _unwrap(hints[found[0]])[1] is not None)
            rest = parts[i + 1:] if nested else []
            raise ConfigError(key, f"{part!r} is not a key of {where}", " | ".join(names),
                              ".".join([*done, found[0], *rest]) if found else None)
        done.append(part)
        inner, container = _unwrap(hints[part])
        i += 1
        if container is not None and i < len(parts):          # a list index or a dict name
            names = _named(node.__name__, part)
            if container == "index" and not parts[i].isdigit():
                raise ConfigError(key, f"{parts[i]!r} is not a list position", "0, 1, 2 ...")
            if names and parts[i] not in names:
                found = nearest(parts[i], names)
                raise ConfigError(key, f"{parts[i]!r} is not a name of {'.'.join(done)}", " | ".join(names),
                                  ".".join([*done, found[0], *parts[i + 1:]]) if found else None)
            done.append(parts[i])
            i += 1
        if inner is None:
            return hints[part], False
        node = inner
    return node, dataclasses.is_dataclass(node)
