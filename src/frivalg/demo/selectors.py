"""Reads of the demo app: is the demo municipality there, and what it holds."""

from __future__ import annotations

from frivalg.core.models import Municipality, User
from frivalg.demo.municipality import LOGINS, Login
from frivalg.demo.people import MUNICIPALITY_CODE


def demo_municipality() -> Municipality | None:
    return Municipality.objects.filter(code=MUNICIPALITY_CODE).first()


def demo_logins() -> list[Login]:
    """The printed logins that exist in the database (all of them after a generation)."""
    existing = set(User.objects.filter(username__in=[login.username for login in LOGINS])
                   .values_list("username", flat=True))
    return [login for login in LOGINS if login.username in existing]


def demo_counts(municipality: Municipality) -> dict[str, int]:
    """How many citizens, decisions and visits the demo municipality holds."""
    return {
        "citizens": municipality.citizens.count(),
        "decisions": municipality.decisions.count(),
        "visits": municipality.visits.count(),
    }
