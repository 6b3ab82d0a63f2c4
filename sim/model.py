"""The Mesa façade: one negotiation as a ``mesa.Model`` whose ``step()`` is one session.

For notebooks and the dashboard. It wraps a batch of one (replicate ``replicate`` of root seed ``seed``) of the
same engine the sweeps use, so what a workshop sees is exactly what the experiments measure.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import metrics, presets
from sim.agents import Chair, Organisation, StateDelegation
from sim.config import Params, Rules, ScenarioConfig
from sim.engine import Negotiation
from sim.scenario import World, build_world


class NegotiationModel(mesa.Model):
    """A treaty negotiation, session by session.

    Args:
        setting: a ScenarioConfig or a built World (default: the AHC cybercrime scenario).
        rules: participation rules (default: the AHC's 2022-2024 rules).
        params: behavioural parameters (default: LITERATURE.md §8.4).
        replicate: which replicate of the root seed to run.
        variant: (O,) bool mask of organisations that exist (default: all).
        seed: the root seed; with ``replicate`` it fixes every draw.
    """

    def __init__(self, setting: ScenarioConfig | World | None = None, rules: Rules | None = None,
                 params: Params | None = None, *, replicate: int = 0, variant=None, seed: int = 0):
        super().__init__(rng=seed)
        setting = presets.scenario() if setting is None else setting
        world = setting if isinstance(setting, World) else build_world(setting, seed)
        variants = None if variant is None else np.asarray(variant, bool)[None]
        self.engine = Negotiation(world, params or presets.params(), rules or presets.rules(), seed, [replicate],
                                  variants)
        StateDelegation.create_agents(self, world.n_states, list(range(world.n_states)))
        Organisation.create_agents(self, world.n_orgs, list(range(world.n_orgs)))
        self.chair = Chair(self)
        reporters = {"session": lambda m: m.engine.t, "accredited": lambda m: int(m.engine.accredited[0].sum()),
                     "minutes": lambda m: float(m.engine.minutes[0].sum()),
                     "distance_to_compromise": lambda m: float(metrics.distance_to_compromise(m.engine)[0]),
                     "mode": lambda m: metrics.adoption_mode(m.engine)[0]}
        reporters.update({f"draft_{k}": (lambda m, j=j: float(m.engine.d[0, j])) for j, k in enumerate(world.issue_keys)})
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    @property
    def world(self) -> World:
        return self.engine.world

    def step(self) -> None:
        """One session: submissions, plenary, informals, persuasion, the chair's draft, and any decision."""
        self.engine.step()
        self.datacollector.collect(self)
        self.running = not self.engine.done
