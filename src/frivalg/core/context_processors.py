from typing import Any

from django.http import HttpRequest

from frivalg.core.selectors import roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    return {"user_roles": roles_of(request.user)}
