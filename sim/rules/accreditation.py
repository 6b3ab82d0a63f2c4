"""Accreditation procedures (MODEL.md §4 step 0).

Every procedure sees the same objections, drawn once per state x organisation pair per replicate whatever the rule
(common random numbers): state i objects to organisation o if U_io < pi_obj(stance_i) * contestedness_o.
References: GA res. 75/282 para 9 (AHC non-objection with the Committee deciding); UNTOC/UNCAC COSP rule 17
(single objection); ECOSOC res. 1996/31; Tallberg, Sommerer & Squatrito (majority override vs veto).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np

from sim.rules.registry import Registry


@dataclass(frozen=True)
class AccreditationContext:  # noqa: B903 (a cached_property needs a dict: not slots)
    """What a procedure needs: ECOSOC status, the objection matrix and the states' admission votes."""

    ecosoc: np.ndarray        # (O,) bool
    objections: np.ndarray    # (R,N,O) bool: state i objects to organisation o
    vote_yes: np.ndarray      # (N,O) bool: i would vote to admit o (alignment*receptiveness high)
    vote_no: np.ndarray       # (N,O) bool: i would vote against o even without objecting
    majority: str             # "simple" | "two_thirds"
    veto_applies_to_ecosoc: bool
    flat_objections: np.ndarray | None = None   # np.flatnonzero(objections), when the draw already listed them

    @cached_property
    def _objected(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (replicate, state, organisation) index of every objection: objections are rare, so counting over
        this list is much cheaper than reducing the (R,N,O) matrix."""
        _, n_, o_ = self.objections.shape
        flat = np.flatnonzero(self.objections) if self.flat_objections is None else self.flat_objections
        return flat // (n_ * o_), flat // o_ % n_, flat % o_

    def _count(self, weights=None) -> np.ndarray:
        r, _, o = self._objected
        r_, o_ = self.objections.shape[0], self.objections.shape[2]
        return np.bincount(r * o_ + o, weights=weights, minlength=r_ * o_).reshape(r_, o_)

    def unobjected(self) -> np.ndarray:
        return self._count() == 0

    def vote_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Yes and no votes per (replicate, organisation) on admitting it: objectors vote no, the others by
        vote_yes / vote_no."""
        _, n, o = self._objected
        yes = self.vote_yes.sum(axis=0)[None] - self._count(self.vote_yes[n, o].astype(float))
        no = self.vote_no.sum(axis=0)[None] + self._count((~self.vote_no[n, o]).astype(float))
        return yes.astype(np.int64), no.astype(np.int64)


class AccreditationProcedure:
    """Base class: ``admit(ctx)`` returns an (R,O) bool array of admitted organisations."""

    name: ClassVar[str]
    metadata: ClassVar[dict]

    def admit(self, ctx: AccreditationContext) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


ACCREDITATION = Registry("rules.accreditation.procedure")
register = ACCREDITATION.register


@register
class Open(AccreditationProcedure):
    """Every applicant is admitted."""

    name = "open"
    metadata = {"objections": False, "vote": False, "ecosoc_needed": False}

    def admit(self, ctx):
        return np.ones((ctx.objections.shape[0], len(ctx.ecosoc)), dtype=bool)


@register
class EcosocOnly(AccreditationProcedure):
    """Only organisations in consultative status with ECOSOC."""

    name = "ecosoc_only"
    metadata = {"objections": False, "vote": False, "ecosoc_needed": True}

    def admit(self, ctx):
        return np.broadcast_to(ctx.ecosoc, (ctx.objections.shape[0], len(ctx.ecosoc))).copy()


@register
class SingleStateVeto(AccreditationProcedure):
    """ECOSOC organisations in; others only if no state objects (draft COSP rule 17(2), UNTOC/UNCAC practice)."""

    name = "single_state_veto"
    metadata = {"objections": True, "vote": False, "ecosoc_needed": False}

    def admit(self, ctx):
        clear = ctx.unobjected()
        return clear if ctx.veto_applies_to_ecosoc else clear | ctx.ecosoc


@register
class NonObjectionVote(AccreditationProcedure):
    """As the veto, but an objection goes to a vote of the body (the AHC's rule, GA res. 75/282 para 9).

    Objectors vote against; other states vote for when alignment x receptiveness is high, against when low,
    and abstain otherwise. Passing needs a simple or two-thirds majority of those present and voting.
    """

    name = "non_objection_vote"
    metadata = {"objections": True, "vote": True, "ecosoc_needed": False}

    def admit(self, ctx):
        yes, no = ctx.vote_counts()
        if ctx.majority == "two_thirds":
            passed = (3 * yes >= 2 * (yes + no)) & (yes > 0)
        else:
            passed = yes > no
        clear = ctx.unobjected() | passed
        return clear if ctx.veto_applies_to_ecosoc else clear | ctx.ecosoc


def accreditation_procedure(name: str) -> AccreditationProcedure:
    """The registered rule called ``name``."""
    return ACCREDITATION.create(name)
