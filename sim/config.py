"""The parameter surface: typed dataclasses for the scenario, the participation rules and the behavioural
parameters, with their allowed values.

These are plain dataclasses (no Hydra inside the model). Hydra composes YAML files against them as structured
configs (``experiments/config.py`` registers them); Python users build them directly. Each behavioural parameter
carries, as field metadata, the hard bounds that validation enforces, the plausible range used in sensitivity
analysis, and its source (``[STD]`` a published model, ``[ASSUMP]`` our assumption), so the documentation tables
are generated from here and cannot drift from the code.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from typing import Any

from sim.errors import ConfigError, nearest

# ConfigError lives in sim.errors; importing it from here keeps working.


def _p(default: float, bounds: tuple[float, float], plausible: tuple[float, float], source: str, doc: str):
    """A behavioural parameter with hard bounds, a plausible range and a source."""
    meta = {"bounds": bounds, "plausible": plausible, "source": source, "doc": doc}
    return field(default=default, metadata=meta)


def check_number(key: str, value: Any, lo: float, hi: float) -> float:
    """Return ``value`` as a float if it is a finite number within [lo, hi]; raise ConfigError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(key, f"{value!r} is not a finite number", f"a number in [{lo}, {hi}]")
    if not lo <= value <= hi:
        raise ConfigError(key, f"{value} is out of range", f"a number in [{lo}, {hi}]")
    return float(value)


def check_choice(key: str, value: Any, choices: list[str] | tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``; raise ConfigError naming them otherwise."""
    if value not in choices:
        found = nearest(str(value), choices)
        raise ConfigError(key, f"unknown value {value!r}", " | ".join(choices), found[0] if found else None)
    return value


# --------------------------------------------------------------------------------------------- behaviour
@dataclass
class Params:
    """Behavioural parameters (the uncertainties): what neither negotiators nor advocates control.

    Defaults and ranges follow LITERATURE.md §8.4 unless stated otherwise.
    """

    susceptibility: float = _p(0.6, (0, 1), (0.3, 0.9), "[ASSUMP; FJ form STD] Friedkin & Johnsen 1990",
                               "lambda0: negotiable share of a state's position per session")
    salience_damping: float = _p(1.0, (0, 5), (0, 2), "[ASSUMP] Klüver 2011; Mahoney 2007 (less influence on "
                                 "salient issues); 0 = no damping", "gamma: lambda = lambda0*rho*(1-s)^gamma")
    camp_salience: float = _p(0.0, (0, 4), (0, 2), "[ASSUMP] logrolling by salience: Thomson et al. 2006 "
                              "(salience-weighted compromise); Coleman 1966, Stokman & van Oosten 1994 (exchange); "
                              "record: sponsors' priority on scope and cooperation (dig.watch, 6th session), Western "
                              "red lines on Arts 6 and 24 (dig.watch, 30 Jul 2024)",
                              "gamma_c: logit s_ik += gamma_c * theta_i * role_k (role +1 power, -1 safeguard, "
                              "0 neutral); 0 = the blocs' salience profiles as configured")
    confidence_political: float = _p(15.0, (0, 100), (10, 60), "[STD] Hegselmann & Krause 2002; Deffuant 2000",
                                     "epsilon on political provisions (scale points)")
    confidence_technical: float = _p(30.0, (0, 100), (20, 100), "[STD] Hegselmann & Krause 2002",
                                     "epsilon on technical provisions (scale points)")
    stakeholder_weight_max: float = _p(0.15, (0, 1), (0.05, 0.3), "[ASSUMP]",
                                       "Omega_max: saturating weight of stakeholder messages")
    saturation: float = _p(30.0, (1e-6, 1e6), (10, 90), "[ASSUMP] LITERATURE §8.4: the default access level "
                           "mid-curve (median message mass per state and provision ~28 with lobbying and joint "
                           "coalitions; range x0.3-x3)",
                           "kappa: message mass at which the weight reaches 63% of its maximum")
    plenary_exposure: float = _p(0.3, (0, 10), (0.1, 0.6), "[ASSUMP]", "psi_pl: exposure per plenary statement")
    written_exposure: float = _p(0.1, (0, 10), (0.05, 0.3), "[ASSUMP]", "psi_w: exposure per written submission")
    intersessional_exposure: float = _p(0.15, (0, 10), (0, 0.3), "[ASSUMP]",
                                        "psi_int: chair's exposure per consultation attendance")
    indirect_channel: float = _p(0.3, (0, 5), (0, 0.6), "[ASSUMP] Böhmelt et al. 2014",
                                 "kappa_ind: reach of stakeholders into informals through allied delegations")
    observer_exposure: float = _p(0.3, (0, 1), (0.1, 0.6), "[ASSUMP]",
                                  "exposure of observers in informals relative to participants")
    reference_informal_share: float = _p(0.6, (0, 0.99), (0.6, 0.6), "[ASSUMP] LITERATURE §8.3",
                                         "phi at which plenary exposure has weight 1")
    coalition_exponent: float = _p(0.5, (0, 1), (0, 1), "[ASSUMP] Klüver 2011",
                                   "weight of a coalition statement = (members)^chi")
    concession_rate: float = _p(0.1, (0, 1), (0.05, 0.3), "[ASSUMP] Deffuant mu analogue",
                                "mu: concession towards the compromise per informal round")
    cohesion_scale: float = _p(1.0, (0, 2), (0.5, 1.5), "[ASSUMP]", "multiplier on every bloc's cohesion")
    informal_rounds_base: int = _p(2, (0, 100), (1, 4), "[ASSUMP] LITERATURE §8.3", "rounds = base + per_share*phi")
    informal_rounds_per_share: int = _p(10, (0, 100), (5, 15), "[ASSUMP] LITERATURE §8.3", "see base")
    chair_rate: float = _p(0.5, (0, 1), (0.3, 0.8), "[ASSUMP] Tallberg 2010", "eta: chair's update rate")
    chair_stakeholder_max: float = _p(0.05, (0, 1), (0, 0.15), "[ASSUMP]", "omega_max: chair's stakeholder weight")
    chair_blocker_pull: float = _p(0.1, (0, 1), (0, 0.3), "[ASSUMP] Moss 2002", "zeta: pull towards likely blockers")
    objection_threshold: float = _p(3.0, (-100, 100), (1, 6), "[ASSUMP]", "theta_c: whole-text objection (points)")
    objection_noise: float = _p(1.0, (1e-6, 100), (0.5, 2), "[ASSUMP]", "tau: logistic noise of objections")
    provision_threshold: float = _p(27.0, (0, 100), (20, 35), "[ASSUMP] calibrated to the Aug 2024 votes",
                                    "salience-weighted distance at which a state forces a deletion vote")
    vote_indifference: float = _p(1.0, (0, 100), (0.5, 3), "[ASSUMP]", "nu: utility margin to vote yes/no")
    isolation_threshold: int = _p(10, (1, 193), (3, 20), "[ASSUMP]",
                                  "fewest no-votes that make objectors force a recorded whole-text vote")
    objection_open: float = _p(0.0, (0, 1), (0, 0.02), "[ASSUMP] ISHR; Devex 2020", "pi_obj for open states")
    objection_limited: float = _p(0.005, (0, 1), (0.001, 0.02), "[ASSUMP] calibrated: tens of objected organisations "
                                  "under the AHC rule, not hundreds (LITERATURE 0.05 vetoes nearly all)", "pi_obj, limited")
    objection_opposed: float = _p(0.03, (0, 1), (0.01, 0.1), "[ASSUMP] calibrated as above; ISHR; Devex 2020",
                                  "pi_obj, opposed")
    admission_yes: float = _p(0.35, (0, 1), (0.25, 0.5), "[ASSUMP] Tallberg, Sommerer & Squatrito",
                              "a state votes to admit when alignment*receptiveness is at least this")
    admission_no: float = _p(0.2, (0, 1), (0.1, 0.3), "[ASSUMP]", "...and against when below this")
    access_public: float = _p(1.0, (0, 1), (1, 1), "[ASSUMP] LITERATURE §8.2", "delta_doc, public drafts")
    access_delayed: float = _p(0.7, (0, 1), (0.5, 0.9), "[ASSUMP] LITERATURE §8.2", "delta_doc, delayed drafts")
    access_none: float = _p(0.4, (0, 1), (0.2, 0.6), "[ASSUMP] LITERATURE §8.2", "delta_doc, no documents")
    slot_cap: int = _p(64, (1, 10_000), (64, 64), "implementation", "most stakeholder statements per agenda item")
    # after adoption (MODEL.md §4 step 7; LITERATURE §8.3 step 7)
    signature_threshold: float = _p(22.05, (-50, 50), (12, 24), "calibrated: plenary calibrate, 65 signatures at Hanoi",
                                    "nu_sig: sign at the opening if the net gain over no treaty exceeds this (points)")
    signature_noise: float = _p(2.0, (0, 50), (1, 4), "[ASSUMP]", "sd of the state's idiosyncratic signing shock")
    proximity_gain: float = _p(2.0, (0, 50), (0, 4), "[ASSUMP] seed: proximity to existing frameworks",
                               "gain of signing for Budapest parties (half for signatories and invitees)")
    cooperation_gain: float = _p(3.0, (0, 50), (0, 6), "[ASSUMP] seed: cooperation with states outside them",
                                 "gain x share of states outside the signer's existing cooperation framework")
    within_influence: float = _p(0.3, (0, 1), (0, 0.6), "[ASSUMP] seed: influence from within",
                                 "share of the text's loss offset by shaping implementation and protocols from within")
    ratify_base: float = _p(-4.79, (-10, 2), (-5, -3),
                            "[STD form] Bernauer et al. 2010; calibrated: EIF as UNTOC/UNCAC",
                            "beta_0 of the quarterly cloglog ratification hazard")
    ratify_utility: float = _p(0.1, (-2, 2), (0, 0.3), "[ASSUMP] LITERATURE §8.3", "beta_1 per point of net gain")
    ratify_democracy: float = _p(-0.5, (-5, 5), (-1, 0.5), "[ASSUMP] parliamentary approval takes longer",
                                 "beta_2 on democracy")
    ratify_peer: float = _p(1.0, (-5, 5), (-1, 2), "Campbell et al. 2019 (sign free)",
                            "beta_3 on the share of the bloc that has ratified")
    ratify_budapest: float = _p(0.5, (-5, 5), (0, 1), "Bernauer et al. 2010 (international linkages)",
                                "beta_4 on Budapest party status")
    ratify_capacity: float = _p(0.5, (-5, 5), (0, 1), "[ASSUMP]", "beta_5 on delegation/administrative capacity")
    domestic_sd: float = _p(5.0, (0, 50), (0, 10), "[ASSUMP] Putnam 1988",
                            "sd of the domestic ratifiers' ideal points around the delegation's")
    winset_tolerance: float = _p(1.0, (0, 10), (0.5, 1.5), "[ASSUMP] Putnam 1988",
                                 "domestic value of the treaty as a multiple of the delegation's")
    reservation_base: float = _p(0.3, (0, 1), (0.1, 0.5), "[ASSUMP] Neumayer 2007; Zvobgo et al. 2020",
                                 "voluntary reservation probability x democracy x breadth of the provision / 100")
    # --- influence channel ---
    anchor_persistence: float = _p(0.3, (0, 1), (0, 1), "[ASSUMP] Friedkin & Johnsen 2011 (time-varying prejudice); "
                                   "Austen-Smith 1993 (informational lobbying updates beliefs)",
                                   "mu: share of a session's stakeholder-induced shift that moves the delegation's "
                                   "anchor for good (0 = snaps back to its ideal every session, 1 = sticks)")
    receptiveness_base: float = _p(0.5, (0, 1), (0.3, 0.7), "[ASSUMP] Tallberg et al. 2013 (democracies more open)",
                                   "rho = base + slope * democracy: receptiveness to stakeholders")
    receptiveness_slope: float = _p(0.5, (0, 1), (0, 0.7), "[ASSUMP] Tallberg et al. 2013",
                                    "slope of receptiveness on the democracy index (see receptiveness_base)")
    lobby_contacts: float = _p(4.0, (0, 200), (0, 20), "[ASSUMP] Hall & Deardorff 2006; Hojnacki & Kimball 1998",
                               "corridor contacts per session of an accredited organisation with resources 1 "
                               "(delegations or the chair; the budget, spent by lobby_ally_share/lobby_chair_share)")
    lobby_exposure: float = _p(0.3, (0, 10), (0.1, 0.6), "[ASSUMP] as plenary_exposure",
                               "exposure of a delegation (or the chair) per corridor contact")
    lobby_ally_share: float = _p(0.6, (0, 1), (0.3, 0.9), "[STD] Hall & Deardorff 2006; Hojnacki & Kimball 1998 "
                                 "(groups lobby mostly allies)", "share of the delegation budget spent by alignment "
                                 "(allies); the rest by expected movement of the text (swing delegations)")
    lobby_chair_share: float = _p(0.2, (0, 1), (0, 0.5), "[ASSUMP] Tallberg et al. 2018 (information for access)",
                                  "share of the lobbying budget spent on the chair")
    coalition_premium: float = _p(0.5, (0, 10), (0, 2), "[ASSUMP] Junk 2019 (diverse coalitions succeed more); "
                                  "Phinney 2017", "extra weight of a cross-sector coalition's joint position")
    coalition_reach: float = _p(10.0, (0, 100), (0, 40), "[ASSUMP] Junk 2019; Phinney 2017 (unlikely allies)",
                                "extra confidence window (points) within which a cross-sector coalition is heard")
    # --- decision stage ---
    chair_estimate_noise: float = _p(3.0, (1e-6, 100), (1, 6), "[ASSUMP] Tallberg 2010 (the chair's information)",
                                     "tau_chair: noise of the chair's estimate of who would block (points)")
    package_rounds: int = _p(5, (0, 100), (0, 10), "[ASSUMP] Romer & Rosenthal 1978; Tallberg 2010",
                             "steps of the chair's take-it-or-leave-it package towards expected blockers")
    package_step: float = _p(0.3, (0, 1), (0.1, 0.6), "[ASSUMP] Tallberg 2010",
                             "share of the pull towards expected blockers taken per package step")
    suspend_objectors: int = _p(15, (1, 1000), (5, 30), "[ASSUMP] consensus practice (Jan-Feb 2024 suspension)",
                                "objecting states at which the chair suspends a concluding session that can resume")
    deadline_cost: float = _p(4.0, (0, 100), (0, 10), "[ASSUMP] Odell 2009 (deadlines break deadlocks)",
                              "points by which no treaty loses value at the last session that can decide")
    absence_prob: float = _p(0.2, (0, 1), (0.05, 0.3), "[ASSUMP] not every state votes (recorded votes of Aug 2024)",
                             "probability that a state is absent from a recorded vote")
    abstention_prob: float = _p(0.1, (0, 1), (0.05, 0.25), "[ASSUMP] recorded votes of Aug 2024",
                                "probability that a present state abstains whatever its gain")
    deletion_majority: float = _p(0.5, (0.5, 1), (0.5, 0.667), "[ASSUMP] AHC practice on amendments (brief)",
                                  "share of those present and voting a deletion needs (0.5: yes > no)")
    adoption_majority: float = _p(2 / 3, (0.5, 1), (2 / 3, 2 / 3), "[STD] GA res. 75/282 (two-thirds present and voting)",
                                  "share of those present and voting a whole-text vote needs")
    chair_redline_share: float = _p(0.75, (0, 1), (0.5, 1), "[ASSUMP] the record: threats per provision from both "
                                    "camps (dig.watch, sixth session 2023 and reconvened session 2024); the final "
                                    "text above the compromise on scope, below it on the human-rights clause",
                                    "beta: share of the chair's pull towards states whose red line on a provision "
                                    "(provision_threshold) is crossed; the rest towards whole-text blockers (0 = "
                                    "the whole-text pull alone)")

    def __post_init__(self) -> None:
        for f in fields(self):
            lo, hi = f.metadata["bounds"]
            value = check_number(f"params.{f.name}", getattr(self, f.name), lo, hi)
            if isinstance(f.default, int) and not float(value).is_integer():
                raise ConfigError(f"params.{f.name}", f"{value} is not a whole number", f"an integer in [{lo}, {hi}]")
        if self.admission_no > self.admission_yes:
            raise ConfigError("params.admission_no", "is above params.admission_yes", "admission_no <= admission_yes")


# --------------------------------------------------------------------------------------------- rules
MAJORITIES = ("simple", "two_thirds")
DOCUMENT_ACCESS = ("public", "delayed", "none")


def rule_names(key: str) -> tuple[str, ...]:
    """The allowed values of a rule lever backed by a registry (``rules.accreditation.procedure``,
    ``rules.speaking``, ``rules.informals``): the registered names, read when asked, so that a rule registered
    after import (a plugin, a test) is allowed too. KeyError for another key."""
    from sim.rules import ACCREDITATION, INFORMALS, SPEAKING

    return {"rules.accreditation.procedure": ACCREDITATION, "rules.speaking": SPEAKING,
            "rules.informals": INFORMALS}[key].names()


@dataclass
class AccreditationRule:
    """How organisations without ECOSOC status get in (MODEL.md §4 step 0)."""

    procedure: str = "non_objection_vote"
    majority: str = "simple"
    veto_applies_to_ecosoc: bool = False


@dataclass
class Rules:
    """Participation rules (the levers): what negotiators and advocates can change.

    Schedules (``speaking_minutes``, ``statement_minutes``, ``informal_share``) take one number for every session
    or a list with one value per session of the scenario.
    """

    accreditation: AccreditationRule = field(default_factory=AccreditationRule)
    speaking: str = "coalition_spokespersons"
    speaking_minutes: Any = 30.0
    statement_minutes: Any = 3.0
    informal_share: Any = 0.6
    informals: str = "excluded"
    written_submissions: bool = True
    intersessional: bool = True
    document_access: str = "public"

    def __post_init__(self) -> None:
        from sim.schema import flag, name_in

        if isinstance(self.accreditation, str):          # rules.accreditation=veto: a value for a group
            procedures = rule_names("rules.accreditation.procedure")
            found = nearest(self.accreditation, procedures)
            raise ConfigError("rules.accreditation", f"{self.accreditation!r} is one value, but accreditation is a "
                              "group of settings", "rules.accreditation.procedure=" + " | ".join(procedures),
                              f"rules.accreditation.procedure={found[0]}" if found else None)
        if isinstance(self.accreditation, dict):
            for key in self.accreditation:
                name_in("rules.accreditation", key, [f.name for f in fields(AccreditationRule)])
            self.accreditation = AccreditationRule(**self.accreditation)
        flag("rules.accreditation.veto_applies_to_ecosoc", self.accreditation.veto_applies_to_ecosoc)
        for key in ("written_submissions", "intersessional"):
            flag(f"rules.{key}", getattr(self, key))
        check_choice("rules.accreditation.procedure", self.accreditation.procedure,
                     rule_names("rules.accreditation.procedure"))
        check_choice("rules.accreditation.majority", self.accreditation.majority, MAJORITIES)
        check_choice("rules.speaking", self.speaking, rule_names("rules.speaking"))
        check_choice("rules.informals", self.informals, rule_names("rules.informals"))
        check_choice("rules.document_access", self.document_access, DOCUMENT_ACCESS)
        for key, lo, hi in (("speaking_minutes", 0, 600), ("statement_minutes", 0.5, 60), ("informal_share", 0, 1)):
            value = getattr(self, key)
            items = list(value) if isinstance(value, (list, tuple)) or hasattr(value, "__len__") else [value]
            if not items:
                raise ConfigError(f"rules.{key}", "is an empty list", f"a number in [{lo}, {hi}] or one per session")
            for j, v in enumerate(items):
                check_number(f"rules.{key}" + (f".{j}" if len(items) > 1 else ""), v, lo, hi)

    def schedule(self, key: str, n_sessions: int) -> list[float]:
        """The per-session values of schedule ``key``, checking the list length against the scenario."""
        value = getattr(self, key)
        if not isinstance(value, (list, tuple)) and not hasattr(value, "__len__"):
            return [float(value)] * n_sessions
        values = [float(v) for v in value]
        if len(values) == 1:
            return values * n_sessions
        if len(values) != n_sessions:
            raise ConfigError(f"rules.{key}", f"has {len(values)} values but the scenario has {n_sessions} sessions",
                              f"one number, or a list of exactly {n_sessions} numbers")
        return values


# --------------------------------------------------------------------------------------------- scenario
@dataclass
class IssueSpec:
    key: str = "issue"
    label: str = ""
    technical: bool = False
    role: str = "neutral"      # power | safeguard | neutral: which camp holds the provision most salient
    intercept: float = 50.0
    loading: float = 1.0
    north_south: float = 0.0
    deletion_fallback: float = 50.0


@dataclass
class BlocSpec:
    key: str = "bloc"
    label: str = ""
    when: dict[str, str] = field(default_factory=dict)
    cohesion: float = 0.1
    capacity: float = 1.0
    salience: list[float] = field(default_factory=list)


@dataclass
class StateMapping:
    vote: dict[str, float] = field(default_factory=dict)
    cosponsor: float = 0.0
    budapest: dict[str, float] = field(default_factory=dict)
    region: dict[str, float] = field(default_factory=dict)
    development: dict[str, float] = field(default_factory=dict)
    scale: float = 40.0
    noise_sd: float = 5.0
    eu_common_position: bool = True
    democracy: dict[str, Any] = field(default_factory=dict)
    stance_open_below: float = -0.3
    stance_opposed_above: float = 0.7
    treaty_value: dict[str, float] = field(default_factory=dict)
    no_treaty: dict[str, Any] = field(default_factory=dict)   # the disagreement point (sim/decision.py)
    vote_yes_above: float = 62.0
    vote_no_below: float = 45.0
    capability_default: float = 1.0
    capability: dict[str, float] = field(default_factory=dict)


@dataclass
class OrgTypeSpec:
    share: float = 0.0
    ecosoc: float = 0.0
    contested: float = 0.0
    credibility: list[float] = field(default_factory=lambda: [0.5, 0.5])
    resources: list[float] = field(default_factory=lambda: [0.0, 1.0])
    ideal_sd: float = 8.0
    ideal: list[float] = field(default_factory=list)
    focus: list[float] = field(default_factory=list)


@dataclass
class CoalitionSpec:
    key: str = "coalition"
    members: dict[str, float] = field(default_factory=dict)


@dataclass
class OrganisationsSpec:
    count: int = 200
    dirichlet_concentration: float = 1.0
    types: dict[str, OrgTypeSpec] = field(default_factory=dict)
    coalitions: list[CoalitionSpec] = field(default_factory=list)


@dataclass
class SessionSpec:
    key: str = "session"
    label: str = ""
    kind: str = "substantive"
    start: str = ""
    days: float = 10.0
    intersessional: bool = False


@dataclass
class TreatySpec:
    """The final clauses: entry into force and reservations (UNCC arts. 64-65), and the horizon simulated."""

    eif_ratifications: int = 40      # ratifications needed (30, 40 and 60 were proposed)
    eif_delay_days: float = 90.0     # entry into force this many days after the Nth ratification
    reservable: list[str] = field(default_factory=list)   # provisions a state may reserve on
    quarters: int = 40               # quarters simulated after the opening for signature
    days_per_quarter: float = 91.3125


@dataclass
class ScenarioConfig:
    """Everything that defines a negotiation: states (from a CSV), provisions, blocs, organisations, calendar."""

    name: str = "scenario"
    label: str = ""
    states_file: str = "states.csv"
    record: str = ""              # the coded record of this negotiation's texts (sim/data/<file>), "" for none
    issues: list[IssueSpec] = field(default_factory=list)
    state_mapping: StateMapping = field(default_factory=StateMapping)
    blocs: list[BlocSpec] = field(default_factory=list)
    organisations: OrganisationsSpec = field(default_factory=OrganisationsSpec)
    sessions: list[SessionSpec] = field(default_factory=list)
    agenda_items: int = 10
    minutes_per_day: float = 360.0
    state_speaker_share: float = 0.1
    state_statement_minutes: float = 3.0
    treaty: TreatySpec = field(default_factory=TreatySpec)


VARIANT_SETS = ("none", "all_vs_none", "leave_one_type_out")
ATTRIBUTIONS = ("none", "shapley")


@dataclass
class SweepSpec:
    """What a ``plenary sweep`` is for (set by the presets in configs/experiment/); ignored by ``plenary run``."""

    name: str = "sweep"          # the sweep folder is outputs/sweeps/<name> unless ``dir`` is given
    question: str = ""           # the question the sweep answers (printed on every chart caption)
    dir: Any = None              # the sweep folder; re-running the same command there resumes
    fail_fast: bool = False      # stop at the first failing cell instead of reporting it and going on
    baseline: dict[str, Any] = field(default_factory=dict)   # lever values of the reference cell for rule effects
    wait_timeout_min: Any = 720.0   # stop waiting for a launcher's jobs after this long (null: wait for ever)
    tmp_timeout_hours: float = 24.0  # a temporary cell folder of another host is abandoned after this long


ENGINES = ("hydra", "dask")
DASK_CLUSTERS = ("local", "slurm", "pbs", "sge")


@dataclass
class DaskSpec:
    """Where ``plenary sweep engine=dask`` runs its cells (experiments/dask_engine.py); not part of a cell's id."""

    cluster: str = "local"       # local (a LocalCluster on 127.0.0.1) | slurm | pbs | sge (dask-jobqueue batch jobs)
    address: Any = None          # a running scheduler, e.g. tcp://10.0.0.5:8786 (then cluster is not used)
    workers: int = 0             # worker processes, one thread each; local: 0 = the cores of this machine; jobqueue:
    #                              required, one batch job per worker unless job.processes packs several in a job
    queue: Any = None            # jobqueue: partition / queue (default: the site's, from dask's jobqueue config)
    account: Any = None          # jobqueue: account / project to charge
    walltime: Any = None         # jobqueue: per job, e.g. "01:00:00" (default: the site's)
    memory: str = "2GiB"         # jobqueue: memory per job
    job: dict[str, Any] = field(default_factory=dict)   # any other dask-jobqueue keyword (+dask.job.interface=ib0)
    worker_timeout: float = 600.0   # give up after this many seconds with no worker connected (jobs still queued,
    #                                 or cancelled with scancel/qdel); 0 = wait for ever

    def __post_init__(self) -> None:
        check_choice("dask.cluster", self.cluster, DASK_CLUSTERS)
        check_number("dask.workers", self.workers, 0, 10**6)
        check_number("dask.worker_timeout", self.worker_timeout, 0, 10**7)


# the rule texts of the COSP access negotiation, from most open to none (sim/cosp.py; configs/rules/cosp_<name>.yaml)
ACCESS_RULES = ("open", "ahc_modalities", "two_thirds_override", "rule_17_2", "consent_based", "limited_technical",
                "none")
COSP_DECISION_RULES = ("consensus", "two_thirds")
INFORMALS = ("excluded", "observers", "participants")
CHAINS = ("none", "cosp")


@dataclass
class CospSpec:
    """The COSP rules-of-procedure negotiation and the COSP sessions that follow (assumptions marked [ASSUMP]).

    The negotiation is over discrete rule texts (``ACCESS_RULES``), each placed on the access scale (0 none .. 100
    open) by ``option_positions``; the draft text on the table (``status_quo``, draft rule 17(2)) stays unless the
    COSP's ``decision_rule`` admits a change (Tsebelis 2002).
    """

    informal_share: float = 0.8          # share of the rules negotiation held in closed informal rounds (Vienna)
    informals: str = "excluded"          # stakeholders in those rounds: excluded | observers | participants
    speaking_minutes: float = 10.0       # stakeholder minutes per item in the open part
    statement_minutes: float = 3.0       # minutes per stakeholder statement
    sessions: int = 4                    # rounds of negotiation before the decision
    session_minutes: Any = None          # minutes per round; None: the scenario's median session (the AHC drafts the
    #                                      COSP's rules of procedure in sessions of its own calendar)
    open_position: float = 85.0          # [ASSUMP] camp positions on the access scale
    limited_position: float = 50.0
    opposed_position: float = 15.0
    position_sd: float = 8.0             # [ASSUMP] spread within a camp
    camp_shock_sd: float = 10.0          # [ASSUMP] per replicate: uncertainty about where each camp will land
    salience_open: float = 0.6           # [ASSUMP] salience of the access rule, by camp: the limited camp is the
    salience_limited: float = 0.3        #   swing camp, least invested
    salience_opposed: float = 0.8
    org_positions: dict[str, float] = field(default_factory=lambda: {
        "human_rights": 90.0, "digital_rights": 90.0, "child_protection": 75.0, "industry": 72.0, "academia": 75.0,
        "law_enforcement": 62.0})        # [ASSUMP] what each type argues for (every type needs one)
    org_position_sd: float = 8.0
    option_positions: dict[str, float] = field(default_factory=lambda: {
        "open": 100.0, "ahc_modalities": 80.0, "two_thirds_override": 65.0, "rule_17_2": 45.0, "consent_based": 35.0,
        "limited_technical": 25.0, "none": 0.0})   # [ASSUMP] where each rule text sits on the access scale
    status_quo: str = "rule_17_2"        # the draft text on the table; UNTOC/UNCAC practice if nothing is agreed
    decision_rule: str = "two_thirds"    # consensus (one objection blocks) | two_thirds (of those present and voting)
    linkage: float = 0.3                 # [ASSUMP] Sebenius 1983: how far a linked package (access for technical
    linkage_issue: str = "tech_assistance"   # assistance) moves the swing camp towards the open camp, x its salience
    protocol_sessions: int = 4
    as_is_rules: str = "ahc_modalities"  # the AHC model kept as is (the stakeholders' demand)

    def __post_init__(self) -> None:
        from sim.enums import OrgType
        from sim.schema import num

        check_number("cosp.informal_share", self.informal_share, 0, 1)
        check_choice("cosp.informals", self.informals, INFORMALS)
        check_number("cosp.sessions", self.sessions, 1, 50)
        check_number("cosp.protocol_sessions", self.protocol_sessions, 2, 50)
        check_number("cosp.linkage", self.linkage, 0, 1)
        check_choice("cosp.status_quo", self.status_quo, ACCESS_RULES)
        check_choice("cosp.as_is_rules", self.as_is_rules, ACCESS_RULES)
        check_choice("cosp.decision_rule", self.decision_rule, COSP_DECISION_RULES)
        types = {t.key for t in OrgType}
        for key, known, what in (("org_positions", types, "organisation type"), ("option_positions",
                                                                                  set(ACCESS_RULES), "rule text")):
            given = set(getattr(self, key))
            if given != known:
                wrong = sorted(given - known) or sorted(known - given)
                raise ConfigError(f"cosp.{key}", f"{'unknown' if given - known else 'missing'} {what} {wrong}",
                                  "one entry for each of " + " | ".join(sorted(known)))
            for name, value in getattr(self, key).items():
                check_number(f"cosp.{key}.{name}", value, 0, 100)
        num("cosp.sessions", self.sessions, 1, 50, integer=True)
        num("cosp.protocol_sessions", self.protocol_sessions, 2, 50, integer=True)
        num("cosp.speaking_minutes", self.speaking_minutes, 0, 600)
        num("cosp.statement_minutes", self.statement_minutes, 0.5, 60)
        if self.session_minutes is not None:
            num("cosp.session_minutes", self.session_minutes, above=0)
        for key in ("open_position", "limited_position", "opposed_position"):
            num(f"cosp.{key}", getattr(self, key), 0, 100)
        for key in ("position_sd", "camp_shock_sd", "org_position_sd"):
            num(f"cosp.{key}", getattr(self, key), 0)
        for key in ("salience_open", "salience_limited", "salience_opposed"):
            num(f"cosp.{key}", getattr(self, key), 0, 1)


UNFITTED = ("prior", "fixed")   #: what a posterior draw holds for a parameter the fit left out (sim/posterior.py)


@dataclass
class PosteriorSpec:
    """Parameter uncertainty (``plenary run posterior.draws=50``): run the replicates under ``draws`` draws from the
    posterior ``name`` (configs/params/posterior/<name>/, sim/posterior.py); 0 runs the params as configured.
    ``unfitted``: what each draw holds for an uncertain parameter the fit left out and the config leaves at its
    default: ``prior`` (drawn from its prior, the honest default: the record does not inform it) or ``fixed``
    (its configured value: results conditional on it)."""

    name: str = "default"
    draws: int = 0
    unfitted: str = "prior"


@dataclass
class RunConfig:
    """One ``plenary run``: a scenario under one set of rules, R replicates with their counterfactual variants."""

    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    rules: Rules = field(default_factory=Rules)
    params: Params = field(default_factory=Params)
    seed: int = 0
    replicates: int = 64
    variants: str = "leave_one_type_out"
    attribution: str = "none"
    run_dir: Any = None
    chunk_size: int = 128
    sweep: SweepSpec = field(default_factory=SweepSpec)
    chain: str = "none"          # none | cosp: after the AHC, negotiate the COSP's access rule and its protocol
    cosp: CospSpec = field(default_factory=CospSpec)
    posterior: PosteriorSpec = field(default_factory=PosteriorSpec)
    engine: str = "hydra"        # plenary sweep: hydra (the hydra/launcher: basic, joblib, submitit) | dask
    dask: DaskSpec = field(default_factory=DaskSpec)

    memory_budget_gb: Any = None   # refuse a run whose memory estimate exceeds this (default: half the machine's)

    def __post_init__(self) -> None:
        from sim import memory
        from sim.schema import check_scenario, num

        check_number("posterior.draws", self.posterior.draws, 0, 10**5)
        check_choice("posterior.unfitted", self.posterior.unfitted, UNFITTED)
        check_choice("chain", self.chain, CHAINS)
        num("seed", self.seed, 0, 2**63 - 1, integer=True)
        num("replicates", self.replicates, 1, 10**7, integer=True)
        num("chunk_size", self.chunk_size, 1, 10**6, integer=True)
        check_choice("variants", self.variants, VARIANT_SETS)
        check_choice("attribution", self.attribution, ATTRIBUTIONS)
        check_choice("engine", self.engine, ENGINES)
        if self.run_dir is not None and (not isinstance(self.run_dir, (str, os.PathLike)) or not str(self.run_dir).strip()):
            raise ConfigError("run_dir", f"{self.run_dir!r} is not a folder name", "a path, or null for the default")
        if self.memory_budget_gb is not None:
            num("memory_budget_gb", self.memory_budget_gb, above=0)
        check_scenario(self.scenario)
        memory.check(self)           # before any work: refuse a run that would exceed the memory budget
