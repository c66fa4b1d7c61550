from itertools import product

import pytest

from frivalg.providers import rules
from frivalg.providers.models import ApprovalStatus

STATUSES = list(rules.APPROVAL_TRANSITIONS)


def test_statuses_are_the_model_choices():
    assert set(STATUSES) == set(ApprovalStatus.values)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("applied", "approved"),
        ("applied", "rejected"),
        ("approved", "suspended"),
        ("approved", "terminated"),
        ("suspended", "approved"),
        ("suspended", "terminated"),
    ],
)
def test_allowed_transitions(current, new):
    assert rules.approval_transition_allowed(current, new)


def test_every_other_transition_is_refused():
    allowed = {
        ("applied", "approved"),
        ("applied", "rejected"),
        ("approved", "suspended"),
        ("approved", "terminated"),
        ("suspended", "approved"),
        ("suspended", "terminated"),
    }
    for current, new in product(STATUSES, repeat=2):
        assert rules.approval_transition_allowed(current, new) is ((current, new) in allowed)
    assert not rules.approval_transition_allowed("unknown", "approved")


def test_final_states_can_be_applied_for_again_and_adverse_decisions_need_reasons():
    assert all(not rules.APPROVAL_TRANSITIONS[state] for state in rules.REAPPLICABLE)
    assert {"rejected", "suspended", "terminated"} == rules.NEEDS_REASON
    assert [s for s in STATUSES if rules.can_deliver(s)] == ["approved"]
