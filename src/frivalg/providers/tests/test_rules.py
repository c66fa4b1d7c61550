from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.providers import rules
from frivalg.providers.models import ApprovalStatus, RequirementOutcome

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


# --- requirements, notice and re-choice --------------------------------------------------------

outcomes = st.sampled_from([rules.PENDING, rules.MET, rules.NOT_MET, rules.NEEDS_MORE])
assessment = st.builds(
    rules.RequirementAssessment,
    code=st.text(min_size=1, max_size=5),
    outcome=outcomes,
    document_required=st.booleans(),
    has_document=st.booleans(),
)


def test_outcome_values_match_the_model():
    assert set(RequirementOutcome.values) == {rules.PENDING, rules.MET, rules.NOT_MET, rules.NEEDS_MORE}


@given(st.lists(assessment, max_size=8))
def test_approve_only_when_every_requirement_is_met(assessments):
    verdict = rules.approval_verdict(assessments)
    fulfilled = all(a.outcome == rules.MET and (a.has_document or not a.document_required) for a in assessments)
    assert verdict.may_approve == fulfilled
    assert verdict.may_approve == (verdict.unmet == ())


@given(st.lists(assessment, min_size=1, max_size=8), st.integers(min_value=0, max_value=7))
def test_a_requirement_not_met_is_listed(assessments, index):
    index %= len(assessments)
    refused = [*assessments]
    refused[index] = rules.RequirementAssessment(code="MISSING", outcome=rules.NOT_MET)
    verdict = rules.approval_verdict(refused)
    assert not verdict.may_approve and "MISSING" in verdict.unmet


def test_no_requirements_published_means_nothing_to_meet():
    assert rules.approval_verdict([]) == rules.ApprovalVerdict(may_approve=True, unmet=())


def test_a_required_document_must_be_there():
    verdict = rules.approval_verdict([rules.RequirementAssessment("INS", rules.MET, document_required=True)])
    assert verdict.unmet == ("INS",)


@pytest.mark.parametrize(
    ("head", "expected"),
    [(b"%PDF-1.7", "application/pdf"), (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
     (b"GIF89a", None), (b"", None)],
)
def test_sniff_content_type(head, expected):
    assert rules.sniff_content_type(head) == expected


def test_document_problem():
    assert rules.document_problem(b"%PDF-", 0) == "empty"
    assert rules.document_problem(b"%PDF-", rules.DOCUMENT_MAX_BYTES) is None
    assert rules.document_problem(b"%PDF-", rules.DOCUMENT_MAX_BYTES + 1) == "too_big"
    assert rules.document_problem(b"<html>", 10) == "wrong_type"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
     (date(2026, 11, 23), 3, date(2027, 2, 23)), (date(2026, 5, 5), 0, date(2026, 5, 5))],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=36))
def test_notice_end_is_never_before_the_notice(day, months):
    end = rules.notice_end(day, months)
    assert end >= day and (end - day).days <= months * 31


def test_negative_notice_is_refused():
    with pytest.raises(ValueError):
        rules.notice_end(date(2026, 1, 1), -1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=-30, max_value=400),
       st.integers(min_value=0, max_value=60))
def test_rechoice_deadline_is_between_today_and_the_end(today, offset, days_before):
    end = today + timedelta(days=offset)
    deadline = rules.rechoice_deadline(end, today, days_before)
    assert deadline >= today
    if end >= today:
        assert deadline <= end


@given(st.one_of(st.none(), st.integers(min_value=1, max_value=500)), st.integers(min_value=0, max_value=600),
       st.booleans())
def test_places_left(capacity, clients, accepting):
    left = rules.places_left(capacity, clients, accepting)
    if not accepting:
        assert left == 0
    elif capacity is None:
        assert left is None
    else:
        assert left == max(capacity - clients, 0) and left >= 0
