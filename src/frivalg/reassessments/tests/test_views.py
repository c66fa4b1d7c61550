"""The reassessment pages: the assessor's queue, flags with their evidence and actions, the
manager's team workload, overdue list and policy — and who is kept out."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from frivalg.assessments.models import Assessment
from frivalg.core import roles
from frivalg.core.models import AuditEvent, User
from frivalg.core.tests.factories import UserFactory
from frivalg.reassessments.models import Flag, PolicySetting
from frivalg.reassessments.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def due(assessment, days_from_today):
    Assessment.objects.filter(pk=assessment.pk).update(
        next_reassessment_due=timezone.localdate() + timedelta(days=days_from_today))


@pytest.fixture
def manager(world):
    """A needs assessor with the team view and guideline permissions of the assessment_manager
    role, given directly: core's role menus (frivalg_ui.MENUS) have no entry for that role yet."""
    user = UserFactory(username="boss", role="needs_assessor", municipality=world.muni)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="core", codename__in=[roles.CASEWORK_TEAM_VIEW.codename,
                                                      roles.GUIDELINE_MANAGE.codename]))
    return User.objects.get(pk=user.pk)


def test_the_queue_shows_overdue_in_words_and_links_to_the_citizen(client, world):
    due(world.assessment, -3)
    flag = FlagFactory(citizen=world.citizen)
    client.force_login(world.assessor)
    response = client.get(reverse("reassessments:queue"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Overdue by 3 days" in html
    assert reverse("assessments:citizen", args=[world.citizen.public_id]) in html
    assert reverse("reassessments:flag", args=[flag.public_id]) in html
    assert "3 missed visits in 30 days" in html


def test_the_queue_sorts_by_due_date(client, world):
    world.neighbour.caseworker = world.assessor
    world.neighbour.save()
    due(world.assessment, 5)
    due(world.neighbour_assessment, -2)
    client.force_login(world.assessor)
    ascending = client.get(reverse("reassessments:queue"))
    assert [item["row"].citizen.first_name for item in ascending.context["rows"]] == ["Poul", "Karen"]
    descending = client.get(reverse("reassessments:queue"), {"sort": "-due"})
    assert [item["row"].citizen.first_name for item in descending.context["rows"]] == ["Karen", "Poul"]
    assert "Due in 5 days" in descending.content.decode()


@pytest.mark.parametrize("name", ["queue", "team", "policy", "flags"])
def test_provider_people_are_kept_out(client, world, name):
    client.force_login(world.private_admin)
    assert client.get(reverse(f"reassessments:{name}")).status_code == 403


def test_an_assessor_is_kept_out_of_the_team_pages(client, world):
    client.force_login(world.assessor)
    assert client.get(reverse("reassessments:team")).status_code == 403
    assert client.get(reverse("reassessments:policy")).status_code == 403
    assert client.post(reverse("reassessments:refresh")).status_code == 403


def test_the_team_page_shows_workload_and_overdue(client, world, manager):
    due(world.assessment, -4)
    due(world.foreign_assessment, -4)
    client.force_login(manager)
    response = client.get(reverse("reassessments:team"))
    assert response.status_code == 200
    assert [item["row"].citizen.first_name for item in response.context["overdue"]] == ["Karen"]
    html = response.content.decode()
    assert "Overdue by 4 days" in html
    assert "Anders" not in html


def test_refresh_from_the_team_page_runs_the_task(client, world, manager, django_capture_on_commit_callbacks):
    due(world.assessment, 400)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reassessments:refresh"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="reassessment.flags_refresh", actor=manager).exists()
    world.assessment.refresh_from_db()
    assert world.assessment.next_reassessment_due == world.assessment.assessed_on.replace(
        year=world.assessment.assessed_on.year + 1)


def test_the_policy_form_saves_and_shows_field_errors(client, world, manager):
    client.force_login(manager)
    page = client.get(reverse("reassessments:policy"))
    assert page.status_code == 200
    assert 'for="id_standard_months"' in page.content.decode()
    values = dict(page.context["form"].initial)
    bad = client.post(reverse("reassessments:policy"), {**values, "standard_months": "0", "high_care_months": "x"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"standard_months", "high_care_months"}
    assert "There is a problem" in bad.content.decode()
    longer = client.post(reverse("reassessments:policy"), {**values, "high_care_months": "24"})
    assert "cannot be longer than the standard interval" in longer.content.decode()
    saved = client.post(reverse("reassessments:policy"), {**values, "standard_months": "18"})
    assert saved.status_code == 302
    assert PolicySetting.objects.get(municipality=world.muni).standard_months == 18


def test_a_flag_page_shows_evidence_and_acknowledge_then_resolve(client, world):
    flag = FlagFactory(citizen=world.citizen, kind="time_above", decision=world.decision,
                       period_from=world.decision.valid_from, period_to=world.decision.valid_from,
                       evidence={"threshold_percent": 20, "months": [
                           {"month": "2026-01", "granted_minutes": 600, "performed_minutes": 792, "percent": 132},
                           {"month": "2026-02", "granted_minutes": 600, "performed_minutes": 768, "percent": 128},
                           {"month": "2026-03", "granted_minutes": 600, "performed_minutes": 846, "percent": 141}]})
    client.force_login(world.assessor)
    url = reverse("reassessments:flag", args=[flag.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "Jan 2026 132 % · Feb 2026 128 % · Mar 2026 141 % of granted time" in page.content.decode()
    assert client.post(url, {"action": "acknowledge", "note": ""}).status_code == 302
    flag.refresh_from_db()
    assert flag.status == "acknowledged"
    missing_note = client.post(url, {"action": "resolve", "note": ""})
    assert missing_note.status_code == 200
    assert "note" in missing_note.context["form"].errors
    assert client.post(url, {"action": "resolve", "note": "Reassessed."}).status_code == 302
    flag.refresh_from_db()
    assert flag.status == "resolved"
    assert AuditEvent.objects.filter(action="flag.resolve", object_id=str(flag.public_id)).exists()


def test_a_flag_of_another_municipality_is_not_found(client, world):
    flag = FlagFactory(citizen=world.foreigner)
    client.force_login(world.assessor)
    assert client.get(reverse("reassessments:flag", args=[flag.public_id])).status_code == 404
    assert client.post(reverse("reassessments:flag", args=[flag.public_id]),
                       {"action": "resolve", "note": "x"}).status_code == 404


def test_the_flag_list_filters_by_status(client, world):
    FlagFactory(citizen=world.citizen)
    client.force_login(world.assessor)
    assert len(client.get(reverse("reassessments:flags")).context["flags"]) == 1
    assert len(client.get(reverse("reassessments:flags"), {"status": "resolved"}).context["flags"]) == 0
    assert len(client.get(reverse("reassessments:flags"), {"status": "nonsense"}).context["flags"]) == 1


def test_the_management_command(world, capsys):
    from frivalg.visits.models import Absence

    Absence.objects.create(municipality=world.muni, citizen=world.citizen, kind="hospital", start="2026-04-01")
    call_command("reassessment_flags", "--municipality", "T001", "--as-of", "2026-04-10")
    call_command("reassessment_flags", "--municipality", "T001", "--as-of", "2026-04-10")
    assert Flag.objects.filter(kind="hospital_stay").count() == 1
    assert "Flags raised: 0." in capsys.readouterr().out


def test_the_management_command_refuses_bad_input(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reassessment_flags", "--municipality", "NOPE")
    with pytest.raises(CommandError):
        call_command("reassessment_flags", "--municipality", "T001", "--as-of", "10/04/2026")
