"""Writes of the demo app: generate the demo municipality, or remove it. The generation is one
transaction with its audit row; on SQLite it runs with fast, crash-safe settings (see
`_bulk_session`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

from django.apps import apps
from django.db import connection, models, transaction

from frivalg.catalogue.models import FsiiiConcept
from frivalg.catalogue.services import fsiii_load
from frivalg.core.models import Municipality, User
from frivalg.core.services import audit_record
from frivalg.demo.loader import Loader, OrmLoader
from frivalg.demo.market import market_delete, market_generate
from frivalg.demo.municipality import LOGINS, PROVIDERS, DemoReport, DemoSpec, MunicipalityGenerator, Stage
from frivalg.demo.selectors import demo_municipality
from frivalg.guidelines.services import guideline_seed_default


class DemoExistsError(Exception):
    """The database holds the demo municipality already (reset it first)."""


@contextmanager
def _bulk_session() -> Iterator[None]:
    """SQLite only, for the duration of the generation: no fsync per transaction (an application
    crash cannot corrupt the file, a power cut in that minute could — acceptable for a generated
    demo), a 256 MB page cache, temporary data in memory, a helper thread for sorting when the
    indexes are built, and foreign keys checked once at the end
    (Django's loaddata does the same) instead of on every row. Inside an outer transaction (a
    test) SQLite allows none of this, and nothing changes."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    fast = {"synchronous": "OFF", "cache_size": "-262144", "temp_store": "MEMORY", "threads": "2"}
    with connection.cursor() as cursor:
        before = {}
        for pragma, value in fast.items():
            cursor.execute(f"PRAGMA {pragma}")
            before[pragma] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {pragma} = {value}")
    try:
        with connection.constraint_checks_disabled():
            yield
    finally:
        with connection.cursor() as cursor:
            for pragma, value in before.items():
                cursor.execute(f"PRAGMA {pragma} = {int(value)}")


def demo_generate(*, spec: DemoSpec, progress: bool = True, reference: bool = False,
                  check: bool = True) -> DemoReport:
    """Generate the demo municipality. `reference` writes row by row through the ORM (the
    benchmark's yardstick); `check` verifies every foreign key before committing."""
    if demo_municipality() is not None:
        raise DemoExistsError("The demo municipality exists already.")
    if not FsiiiConcept.objects.exists():
        fsiii_load()
    with _bulk_session(), transaction.atomic():
        loader = (OrmLoader if reference else Loader)(connection)
        report = MunicipalityGenerator(spec, loader, progress=progress).run()
        market_generate(report)
        if check:
            started, cpu = time.perf_counter(), time.process_time()
            connection.check_constraints(table_names=list(loader.written))
            report.stages.append(Stage("check", time.perf_counter() - started, 0, time.process_time() - cpu))
        # The service guidelines go through their services, as a head of assessment would publish them.
        guideline_seed_default(actor=User.objects.get(username="manager"),
                               municipality=Municipality.objects.get(pk=report.municipality_id),
                               valid_from=report.history_start)
        payload = {
            "spec": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(spec).items()},
            "counts": report.counts,
            "visit_window": [report.visit_start.isoformat(), report.visit_end.isoformat()],
            "full_visit_history": report.full_visit_history,
            "seconds": round(report.seconds, 2),
        }
        audit_record(actor=None, municipality_id=report.municipality_id, action="demo.generate",
                     object_type="municipality", object_id=str(report.municipality_id), payload=payload)
    return report


def _raw_delete(queryset: models.QuerySet[models.Model]) -> int:
    """One DELETE statement, no signals, no collection. Safe inside the transaction because
    Django's foreign keys are deferred: whatever still points at a deleted row fails the commit."""
    return int(queryset._raw_delete(queryset.db))


@transaction.atomic
def demo_delete() -> int:
    """Remove the demo municipality and everything that belongs to it: every row with its
    `municipality`, rows of other tables that hang on those (scores, settlement lines), its
    providers (recognised by their organisation numbers) with their staff, and the demo logins.
    Returns the number of rows deleted."""
    municipality = demo_municipality()
    if municipality is None:
        return 0
    provider_model = apps.get_model("providers", "Provider")
    staff_model = apps.get_model("providers", "StaffMember")
    provider_ids = list(provider_model.objects.filter(org_number__in=[p.org_number for p in PROVIDERS])
                        .values_list("pk", flat=True))
    user_ids = set(User.objects.filter(municipality=municipality).values_list("pk", flat=True))
    user_ids |= set(User.objects.filter(username__in=[login.username for login in LOGINS]).values_list("pk", flat=True))
    user_ids |= set(staff_model.objects.filter(provider_id__in=provider_ids, user__isnull=False)
                    .values_list("user_id", flat=True))
    user_ids |= set(municipality.citizens.filter(user__isnull=False).values_list("user_id", flat=True))
    scoped: list[type[models.Model]] = []
    for model in apps.get_models():
        if model in (User, type(municipality)):
            continue
        if any(f.is_relation and f.name == "municipality" for f in model._meta.concrete_fields):
            scoped.append(model)
    deleted = market_delete(municipality)
    for model in apps.get_models():
        if model in scoped or model in (User, type(municipality)):
            continue
        for fk in model._meta.concrete_fields:
            if fk.is_relation and fk.related_model in scoped:
                deleted += _raw_delete(model._base_manager.filter(**{f"{fk.name}__municipality": municipality}))
    for model in scoped:
        deleted += _raw_delete(model._base_manager.filter(municipality=municipality))
    deleted += _raw_delete(staff_model._base_manager.filter(provider_id__in=provider_ids))
    deleted += _raw_delete(provider_model.districts.through._base_manager.filter(provider_id__in=provider_ids))
    deleted += _raw_delete(provider_model._base_manager.filter(pk__in=provider_ids))
    deleted += User.objects.filter(pk__in=user_ids).delete()[0]
    deleted += _raw_delete(type(municipality)._base_manager.filter(pk=municipality.pk))
    return deleted
