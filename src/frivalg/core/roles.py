"""Roles are Django groups; what a role may do is a set of named permissions, each declared
here once with a description. Entry points declare the permission they need; selectors add
the scope (municipality, caseload, own provider, own records)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Permission:
    codename: str
    description: Any  # a lazy translation

    @property
    def full_name(self) -> str:
        return f"core.{self.codename}"


# Citizens' records
CITIZEN_VIEW_MUNICIPALITY = Permission("citizen_view_municipality", _("See every citizen of the municipality"))
CITIZEN_VIEW_CASELOAD = Permission("citizen_view_caseload", _("See the citizens in one's own caseload"))
CITIZEN_VIEW_NATIONAL_ID = Permission("citizen_view_national_id", _("See national id numbers"))
CITIZEN_VIEW_OWN = Permission("citizen_view_own", _("See one's own records, or those held by power of attorney"))
CITIZEN_MANAGE = Permission("citizen_manage", _("Register citizens and powers of attorney"))
# Assessment and decisions
ASSESSMENT_RECORD = Permission("assessment_record", _("Record needs assessments"))
DECISION_GRANT = Permission("decision_grant", _("Grant, end and change decisions"))
DECISION_APPEAL_OWN = Permission(
    "decision_appeal_own", _("Appeal one's own decisions, or those held by power of attorney"))
GUIDELINE_MANAGE = Permission("guideline_manage", _("Edit the service guidelines"))
CASEWORK_TEAM_VIEW = Permission(
    "casework_team_view", _("See the team's caseloads, workload and overdue reassessments"))
WAITING_LIST_MANAGE = Permission("waiting_list_manage", _("Manage waiting lists and allocate freed places"))
CHANGE_REQUEST_SEND = Permission(
    "change_request_send", _("Send a decision's start, stop and change requests for one's provider"))
# Choice
CHOICE_MAKE_OWN = Permission("choice_make_own", _("Choose or switch provider for one's own decisions"))
CHOICE_MAKE_MUNICIPALITY = Permission("choice_make_municipality", _("Record choices and default assignments"))
# Providers and their clients
PROVIDER_VIEW_CLIENTS = Permission("provider_view_clients", _("See the citizens one's provider delivers to"))
PROVIDER_MANAGE = Permission("provider_manage", _("Approve, suspend and terminate providers"))
# Visits
VISIT_VIEW_PROVIDER = Permission("visit_view_provider", _("See all visits of one's provider"))
VISIT_VIEW_OWN = Permission("visit_view_own", _("See one's own visits today"))
VISIT_CHECK = Permission("visit_check", _("Check visits in and out"))
VISIT_IMPORT = Permission("visit_import", _("Import visits from a provider's system"))
# Money
RATE_MANAGE = Permission("rate_manage", _("Set rate tables"))
SETTLEMENT_RUN = Permission("settlement_run", _("Create settlement runs"))
SETTLEMENT_APPROVE = Permission("settlement_approve", _("Approve and export settlement runs"))
SETTLEMENT_VIEW_PROVIDER = Permission("settlement_view_provider", _("Read one's own provider's settlements"))
# Market
TENDER_MANAGE = Permission("tender_manage", _("Run tenders and manage contracts"))
TENDER_BID = Permission("tender_bid", _("Ask questions and submit bids for one's provider"))
FOLLOWUP_VIEW = Permission("followup_view", _("See aggregate key figures of the market"))
FOLLOWUP_MANAGE = Permission(
    "followup_manage", _("Keep the competition task list and benchmark figures; generate the annual report"))
# Administration
AUDIT_VIEW = Permission("audit_view", _("Read the audit trail"))
USER_MANAGE = Permission("user_manage", _("Manage users and their roles"))

ALL_PERMISSIONS: tuple[Permission, ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Permission)
)


@dataclass(frozen=True)
class Role:
    name: str
    label: Any
    permissions: tuple[Permission, ...]
    staff_of_municipality: bool


CITIZEN = Role("citizen", _("Citizen"), (CITIZEN_VIEW_OWN, CHOICE_MAKE_OWN, DECISION_APPEAL_OWN), False)
RELATIVE = Role(
    "relative", _("Relative with power of attorney"), (CITIZEN_VIEW_OWN, CHOICE_MAKE_OWN, DECISION_APPEAL_OWN), False)
NEEDS_ASSESSOR = Role(
    "needs_assessor",
    _("Needs assessor"),
    (CITIZEN_VIEW_MUNICIPALITY, CITIZEN_VIEW_CASELOAD, CITIZEN_VIEW_NATIONAL_ID, CITIZEN_MANAGE,
     ASSESSMENT_RECORD, DECISION_GRANT, CHOICE_MAKE_MUNICIPALITY, WAITING_LIST_MANAGE),
    True,
)
ASSESSMENT_MANAGER = Role(
    "assessment_manager",
    _("Head of needs assessment"),
    (*NEEDS_ASSESSOR.permissions, GUIDELINE_MANAGE, CASEWORK_TEAM_VIEW),
    True,
)
FINANCE = Role(
    "finance",
    _("Purchaser manager / finance"),
    (PROVIDER_MANAGE, RATE_MANAGE, SETTLEMENT_RUN, SETTLEMENT_APPROVE, FOLLOWUP_VIEW, FOLLOWUP_MANAGE),
    True,
)
PROVIDER_ADMIN = Role(
    "provider_admin",
    _("Provider administrator"),
    (PROVIDER_VIEW_CLIENTS, VISIT_VIEW_PROVIDER, VISIT_CHECK, VISIT_IMPORT, SETTLEMENT_VIEW_PROVIDER,
     CHANGE_REQUEST_SEND, TENDER_BID),
    False,
)
CAREGIVER = Role("caregiver", _("Caregiver"), (VISIT_VIEW_OWN, VISIT_CHECK), False)
PROCUREMENT = Role("procurement", _("Procurement officer"), (TENDER_MANAGE, FOLLOWUP_VIEW), True)
ANALYST = Role("analyst", _("Analyst"), (FOLLOWUP_VIEW, FOLLOWUP_MANAGE), True)
POLITICIAN = Role("politician", _("Politician (council member)"), (FOLLOWUP_VIEW,), True)
SYSTEM_ADMIN = Role("system_admin", _("System administrator"), (AUDIT_VIEW, USER_MANAGE), True)

ALL_ROLES: tuple[Role, ...] = (
    CITIZEN, RELATIVE, NEEDS_ASSESSOR, ASSESSMENT_MANAGER, FINANCE, PROVIDER_ADMIN, CAREGIVER, PROCUREMENT, ANALYST,
    POLITICIAN, SYSTEM_ADMIN,
)
ROLES_BY_NAME = {role.name: role for role in ALL_ROLES}


def roles_sync() -> None:
    """Create the permissions and groups declared above, and set each group's permissions."""
    from django.contrib.auth.models import Group
    from django.contrib.auth.models import Permission as DjangoPermission
    from django.contrib.contenttypes.models import ContentType

    from frivalg.core.models import Municipality

    content_type = ContentType.objects.get_for_model(Municipality)
    by_codename = {}
    for permission in ALL_PERMISSIONS:
        row, _created = DjangoPermission.objects.update_or_create(
            content_type=content_type, codename=permission.codename,
            defaults={"name": str(permission.description)[:255]},
        )
        by_codename[permission.codename] = row
    for role in ALL_ROLES:
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set([by_codename[p.codename] for p in role.permissions])


def roles_sync_after_migrate(**kwargs: object) -> None:
    roles_sync()
