"""Accreditation procedures on hand-made objection matrices, and their ordering as a property."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.rules import ACCREDITATION, AccreditationContext, accreditation_procedure

# 3 states x 4 organisations; org 0 ECOSOC; org 1 objected by state 0; org 2 objected by states 0 and 1; org 3 clear
OBJ = np.array([[[False, True, True, False], [False, False, True, False], [False, False, False, False]]])
ECOSOC = np.array([True, False, False, False])
YES = np.array([[False, False, False, False], [True, True, False, True], [True, True, True, True]])
NO = np.zeros((3, 4), bool)


def ctx(majority="simple", veto_ecosoc=False, obj=OBJ, ecosoc=ECOSOC, yes=YES, no=NO):
    return AccreditationContext(ecosoc, obj, yes, no, majority, veto_ecosoc)


def test_open_admits_everyone():
    assert accreditation_procedure("open").admit(ctx()).all()


def test_ecosoc_only_admits_exactly_ecosoc():
    np.testing.assert_array_equal(accreditation_procedure("ecosoc_only").admit(ctx())[0], ECOSOC)


def test_single_state_veto_by_hand():
    np.testing.assert_array_equal(accreditation_procedure("single_state_veto").admit(ctx())[0],
                                  [True, False, False, True])


def test_veto_can_apply_to_ecosoc_too():
    obj = OBJ.copy()
    obj[0, 2, 0] = True
    admitted = accreditation_procedure("single_state_veto").admit(ctx(veto_ecosoc=True, obj=obj))[0]
    np.testing.assert_array_equal(admitted, [False, False, False, True])


def test_non_objection_vote_by_hand():
    # org 1: yes = states 1, 2 (2), no = objector 0 (1): passes both majorities.
    # org 2: yes = state 2 (1), no = objectors 0, 1 (2): fails.
    proc = accreditation_procedure("non_objection_vote")
    np.testing.assert_array_equal(proc.admit(ctx())[0], [True, True, False, True])
    np.testing.assert_array_equal(proc.admit(ctx("two_thirds"))[0], [True, True, False, True])
    # with state 2 abstaining on org 1, yes 1 vs no 1: fails a simple majority
    yes = YES.copy()
    yes[2, 1] = False
    np.testing.assert_array_equal(proc.admit(ctx(yes=yes))[0], [True, False, False, True])


def test_every_procedure_is_registered_with_metadata():
    assert set(ACCREDITATION) == {"open", "ecosoc_only", "non_objection_vote", "single_state_veto"}
    for cls in ACCREDITATION.values():
        assert cls.name and isinstance(cls.metadata, dict)


@settings(max_examples=60, deadline=None)
@given(arrays(bool, (2, 6, 8)), arrays(bool, 8), arrays(bool, (6, 8)), arrays(bool, (6, 8)),
       st.sampled_from(["simple", "two_thirds"]), st.booleans())
def test_veto_never_admits_more_than_a_vote_and_open_admits_most(obj, ecosoc, yes, no, majority, veto_ecosoc):
    c = ctx(majority, veto_ecosoc, obj, ecosoc, yes, no)
    veto = accreditation_procedure("single_state_veto").admit(c)
    vote = accreditation_procedure("non_objection_vote").admit(c)
    assert (veto <= vote).all()
    assert (vote <= accreditation_procedure("open").admit(c)).all()
