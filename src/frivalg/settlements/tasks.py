"""Background tasks of settlements (django-tasks): queued by the services, run by
`frivalg db_worker` — or at once with FRIVALG_TASKS_IMMEDIATE (docs/configuration.md)."""

from django_tasks import task

from frivalg.settlements.services import settlement_batch_run


@task()
def settlement_batch_task(batch_id: int) -> str:
    """Compute a queued month (settlement_batch_run): the batch records progress and outcome."""
    return str(settlement_batch_run(batch_id=batch_id).status)
