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
