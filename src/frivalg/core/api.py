"""What every endpoint of the JSON API shares: the two ways to authenticate, the one error shape
(and the handlers that turn every kind of refusal into it), and small helpers for the parse and
authorize steps. The router itself serves the municipality's reference data."""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from frivalg.core import roles
from frivalg.core.models import District, User
from frivalg.core.schemas import ERRORS, DistrictOut, Pagination
from frivalg.core.selectors import districts_for, has_permission
from frivalg.core.services import api_token_authenticate

T = TypeVar("T")


# --- authentication -----------------------------------------------------------------------


class BearerToken(HttpBearer):
    """`Authorization: Bearer fv_…` — a token issued with `frivalg api_token <username>`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class Session(APIKeyCookie):
    """The pages' login session. Writes must carry the CSRF token (`X-CSRFToken` header); the
    check runs only for a logged-in session, so a system without a session gets a clean 401."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if self.csrf and check_csrf(request) is not None:
            message = _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie.")
            raise HttpError(403, message)
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        return user if isinstance(user, User) and user.is_authenticated else None


bearer_token = BearerToken()
session = Session()
#: Every endpoint accepts either.
AUTH = [bearer_token, session]


def actor_of(request: HttpRequest) -> User:
    """The authenticated user the request acts as (set by one of AUTH)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def require_any(user: User, *permissions: roles.Permission) -> None:
    """Like `core.selectors.require`, for entry points that serve several roles."""
    if not any(has_permission(user, permission) for permission in permissions):
        raise PermissionDenied(permissions[0].description)


def lookup(field: str, getter: Callable[..., T], /, **kwargs: Any) -> T:
    """Fetch an object a request body refers to through a scoping selector. An id the actor may
    not see is a field error on `field` (the body was wrong), not a 404 (the URL was right)."""
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist as exc:
        raise ValidationError(
            {field: ValidationError(_("Nothing with this id is known to you."), code="not_found")}
        ) from exc


# --- the one error shape -------------------------------------------------------------------


def error(message: Any, code: str, field: str | None = None) -> dict[str, Any]:
    return {"field": field, "message": str(message), "code": code}


_DATETIME = gettext_lazy("Enter a valid date and time (ISO 8601, e.g. 2026-03-02T08:00:00+01:00).")

#: pydantic's error types, said in the user's language. Unknown types keep pydantic's message.
_PYDANTIC_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
    "uuid_parsing": gettext_lazy("Enter a valid id (a UUID)."),
    "uuid_type": gettext_lazy("Enter a valid id (a UUID)."),
    "uuid_version": gettext_lazy("Enter a valid id (a UUID)."),
    "date_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_type": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "timezone_aware": gettext_lazy("Give the time with its UTC offset, e.g. +01:00 or Z."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "int_parsing_size": gettext_lazy("This number is too large."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "decimal_type": gettext_lazy("Enter a number."),
    "decimal_max_digits": gettext_lazy("Ensure there are no more than %(max_digits)s digits in total."),
    "decimal_max_places": gettext_lazy("Ensure there are no more than %(decimal_places)s decimal places."),
    "decimal_whole_digits": gettext_lazy(
        "Ensure there are no more than %(whole_digits)s digits before the decimal point."
    ),
    "finite_number": gettext_lazy("Enter a finite number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "float_type": gettext_lazy("Enter a number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "string_type": gettext_lazy("Enter a text."),
    "string_too_short": gettext_lazy("Ensure this value has at least %(min_length)s characters."),
    "string_too_long": gettext_lazy("Ensure this value has at most %(max_length)s characters."),
    "string_pattern_mismatch": gettext_lazy("Enter a value in the expected format."),
    "too_short": gettext_lazy("Ensure there are at least %(min_length)s items."),
    "too_long": gettext_lazy("Ensure there are at most %(max_length)s items."),
    "greater_than": gettext_lazy("Ensure this value is greater than %(gt)s."),
    "greater_than_equal": gettext_lazy("Ensure this value is greater than or equal to %(ge)s."),
    "less_than": gettext_lazy("Ensure this value is less than %(lt)s."),
    "less_than_equal": gettext_lazy("Ensure this value is less than or equal to %(le)s."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "dict_type": gettext_lazy("Expected an object."),
    "model_type": gettext_lazy("Expected an object."),
    "model_attributes_type": gettext_lazy("Expected an object."),
    "list_type": gettext_lazy("Expected a list."),
    "extra_forbidden": gettext_lazy("This field is not known."),
}


def _field_of(loc: tuple[Any, ...]) -> str | None:
    """`("body", "payload", "rows", 3, "planned_start")` → `rows.3.planned_start`: the source and,
    for a body, the endpoint's parameter name mean nothing to the client."""
    parts = loc[2:] if loc[:1] == ("body",) else loc[1:]
    return ".".join(str(part) for part in parts) or None


def _pydantic_message(err: dict[str, Any]) -> str:
    template = _PYDANTIC_MESSAGES.get(err["type"])
    if template is None:
        return str(err["msg"])
    return str(template) % dict(err.get("ctx") or {}) if "%(" in str(template) else str(template)


def pydantic_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if loc[:1] == ("body",) and len(loc) <= 2 and err["type"] == "missing":
            out.append(error(_("Send the request body as JSON."), "missing"))
            continue
        out.append(error(_pydantic_message(err), err["type"], _field_of(loc)))
    return out


def django_errors(exc: ValidationError) -> list[dict[str, Any]]:
    out = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            for err in field_errors:
                message = err.message % err.params if err.params else err.message
                name = None if field == NON_FIELD_ERRORS else field
                out.append(error(message, err.code or "invalid", name))
    else:
        for err in exc.error_list:
            message = err.message % err.params if err.params else err.message
            out.append(error(message, err.code or "invalid"))
    return out


def install_error_handlers(api: NinjaAPI) -> None:
    """Every refusal the API gives has the shape `{"detail": [{"field", "message", "code"}]}`."""

    def respond(request: HttpRequest, errors: list[dict[str, Any]], status: int) -> HttpResponse:
        response = api.create_response(request, {"detail": errors}, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="frivalg"'
        return response

    def on_input(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, pydantic_errors(exc.errors), 422)

    def on_service(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, django_errors(exc), 422)

    def on_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) if str(exc) else _("You do not have permission to do this.")
        return respond(request, [error(message, "permission_denied")], 403)

    def on_missing(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, [error(_("Not found, or not yours to see."), "not_found")], 404)

    def on_unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        message = _("Log in, or send a valid API token: Authorization: Bearer fv_…")
        return respond(request, [error(message, "not_authenticated")], 401)

    def on_http(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 400:
            return respond(request, [error(_("The request body could not be read: send valid JSON."),
                                           "parse_error")], 400)
        return respond(request, [error(exc.message, "error")], exc.status_code)

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        message = _("The request is too large: send the rows in smaller batches or as a file upload.")
        return respond(request, [error(message, "too_large")], 413)

    def on_unreadable(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, [error(_("The request could not be read."), "bad_request")], 400)

    api.add_exception_handler(NinjaValidationError, on_input)
    api.add_exception_handler(ValidationError, on_service)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(ObjectDoesNotExist, on_missing)
    api.add_exception_handler(Http404, on_missing)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(MultiPartParserError, on_unreadable)
    api.add_exception_handler(BadRequest, on_unreadable)
    api.add_exception_handler(SuspiciousOperation, on_unreadable)


# --- the municipality's reference data -----------------------------------------------------

router = Router(tags=["Municipality"])


@router.get("/districts", response={200: list[DistrictOut], **ERRORS},
            summary="The districts of my municipality")
@paginate(Pagination)
def district_list(request: HttpRequest) -> Iterable[District]:
    return districts_for(actor_of(request))
