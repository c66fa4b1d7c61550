"""JSON API for following up the market: key figures per month (aggregates only)."""

from django.http import HttpRequest
from ninja import Query, Router

from frivalg.core import roles
from frivalg.core.api import actor_of
from frivalg.core.periods import Period
from frivalg.core.schemas import ERRORS
from frivalg.core.selectors import require
from frivalg.followup.schemas import KeyFiguresOut, KeyFiguresQuery
from frivalg.followup.selectors import KeyFigures, key_figures

router = Router(tags=["Follow-up"])


@router.get("/followup/key-figures", response={200: KeyFiguresOut, **ERRORS},
            summary="Key figures of a month")
def key_figure_detail(request: HttpRequest, query: Query[KeyFiguresQuery]) -> KeyFigures:
    actor = actor_of(request)
    require(actor, roles.FOLLOWUP_VIEW)
    return key_figures(actor=actor, period=Period.month(query.year, query.month))
