"""The JSON API at /api/v1: one NinjaAPI that mounts every app's router, accepts a login session
or a bearer token on every endpoint, and answers every refusal in one error shape."""

from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Router, Schema

from frivalg.assessments.api import router as assessments_router
from frivalg.catalogue.api import router as catalogue_router
from frivalg.choices.api import router as choices_router
from frivalg.core import roles
from frivalg.core.api import AUTH, actor_of, install_error_handlers
from frivalg.core.api import router as core_router
from frivalg.core.schemas import ERRORS, MunicipalityOut
from frivalg.core.selectors import citizens_represented_by, has_permission, municipality_of, roles_of
from frivalg.followup.api import router as followup_router
from frivalg.guidelines.api import router as guidelines_router
from frivalg.pricing.api import router as pricing_router
from frivalg.providers.api import router as providers_router
from frivalg.providers.schemas import ProviderRef
from frivalg.providers.selectors import staff_member_of
from frivalg.settlements.api import router as settlements_router
from frivalg.visits.api import router as visits_router

DESCRIPTION = """
The API of **frivalg**, for a municipality's own systems and for the providers that deliver
its welfare services (home care) under free choice.

It covers the whole loop: needs assessment → decision (grant) → the citizen's choice of an
approved provider → planned and verified visits (check-in/check-out, bulk import from a
provider's planning system) → settlement runs → key figures for follow-up.

**Authentication.** Send `Authorization: Bearer fv_…` with a token issued by the municipality
(`frivalg api_token <username>`), or use the login session of the web pages (writes then need
the `X-CSRFToken` header). Every answer is limited to what that user may see.

**Identifiers** are the public UUIDs of the objects; internal ids never appear.

**Errors** (every 4xx) have one shape:
`{"detail": [{"field": "planned_end", "message": "…", "code": "…"}]}` — `field` is the input at
fault (dotted for nested input, `null` for the request as a whole), `message` is in the
language asked for with `Accept-Language` (`da`, `en`), `code` is stable for programs.
"""

api = NinjaAPI(
    title="frivalg API",
    version="1",
    description=DESCRIPTION,
    auth=AUTH,
    urls_namespace="api",
)
install_error_handlers(api)


class UserOut(Schema):
    id: UUID
    username: str
    first_name: str
    last_name: str
    email: str


class CitizenRef(Schema):
    id: UUID
    first_name: str
    last_name: str


class MeOut(Schema):
    user: UserOut
    roles: list[str]
    permissions: list[str]
    municipality: MunicipalityOut | None
    provider: ProviderRef | None
    represents: list[CitizenRef]


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["Me"], summary="Who I am and what I may do")
def me(request: HttpRequest) -> dict[str, object]:
    actor = actor_of(request)
    staff = staff_member_of(actor)
    return {
        "user": {"id": actor.public_id, "username": actor.username, "first_name": actor.first_name,
                 "last_name": actor.last_name, "email": actor.email},
        "roles": sorted(roles_of(actor)),
        "permissions": [p.codename for p in roles.ALL_PERMISSIONS if has_permission(actor, p)],
        "municipality": municipality_of(actor),
        "provider": staff.provider if staff is not None else None,
        "represents": [{"id": c.public_id, "first_name": c.first_name, "last_name": c.last_name}
                       for c in citizens_represented_by(actor)],
    }


api.add_router("/", core_router)
api.add_router("/", assessments_router)
api.add_router("/", choices_router)
api.add_router("/", visits_router)
api.add_router("/", providers_router)
api.add_router("/", catalogue_router)
api.add_router("/", settlements_router)
api.add_router("/", followup_router)
api.add_router("/", pricing_router)
api.add_router("/", "frivalg.waitinglists.api.router")
api.add_router("/", "frivalg.reassessments.api.router")
api.add_router("/", "frivalg.changerequests.api.router")
api.add_router("/", guidelines_router)
api.add_router("/", "frivalg.meals.api.router")
api.add_router("/", "frivalg.tenders.api.router")

#: Last: any other path under /api/v1 is a 404 in the API's error shape, not an HTML page.
unknown = Router(auth=None)


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@unknown.api_operation(METHODS, "/{path:rest}", include_in_schema=False)
def unknown_path(request: HttpRequest, rest: str) -> None:
    raise Http404(rest)


@unknown.api_operation(METHODS, "/", include_in_schema=False)
def api_root(request: HttpRequest) -> None:
    raise Http404("/")


api.add_router("/", unknown)
