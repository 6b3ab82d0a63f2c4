"""Discrete states of the model, as enums (stored in arrays as their integer values)."""

from enum import IntEnum


class OrgType(IntEnum):
    """The six organisation types of MODEL.md §3."""

    HUMAN_RIGHTS = 0
    DIGITAL_RIGHTS = 1
    CHILD_PROTECTION = 2
    INDUSTRY = 3
    ACADEMIA = 4
    LAW_ENFORCEMENT = 5

    @property
    def key(self) -> str:
        return self.name.lower()


class Stance(IntEnum):
    """A state's stance on stakeholder access (the three camps on COSP rules 14-17)."""

    OPEN = 0
    LIMITED = 1
    OPPOSED = 2


class Vote(IntEnum):
    """A recorded vote (UNGA 74/247 coding)."""

    YES = 0
    NO = 1
    ABSTAIN = 2
    NOT_RECORDED = 3


class SessionKind(IntEnum):
    """Substantive sessions negotiate; a concluding session also decides; a resumed one runs only after failure."""

    SUBSTANTIVE = 0
    CONCLUDING = 1
    RESUMED = 2


class AdoptionMode(IntEnum):
    """How the negotiation ended (MODEL.md §4 step 6)."""

    PENDING = 0
    CONSENSUS = 1
    CONSENSUS_AFTER_VOTES = 2
    VOTE = 3
    FAILED = 4

    @property
    def label(self) -> str:
        return self.name.lower()
