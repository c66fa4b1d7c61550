"""Background tasks of reassessments (django-tasks): the nightly or on-demand refresh of flags
and due dates, run by `frivalg db_worker` — or at once with FRIVALG_TASKS_IMMEDIATE."""

from datetime import date

from django_tasks import task

from frivalg.core.models import Municipality, User
from frivalg.reassessments.services import reassessment_flags_refresh


@task()
def reassessment_flags_task(municipality_id: int, as_of: str, actor_id: int | None = None) -> int:
    """Refresh one municipality's flags and due dates as of a day (ISO); returns the flags raised."""
    actor = User.objects.get(pk=actor_id) if actor_id is not None else None
    municipality = Municipality.objects.get(pk=municipality_id)
    result = reassessment_flags_refresh(actor=actor, municipality=municipality, as_of=date.fromisoformat(as_of))
    return result.raised_total
