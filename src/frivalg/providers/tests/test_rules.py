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


@pytest.mark.parametrize("iban", ["DE89370400440532013000", "GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32",
                                  "DK5000400440116243", "NO9386011117947", "SE4550000000058398257466"])
def test_a_valid_iban_passes_the_mod_97_check(iban):
    assert rules.account_is_iban(iban)
    assert rules.iban_valid(iban)


@pytest.mark.parametrize("iban", ["DE88370400440532013000", "GB83WEST12345698765432", "DE8937040044053201300",
                                  "DE89 3704 0044 0532 0130 0!", "DEXX370400440532013000", "DE89"])
def test_a_wrong_check_digit_or_shape_fails(iban):
    assert not rules.iban_valid(iban)


def test_a_national_account_number_is_not_an_iban():
    assert not rules.account_is_iban("1234 5678901234")
    assert rules.bank_account_normalised(" 1234 5678901234 ") == "1234 5678901234"
    assert rules.bank_account_normalised("gb82 west 1234 5698 7654 32") == "GB82WEST12345698765432"
