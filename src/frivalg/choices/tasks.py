"""Background task of choices (django-tasks): the nightly default assignment for decisions whose
choice deadline has passed, run by `frivalg db_worker` — or at once with FRIVALG_TASKS_IMMEDIATE."""

from datetime import date

from django_tasks import task

from frivalg.choices.services import choices_assign_defaults
from frivalg.core.models import Municipality


@task()
def choices_assign_defaults_task(municipality_id: int, today: str) -> int:
    """Assign by the municipality's default rule as of a day (ISO); returns how many were assigned."""
    municipality = Municipality.objects.get(pk=municipality_id)
    result = choices_assign_defaults(actor=None, municipality=municipality, today=date.fromisoformat(today))
    return len(result.assigned)
