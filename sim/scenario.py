"""Scenario → arrays: the states (real data), the organisations (synthetic, typed), provisions and calendar.

The mapping from data to initial positions is an assumption documented in docs/MAPPING.md: an axis score theta
from the 74/247 vote, co-sponsorship, Budapest status and regional group (after Bailey, Strezhnev & Voeten 2017,
who place UNGA votes on one main dimension), loaded onto each provision; a north-south term; EU members start
from a common position. All coefficients come from the scenario config.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np

from sim.config import ScenarioConfig
from sim.core.seeds import Purpose, stream
from sim.decision import no_treaty_loss
from sim.enums import OrgType, SessionKind, Stance, Vote
from sim.errors import ConfigError, DataError
from sim.schema import PROVISION_ROLES, check_against_states, check_scenario

__all__ = ["ConfigError", "DataError", "World", "build_world", "read_states", "resolve_data_file"]

STATE_COLUMNS = ("iso2", "name", "un_regional_group", "eu_member", "budapest_status", "res74_247_vote",
                 "res74_247_cosponsor")
VOTE_CODES = {"yes": Vote.YES, "no": Vote.NO, "abstain": Vote.ABSTAIN, "not_recorded": Vote.NOT_RECORDED}
BUDAPEST = ("party", "signatory", "invited", "none")
ROLE_SIGN = dict(zip(PROVISION_ROLES, (1.0, -1.0, 0.0), strict=True))   # power +1, safeguard -1, neutral 0


@dataclass(frozen=True)
class World:
    """Everything static about a negotiation, as arrays. States are ordered by bloc (contiguous blocks)."""

    name: str
    issue_keys: tuple[str, ...]
    issue_labels: tuple[str, ...]
    technical: np.ndarray          # (K,) bool
    fallback: np.ndarray           # (K,) value of a provision if deleted
    state_iso: np.ndarray          # (N,) str
    state_name: np.ndarray         # (N,) str
    region: np.ndarray             # (N,) str
    bloc: np.ndarray               # (N,) int
    bloc_keys: tuple[str, ...]
    bloc_starts: np.ndarray        # (nb,) first state of each bloc
    theta: np.ndarray              # (N,) axis score
    x_base: np.ndarray             # (N,K) ideal points before per-replicate noise
    x_novote: np.ndarray           # (N,K) the same mapping without the 74/247 vote term (validation)
    noise_sd: float
    salience: np.ndarray           # (N,K)
    capability: np.ndarray         # (N,)
    democracy: np.ndarray          # (N,)
    stance: np.ndarray             # (N,) Stance
    treaty_value: np.ndarray       # (N,) v_i
    cohesion: np.ndarray           # (N,) bloc DeGroot weight
    capacity: np.ndarray           # (N,) delegation capacity
    vote74: np.ndarray             # (N,) Vote
    eu: np.ndarray                 # (N,) bool
    budapest: np.ndarray           # (N,) str
    vote_yes_above: float
    vote_no_below: float
    org_type: np.ndarray           # (O,) OrgType
    ecosoc: np.ndarray             # (O,) bool
    y: np.ndarray                  # (O,K) ideal points
    sigma: np.ndarray              # (O,K) focused salience, rows sum to 1
    credibility: np.ndarray        # (O,K)
    resources: np.ndarray          # (O,)
    contested: np.ndarray          # (O,)
    coalition: np.ndarray          # (O,) coalition index (solo organisations have their own)
    coalition_keys: tuple[str, ...]
    alignment: np.ndarray          # (N,O) a_io = 1 - mean_k |x_ik - y_ok| / 100
    bloc_alignment: np.ndarray     # (nb,O) mean alignment of a bloc's members
    session_keys: tuple[str, ...]
    session_labels: tuple[str, ...]
    session_kind: np.ndarray       # (T,) SessionKind
    session_minutes: np.ndarray    # (T,)
    intersessional: np.ndarray     # (T,) bool
    agenda_items: int
    state_queue_minutes: float     # minutes states use on an item before stakeholders speak
    reservable: np.ndarray | None = None   # (K,) bool, provisions a state may reserve on (None: none)
    eif_ratifications: int = 40
    eif_delay_days: float = 90.0
    quarters: int = 40
    days_per_quarter: float = 91.3125
    no_treaty_loss: np.ndarray | None = None   # (N,) L0_i, each state's loss under no treaty (sim/decision.py)
    role: np.ndarray | None = None   # (K,) +1 power, -1 safeguard, 0 neutral (None: all neutral); camp_salience

    @property
    def n_states(self) -> int:
        return len(self.state_iso)

    @property
    def n_orgs(self) -> int:
        return len(self.org_type)

    @property
    def n_issues(self) -> int:
        return len(self.issue_keys)

    @property
    def n_sessions(self) -> int:
        return len(self.session_keys)


def resolve_data_file(name: str) -> Path:
    """A user path if it exists, else a file shipped in ``sim/data``."""
    path = Path(name).expanduser()
    if path.is_file():
        return path
    shipped = Path(str(resources.files("sim") / "data" / name))
    if shipped.is_file():
        return shipped
    raise DataError("scenario.states_file", f"no file {name!r}", "a path to a CSV file, or a file in sim/data/")


def read_states(path: Path) -> list[dict[str, str]]:
    """Read and check the state table: required columns, allowed codes, unique ISO codes."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in STATE_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{path.name}", f"missing column {missing[0]!r}", "columns " + ", ".join(STATE_COLUMNS))
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(str(path), f"cannot be read ({exc})", "a readable UTF-8 CSV file") from None
    checks = {"res74_247_vote": tuple(VOTE_CODES), "budapest_status": BUDAPEST, "eu_member": ("0", "1"),
              "res74_247_cosponsor": ("0", "1")}
    for line, row in enumerate(rows, start=2):
        for col, allowed in checks.items():
            if row[col] not in allowed:
                raise DataError(f"{path.name} line {line}, column {col}", f"value {row[col]!r}", " | ".join(allowed))
    isos = [r["iso2"] for r in rows]
    if len(set(isos)) != len(isos) or not rows:
        raise DataError(path.name, "empty or duplicate iso2 codes", "one row per state with a unique iso2")
    return rows


def _lookup(table: dict, key: str, what: str) -> float:
    if key not in table:
        raise ConfigError(f"scenario.state_mapping.{what}", f"no entry for {key!r}", ", ".join(map(str, table)))
    return float(table[key])


def _axis(rows, m, with_vote: bool) -> np.ndarray:
    """theta_i: the 74/247 axis score (positive = broad, sovereignty-first; negative = Budapest, rights-first)."""
    theta = np.array([
        (_lookup(m.vote, r["res74_247_vote"], "vote") if with_vote else 0.0)
        + m.cosponsor * int(r["res74_247_cosponsor"])
        + _lookup(m.budapest, r["budapest_status"], "budapest")
        + _lookup(m.region, r["un_regional_group"], "region") for r in rows])
    return theta


def _positions(sc: ScenarioConfig, theta, dev, eu) -> np.ndarray:
    m = sc.state_mapping
    intercept = np.array([i.intercept for i in sc.issues])
    loading = np.array([i.loading for i in sc.issues])
    north_south = np.array([i.north_south for i in sc.issues])
    x = intercept + m.scale * np.outer(theta, loading) + np.outer(dev - dev.mean(), north_south)
    if m.eu_common_position and eu.any():
        x[eu] = x[eu].mean(axis=0)
    return np.clip(x, 0.0, 100.0)


def _assign_blocs(sc: ScenarioConfig, rows) -> np.ndarray:
    bloc = np.full(len(rows), -1)
    for i, row in enumerate(rows):
        for b, spec in enumerate(sc.blocs):
            if all(row.get(col) == str(val) for col, val in spec.when.items()):
                bloc[i] = b
                break
        if bloc[i] < 0:
            raise DataError("scenario.blocs", f"state {row['iso2']} matches no bloc", "add a bloc whose 'when' matches")
    return bloc


def _organisations(sc: ScenarioConfig, seed: int, technical: np.ndarray) -> dict[str, np.ndarray]:
    """Draw the organisation population once per root seed (fixed across replicates, so 'organisation o' means the
    same actor in every replicate and every counterfactual)."""
    spec = sc.organisations
    names = list(spec.types)
    shares = np.array([spec.types[n].share for n in names], dtype=float)
    raw = shares / shares.sum() * spec.count
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts), kind="stable")[: spec.count - counts.sum()]] += 1
    rng = stream(seed, Purpose.ORGANISATIONS)
    out: dict[str, list] = {k: [] for k in ("type", "ecosoc", "y", "sigma", "cred", "res", "contested")}
    for name, n in zip(names, counts, strict=False):
        t = spec.types[name]
        out["type"] += [OrgType[name.upper()]] * n
        out["ecosoc"].append(rng.random(n) < t.ecosoc)
        out["y"].append(np.clip(rng.normal(t.ideal, t.ideal_sd, size=(n, len(t.ideal))), 0, 100))
        out["sigma"].append(rng.dirichlet(np.asarray(t.focus) * spec.dirichlet_concentration, size=n))
        out["cred"].append(np.where(technical, t.credibility[0], t.credibility[1]) * np.ones((n, 1)))
        out["res"].append(rng.uniform(t.resources[0], t.resources[1], size=n))
        out["contested"].append(np.full(n, t.contested))
    arr = {k: (np.array(v) if k == "type" else np.concatenate(v)) for k, v in out.items()}
    arr["coalition"], arr["coalition_keys"] = _coalitions(spec, arr["type"], rng)
    return arr


def _coalitions(spec, org_type: np.ndarray, rng) -> tuple[np.ndarray, tuple[str, ...]]:
    draws = rng.random((len(org_type), len(spec.coalitions)))
    coalition = np.full(len(org_type), -1)
    for c, co in enumerate(spec.coalitions):
        p = np.array([co.members.get(OrgType(t).key, 0.0) for t in org_type])
        coalition = np.where((coalition < 0) & (draws[:, c] < p), c, coalition)
    solo = np.flatnonzero(coalition < 0)
    coalition[solo] = len(spec.coalitions) + np.arange(len(solo))
    keys = tuple(co.key for co in spec.coalitions) + tuple(f"solo_{o}" for o in solo)
    return coalition, keys


def build_world(sc: ScenarioConfig, seed: int) -> World:
    """Build the static arrays of scenario ``sc``; the organisation population depends on the root ``seed``."""
    check_scenario(sc)
    path = resolve_data_file(sc.states_file)
    rows = read_states(path)
    check_against_states(sc, rows, rows[0].keys())
    m = sc.state_mapping
    bloc = _assign_blocs(sc, rows)
    order = np.argsort(bloc, kind="stable")
    rows, bloc = [rows[i] for i in order], bloc[order]
    col = lambda c: np.array([r[c] for r in rows])  # noqa: E731
    eu = col("eu_member") == "1"
    dev = np.array([_lookup(m.development, r["un_regional_group"], "development") for r in rows])
    theta = _axis(rows, m, with_vote=True)
    technical = np.array([i.technical for i in sc.issues], dtype=bool)
    x_base = _positions(sc, theta, dev, eu)
    dem = m.democracy
    democracy = np.clip(float(dem.get("intercept", 0.5)) + np.array([
        _lookup(dem["vote"], r["res74_247_vote"], "democracy.vote")
        + _lookup(dem["budapest"], r["budapest_status"], "democracy.budapest") for r in rows]), 0, 1)
    stance = np.where(theta < m.stance_open_below, Stance.OPEN,
                      np.where(theta > m.stance_opposed_above, Stance.OPPOSED, Stance.LIMITED))
    tv = m.treaty_value
    orgs = _organisations(sc, seed, technical)
    alignment = 1.0 - np.abs(x_base[:, None, :] - orgs["y"][None, :, :]).mean(axis=2) / 100.0
    nb = len(sc.blocs)
    bloc_alignment = np.stack([alignment[bloc == b].mean(axis=0) if (bloc == b).any()
                               else np.zeros(len(orgs["type"])) for b in range(nb)])
    sessions = sc.sessions
    return World(
        name=sc.name, issue_keys=tuple(i.key for i in sc.issues), issue_labels=tuple(i.label or i.key for i in sc.issues),
        technical=technical, fallback=np.array([i.deletion_fallback for i in sc.issues], dtype=float),
        state_iso=col("iso2"), state_name=col("name"), region=col("un_regional_group"), bloc=bloc,
        bloc_keys=tuple(b.key for b in sc.blocs), bloc_starts=np.searchsorted(bloc, np.arange(nb)),
        theta=theta, x_base=x_base, x_novote=_positions(sc, _axis(rows, m, with_vote=False), dev, eu),
        noise_sd=float(m.noise_sd),
        salience=np.array([sc.blocs[b].salience for b in bloc], dtype=float),
        capability=np.array([float(m.capability.get(r["iso2"], m.capability_default)) for r in rows]),
        democracy=democracy, stance=stance.astype(int),
        treaty_value=np.maximum(tv.get("floor", 1.0), tv.get("intercept", 8.0) + tv.get("slope", 4.0) * theta),
        cohesion=np.array([sc.blocs[b].cohesion for b in bloc]), capacity=np.array([sc.blocs[b].capacity for b in bloc]),
        vote74=np.array([VOTE_CODES[r["res74_247_vote"]] for r in rows], dtype=int), eu=eu,
        budapest=col("budapest_status"), vote_yes_above=m.vote_yes_above, vote_no_below=m.vote_no_below,
        org_type=orgs["type"].astype(int), ecosoc=orgs["ecosoc"], y=orgs["y"], sigma=orgs["sigma"],
        credibility=orgs["cred"], resources=orgs["res"], contested=orgs["contested"],
        coalition=orgs["coalition"], coalition_keys=orgs["coalition_keys"],
        alignment=alignment, bloc_alignment=bloc_alignment,
        session_keys=tuple(s.key for s in sessions), session_labels=tuple(s.label or s.key for s in sessions),
        session_kind=np.array([SessionKind[s.kind.upper()] for s in sessions], dtype=int),
        session_minutes=np.array([s.days * sc.minutes_per_day for s in sessions]),
        intersessional=np.array([s.intersessional for s in sessions], dtype=bool),
        agenda_items=int(sc.agenda_items),
        state_queue_minutes=sc.state_speaker_share * len(rows) * sc.state_statement_minutes,
        reservable=np.isin([i.key for i in sc.issues], sc.treaty.reservable),
        eif_ratifications=int(sc.treaty.eif_ratifications), eif_delay_days=float(sc.treaty.eif_delay_days),
        quarters=int(sc.treaty.quarters), days_per_quarter=float(sc.treaty.days_per_quarter),
        no_treaty_loss=no_treaty_loss(col("budapest_status"), theta, m.no_treaty) if m.no_treaty else None,
        role=np.array([ROLE_SIGN[i.role] for i in sc.issues], dtype=float),
    )


def camp_salience(world: World, gamma: float) -> World:
    """The world whose salience leans with the camp axis: logit s'_ik = logit s_ik + gamma * theta_i * role_k.

    Which camp holds a provision most salient (``role``: +1 power, -1 safeguard, 0 neutral) is what turns the
    salience-weighted compromise into a logroll (Thomson et al. 2006; Coleman 1966): a state far on the sponsors'
    side (theta > 0) cares more about the powers, a state on the other side more about the safeguards. Written on
    the odds, s e^z / (1 - s + s e^z), so that it stays in [0, 1] and maps 0 to 0 and 1 to 1. ``gamma = 0`` (or no
    roles) returns ``world`` itself, so every result is then bit for bit the configured profiles'.
    """
    if gamma == 0.0 or world.role is None or not world.role.any():
        return world
    if world.role.shape != (world.n_issues,):
        raise ValueError(f"world {world.name!r}: role has shape {world.role.shape}, not one per provision")
    odds = np.exp(gamma * np.outer(world.theta, world.role))
    s = world.salience
    return replace(world, salience=s * odds / (1.0 - s + s * odds))
