"""Stakeholders and closed informal negotiations (MODEL.md §4 step 3).

Excluded stakeholders reach informals only through allied delegations (Böhmelt, Koubi & Bernauer 2014; the ATT
Control Arms experience); observers hear the talks and relay views with partial weight; participants take part.
``in_room`` is the share of a plenary statement's exposure a stakeholder gets per unit of informal time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sim.rules.registry import Registry

if TYPE_CHECKING:                      # sim.config reads this registry's names: no import cycle at run time
    from sim.config import Params


class InformalsPolicy:
    name: ClassVar[str]
    metadata: ClassVar[dict]

    def in_room(self, params: Params) -> float:  # pragma: no cover - interface
        raise NotImplementedError


INFORMALS = Registry("rules.informals")
register = INFORMALS.register


@register
class Excluded(InformalsPolicy):
    """Closed informals (the AHC from its fifth session; Depledge 2005)."""

    name = "excluded"
    metadata = {"present": False}

    def in_room(self, params):
        return 0.0


@register
class Observers(InformalsPolicy):
    """Stakeholders may observe informals but not speak."""

    name = "observers"
    metadata = {"present": True}

    def in_room(self, params):
        return params.observer_exposure


@register
class Participants(InformalsPolicy):
    """Stakeholders take the floor in informals as in plenary."""

    name = "participants"
    metadata = {"present": True}

    def in_room(self, params):
        return 1.0


def informals_policy(name: str) -> InformalsPolicy:
    """The registered rule called ``name``."""
    return INFORMALS.create(name)
