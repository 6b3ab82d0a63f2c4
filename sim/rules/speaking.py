"""Allocation of stakeholder speaking slots in open plenary (MODEL.md §4 step 2).

Stakeholders speak after member states on each agenda item, time permitting, and were encouraged to choose
spokespersons (A/AC.291/6 annex II). A slot goes to a speaker group with probability proportional to the summed
resources of its accredited members [ASSUMP, LITERATURE §8.3]; a statement by a group of n organisations carries
weight n^chi spread over its members (joint positions weigh more: Klüver 2011, coalition size drives success).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.rules.registry import Registry


class SpeakingAllocation:
    """Base class: ``groups(world)`` gives each organisation's speaker group and the number of groups."""

    name: ClassVar[str]
    metadata: ClassVar[dict]
    uses_coalition_weight: ClassVar[bool]

    def groups(self, coalition: np.ndarray) -> tuple[np.ndarray, int]:  # pragma: no cover - interface
        raise NotImplementedError


SPEAKING = Registry("rules.speaking")
register = SPEAKING.register


@register
class CoalitionSpokespersons(SpeakingAllocation):
    """Slots go to coalitions; a spokesperson speaks for all accredited members (the AHC practice)."""

    name = "coalition_spokespersons"
    metadata = {"joint_statements": True}
    uses_coalition_weight = True

    def groups(self, coalition):
        return coalition, int(coalition.max()) + 1


@register
class Individual(SpeakingAllocation):
    """Every organisation queues for itself; no joint statements."""

    name = "individual"
    metadata = {"joint_statements": False}
    uses_coalition_weight = False

    def groups(self, coalition):
        return np.arange(len(coalition)), len(coalition)


def speaking_allocation(name: str) -> SpeakingAllocation:
    """The registered rule called ``name``."""
    return SPEAKING.create(name)
