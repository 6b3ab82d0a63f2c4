"""Shared fixtures: the default scenario's world, and a 3-state, 2-organisation toy world for hand computation."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from sim import presets
from sim.enums import OrgType, SessionKind, Stance, Vote
from sim.scenario import World, build_world

matplotlib.use("Agg")      # tests draw to files; sim.plotting leaves the backend alone (notebooks keep inline)

SEED = 20241224


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(presets.scenario(), SEED)


@pytest.fixture(scope="session")
def params():
    return presets.params()


@pytest.fixture(scope="session")
def rules():
    return presets.rules()


def toy_world(**changes) -> World:
    """3 states (blocs A: states 0,1; B: state 2), 2 organisations, 2 issues (political, technical), 2 sessions."""
    n, o = 3, 2
    x = np.array([[20.0, 40.0], [40.0, 60.0], [80.0, 70.0]])
    y = np.array([[30.0, 45.0], [90.0, 90.0]])
    fields = dict(
        name="toy", issue_keys=("political", "technical"), issue_labels=("political", "technical"),
        technical=np.array([False, True]), fallback=np.array([100.0, 0.0]),
        state_iso=np.array(["AA", "BB", "CC"]), state_name=np.array(["A", "B", "C"]),
        region=np.array(["R", "R", "S"]), bloc=np.array([0, 0, 1]), bloc_keys=("A", "B"), bloc_starts=np.array([0, 2]),
        theta=np.array([-1.0, 0.0, 1.0]), x_base=x, x_novote=x, noise_sd=0.0,
        salience=np.array([[0.5, 0.5], [0.5, 0.25], [1.0 / 3.0, 0.5]]), capability=np.array([1.0, 1.0, 2.0]),
        democracy=np.array([1.0, 0.5, 0.0]), stance=np.array([Stance.OPEN, Stance.LIMITED, Stance.OPPOSED]),
        treaty_value=np.array([4.0, 8.0, 12.0]), cohesion=np.array([0.5, 0.5, 0.5]), capacity=np.ones(n),
        vote74=np.array([Vote.NO, Vote.ABSTAIN, Vote.YES]), eu=np.zeros(n, bool),
        budapest=np.array(["party", "none", "none"]), vote_yes_above=60.0, vote_no_below=40.0,
        org_type=np.array([OrgType.HUMAN_RIGHTS, OrgType.LAW_ENFORCEMENT]), ecosoc=np.array([False, True]),
        y=y, sigma=np.array([[0.5, 0.5], [0.5, 0.5]]), credibility=np.array([[0.5, 0.8], [0.5, 0.8]]),
        resources=np.array([1.0, 1.0]), contested=np.array([0.9, 0.1]), coalition=np.array([0, 1]),
        coalition_keys=("c0", "c1"), alignment=1.0 - np.abs(x[:, None, :] - y[None]).mean(axis=2) / 100.0,
        bloc_alignment=np.zeros((2, o)), session_keys=("s1", "final"), session_labels=("s1", "final"),
        session_kind=np.array([SessionKind.SUBSTANTIVE, SessionKind.CONCLUDING]),
        session_minutes=np.array([3600.0, 3600.0]), intersessional=np.array([True, False]), agenda_items=2,
        state_queue_minutes=6.0)
    fields["bloc_alignment"] = np.stack([fields["alignment"][:2].mean(axis=0), fields["alignment"][2]])
    fields.update(changes)
    return World(**fields)
