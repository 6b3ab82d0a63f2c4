"""Agents as views: each reads its row of the engine's arrays (state lives in numpy; MODEL.md §3).

A notebook can inspect ``model.agents`` as it would in any Mesa model; nothing here holds state of its own, so
the batched engine and the agents never disagree.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.enums import OrgType, Stance


class RowView(mesa.Agent):
    """An agent that is row ``index`` of the engine's arrays (batch row 0 of the model's engine)."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _world(self):
        return self.model.engine.world


class StateDelegation(RowView):
    """A member state's delegation (row ``index`` of the state arrays)."""

    @property
    def iso(self) -> str:
        return str(self._world.state_iso[self.index])

    @property
    def name(self) -> str:
        return str(self._world.state_name[self.index])

    @property
    def bloc(self) -> str:
        return self._world.bloc_keys[self._world.bloc[self.index]]

    @property
    def stance(self) -> Stance:
        return Stance(self._world.stance[self.index])

    @property
    def ideal(self) -> np.ndarray:
        """Instructed ideal point per provision (this replicate's, with noise)."""
        return self.model.engine.x[0, self.index]

    @property
    def position(self) -> np.ndarray:
        """Current negotiating position per provision."""
        return self.model.engine.p[0, self.index]

    @property
    def anchor(self) -> np.ndarray:
        """The Friedkin-Johnsen anchor per provision: the ideal point plus what the delegation kept of what it heard
        (Params.anchor_persistence; Friedkin & Johnsen 2011)."""
        return self.model.engine.anchor[0, self.index]

    @property
    def salience(self) -> np.ndarray:
        return self._world.salience[self.index]

    @property
    def objections(self) -> np.ndarray:
        """Indices of the organisations this state objected to at accreditation."""
        return np.flatnonzero(self.model.engine.objection_matrix[0, self.index])


class Organisation(RowView):
    """An accredited (or refused) stakeholder organisation (row ``index`` of the organisation arrays)."""

    @property
    def org_type(self) -> OrgType:
        return OrgType(self._world.org_type[self.index])

    @property
    def ecosoc(self) -> bool:
        return bool(self._world.ecosoc[self.index])

    @property
    def lobbying_targets(self) -> dict[str, float]:
        """Share of this organisation's corridor budget spent on each bloc and on the chair (sim.lobbying)."""
        eng = self.model.engine
        shares = {key: float(eng.lobby_bloc_share[b, self.index]) for b, key in enumerate(self._world.bloc_keys)}
        return {**shares, "chair": float(eng.lobby_chair[self.index])}

    @property
    def accredited(self) -> bool:
        return bool(self.model.engine.accredited[0, self.index])

    @property
    def coalition(self) -> str:
        return self._world.coalition_keys[self._world.coalition[self.index]]

    @property
    def position(self) -> np.ndarray:
        """Ideal point per provision (stakeholders are stubborn sources: Acemoglu et al. 2013)."""
        return self._world.y[self.index]

    @property
    def salience(self) -> np.ndarray:
        return self._world.sigma[self.index]

    @property
    def statements(self) -> float:
        """Statement credit received so far (joint statements are shared among coalition members)."""
        return float(self.model.engine.statements[0, :, self.index].sum())


class Chair(mesa.Agent):
    """The chair, who writes the draft text (Tallberg 2010)."""

    @property
    def draft(self) -> np.ndarray:
        return self.model.engine.d[0]
