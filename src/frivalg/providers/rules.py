"""The life of an approval (godkendelse, LOV, godkjenning) as data. Pure: no Django.

    applied ──▶ approved ◀──▶ suspended
       │           │              │
       ▼           └──▶ terminated ◀┘
    rejected

A rejected or terminated approval is final; the provider applies again to start over."""

from __future__ import annotations

from collections.abc import Mapping

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
