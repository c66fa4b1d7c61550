"""The life of an approval (godkendelse, LOV, godkjenning) as data. Pure: no Django.

    applied ──▶ approved ◀──▶ suspended
       │           │              │
       ▼           └──▶ terminated ◀┘
    rejected

A rejected or terminated approval is final; the provider applies again to start over."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

#: The values of providers.models.ApprovalStatus (a test keeps them equal).
APPLIED = "applied"
APPROVED = "approved"
SUSPENDED = "suspended"
TERMINATED = "terminated"
REJECTED = "rejected"

APPROVAL_TRANSITIONS: Mapping[str, frozenset[str]] = {
    APPLIED: frozenset({APPROVED, REJECTED}),
    APPROVED: frozenset({SUSPENDED, TERMINATED}),
    SUSPENDED: frozenset({APPROVED, TERMINATED}),
    TERMINATED: frozenset(),
    REJECTED: frozenset(),
}

#: States from which a provider may apply again (a new application replaces the old row).
REAPPLICABLE: frozenset[str] = frozenset({TERMINATED, REJECTED})

#: Decisions against a provider must give their reason.
NEEDS_REASON: frozenset[str] = frozenset({REJECTED, SUSPENDED, TERMINATED})


def approval_transition_allowed(current: str, new: str) -> bool:
    return new in APPROVAL_TRANSITIONS.get(current, frozenset())


def can_deliver(status: str) -> bool:
    """Only an approved provider takes on and serves clients; a suspended one does neither."""
    return status == APPROVED


def account_is_iban(account: str) -> bool:
    """An account number that starts with two letters (a country code) is an IBAN; anything else
    is a national account number (e.g. a Danish reg. and account number), not checked here."""
    compact = "".join(account.split())
    return len(compact) >= 2 and compact[:2].isascii() and compact[:2].isalpha()


def iban_valid(iban: str) -> bool:
    """ISO 13616: 15–34 letters and digits, a country code, two check digits, and the mod-97
    check — the first four characters moved to the end, each letter replaced by its number
    (A = 10 … Z = 35), the resulting integer leaves remainder 1 when divided by 97."""
    compact = "".join(iban.split()).upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    if not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def bank_account_normalised(account: str) -> str:
    """An IBAN in its electronic form (no spaces, capitals), as invoices carry it; a national
    account number as entered, trimmed."""
    if account_is_iban(account):
        return "".join(account.split()).upper()
    return account.strip()


# --- requirements: the same for everyone ------------------------------------------------------

#: The values of providers.models.RequirementOutcome (a test keeps them equal).
PENDING = "pending"
MET = "met"
NOT_MET = "not_met"
NEEDS_MORE = "needs_more"

#: Uploaded documents: PDF, JPEG or PNG, at most 10 MB, recognised by their first bytes.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_CONTENT_TYPES: frozenset[str] = frozenset({"application/pdf", "image/jpeg", "image/png"})

#: A provider that leaves gives this many months' notice unless the municipality says otherwise.
DEFAULT_NOTICE_MONTHS = 3
#: Clients of a leaving provider choose again at the latest this many days before its end date.
RECHOICE_DAYS_BEFORE_END = 14


@dataclass(frozen=True)
class RequirementAssessment:
    """One requirement as the municipality assessed it for one application."""

    code: str
    outcome: str
    document_required: bool = False
    has_document: bool = False


@dataclass(frozen=True)
class ApprovalVerdict:
    may_approve: bool
    unmet: tuple[str, ...]


def approval_verdict(assessments: Iterable[RequirementAssessment]) -> ApprovalVerdict:
    """An application may be approved only when every published requirement is met (and, where a
    document is required, one was uploaded). Otherwise the codes that are not met, sorted."""
    unmet = tuple(sorted(
        a.code for a in assessments if a.outcome != MET or (a.document_required and not a.has_document)
    ))
    return ApprovalVerdict(may_approve=not unmet, unmet=unmet)


def sniff_content_type(head: bytes) -> str | None:
    """A document's real type from its first bytes (the browser's claim is not trusted)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def document_problem(head: bytes, size: int) -> str | None:
    """None when the file is an acceptable document, else 'empty', 'too_big' or 'wrong_type'."""
    if size <= 0:
        return "empty"
    if size > DOCUMENT_MAX_BYTES:
        return "too_big"
    if sniff_content_type(head) not in DOCUMENT_CONTENT_TYPES:
        return "wrong_type"
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def notice_end(given_on: date, months: int) -> date:
    """The last day of an approval terminated with `months` notice given on `given_on`."""
    if months < 0:
        raise ValueError("notice cannot be negative")
    return add_months(given_on, months)


def rechoice_deadline(end_date: date, today: date, days_before: int = RECHOICE_DAYS_BEFORE_END) -> date:
    """The day by which a client of a leaving provider must choose again: some days before the
    end, but never before today (a suspension from today leaves no time: the deadline is today)."""
    return max(today, min(end_date, end_date - timedelta(days=days_before)))


def places_left(capacity: int | None, clients: int, accepting: bool) -> int | None:
    """Free places of one approval; None when the capacity is open-ended and it takes new clients."""
    if not accepting:
        return 0
    if capacity is None:
        return None
    return max(capacity - clients, 0)
