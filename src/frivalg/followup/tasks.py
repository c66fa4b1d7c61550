"""Background tasks of follow-up (django-tasks): queued by the services, run by
`frivalg db_worker` — or at once with FRIVALG_TASKS_IMMEDIATE (docs/configuration.md)."""

from django_tasks import task

from frivalg.followup.report_services import annual_report_run


@task()
def annual_report_task(report_id: int) -> str:
    """Make a queued annual competition report (annual_report_run): the report records its
    progress and outcome."""
    return str(annual_report_run(report_id=report_id).status)
