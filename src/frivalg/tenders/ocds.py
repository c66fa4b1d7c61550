"""The tender as open data: Open Contracting Data Standard (OCDS) 1.1 releases and records.

Every tender is one contracting process, identified by its `ocid`: `OCID_PREFIX` and the tender's
public id. `OCID_PREFIX` ("ocds-frivalg") is this code's placeholder: an installation that
publishes to the world registers its own prefix with the Open Contracting Partnership and puts it
here. The releases follow the process stage by stage, each as it stood on its date:

* `planning`    — the planned tender (status `planned`): lots as items classified by CPV, the
                  evaluation model and criteria, deadlines and contract period as planned;
* `tender`      — the published tender notice (status `active`): tender and enquiry periods;
* `tenderUpdate`— the opening of the bids: the number of tenderers and who they are;
* `award`       — one per award decision on a lot: the winners and the value of their bids;
* `contract`    — one per signed contract;
* `tenderCancellation` (or `planningUpdate` for a tender cancelled before publication).

Sealed bids: nothing about a bid — who bid, how many, at what price — is in any release before
the bids are opened, which the services allow only after the bid deadline; the export checks both
(`bids_open`). Drafts and withdrawn bids never appear.

Amounts are numbers in major units (øre/öre ÷ 100, exact, to at most 2 decimals) with the
municipality's currency; an award's value is the sum of its winners' evaluation prices (prices ×
the lot's estimated volumes, per year). Dates are ISO 8601 with the municipality's UTC offset.

The schema the releases are valid against ships in `schema/release-schema.json` (OCDS 1.1.5,
Apache License 2.0; schema/README.md); the tests validate every stage against it. Text fields are
in the active language, which `language` states."""

from __future__ import annotations

import calendar
import copy
import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frivalg.core.models import Municipality
from frivalg.providers.models import Provider
from frivalg.tenders import rules
from frivalg.tenders.models import (
    Award,
    Bid,
    BidStatus,
    Contract,
    Criterion,
    EvaluationModel,
    Lot,
    PriceForm,
    Tender,
    TenderStatus,
)
from frivalg.tenders.selectors import model_params_of

#: The ocid prefix. A placeholder: an installation registers its own with the Open Contracting
#: Partnership (https://standard.open-contracting.org/1.1/en/schema/identifiers/).
OCID_PREFIX = "ocds-frivalg"
OCDS_VERSION = "1.1"
#: The shipped OCDS release schema and its SHA-256 (schema/README.md).
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "release-schema.json"
SCHEMA_SHA256 = "9e1385d45cbce197b05dfbf666c315602879322476f8be9e3e83fa5b3a0ceb4a"
#: Organisation identifier schemes (org-id.guide) of the national business registers.
ORG_SCHEMES = {"DK": "DK-CVR", "SE": "SE-ON", "NO": "NO-ORG"}
CPV_SCHEME = "CPV"
#: Fields a compiled release leaves out (`omitWhenMerged` at the top of the release schema).
OMIT_WHEN_MERGED = ("id", "date", "tag", "publisher", "links")
#: Bids that were handed in: they count as tenders once the bids are opened.
TENDERED_STATUSES = (BidStatus.SUBMITTED, BidStatus.REJECTED)


def schema_sha256() -> str:
    """SHA-256 of the shipped schema file (to check it against `SCHEMA_SHA256`)."""
    return hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()


def ocid(tender: Tender) -> str:
    """The tender's open contracting process identifier."""
    return f"{OCID_PREFIX}-{tender.public_id}"


def bids_open(tender: Tender, *, now: datetime | None = None) -> bool:
    """Whether anything about the bids may be published: opened, and the deadline has passed."""
    now = now or timezone.now()
    return (
        tender.opened_at is not None
        and tender.bid_deadline is not None
        and tender.bid_deadline <= now
    )


def release_package(tender: Tender, *, published: datetime | None = None, uri: str | None = None) -> dict[str, Any]:
    """The tender's releases, stage by stage, as an OCDS release package."""
    published = published or timezone.now()
    return {
        "uri": uri or f"urn:ocid:{ocid(tender)}:releases",
        "version": OCDS_VERSION,
        "publishedDate": _Export(tender, now=published).iso(published),
        "publisher": _publisher(tender.municipality),
        "releases": releases(tender, now=published),
    }


def record_package(tender: Tender, *, published: datetime | None = None, uri: str | None = None) -> dict[str, Any]:
    """The tender's record: every release and the compiled release (its current state)."""
    published = published or timezone.now()
    all_releases = releases(tender, now=published)
    return {
        "uri": uri or f"urn:ocid:{ocid(tender)}:record",
        "version": OCDS_VERSION,
        "publishedDate": _Export(tender, now=published).iso(published),
        "publisher": _publisher(tender.municipality),
        "records": [{
            "ocid": ocid(tender),
            "releases": all_releases,
            "compiledRelease": compile_releases(all_releases),
        }],
    }


def releases(tender: Tender, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The releases of the stages the tender has reached, oldest first."""
    return _Export(tender, now=now or timezone.now()).releases()


def compile_releases(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Merge releases (oldest first) into a compiled release by the OCDS merge rules: later values
    replace earlier ones, objects merge field by field, arrays of objects with an `id` merge by id
    and other arrays are replaced whole; `null` removes a field; the fields marked
    `omitWhenMerged` are left out, and the compiled release gets `tag` ["compiled"], the latest
    `date` and the id `{ocid}-{date}`."""
    if not items:
        raise ValueError("no releases to compile")
    ordered = sorted(items, key=lambda release: datetime.fromisoformat(release["date"]))
    compiled: dict[str, Any] = {}
    for release in ordered:
        _merge(compiled, {key: value for key, value in release.items() if key not in OMIT_WHEN_MERGED})
    latest = ordered[-1]["date"]
    return {"ocid": ordered[-1]["ocid"], "id": f"{ordered[-1]['ocid']}-{latest}", "date": latest,
            "tag": ["compiled"], **{key: value for key, value in compiled.items() if key != "ocid"}}


def _merge(into: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    for key, value in new.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict):
            existing = into.get(key)
            into[key] = _merge(existing if isinstance(existing, dict) else {}, value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
            existing_list = into.get(key)
            merged = [copy.deepcopy(v) for v in existing_list] if isinstance(existing_list, list) else []
            index = {entry.get("id"): entry for entry in merged if isinstance(entry, dict)}
            for entry in value:
                if entry["id"] in index:
                    _merge(index[entry["id"]], entry)
                else:
                    fresh = _merge({}, entry)
                    merged.append(fresh)
                    index[entry["id"]] = fresh
            into[key] = merged
        else:
            into[key] = copy.deepcopy(value)
    return into


def _publisher(municipality: Municipality) -> dict[str, str]:
    publisher = {"name": municipality.name}
    if municipality.org_number:
        publisher |= {"scheme": ORG_SCHEMES.get(municipality.country, ""), "uid": municipality.org_number}
    return publisher


def amount(minor: int | Decimal) -> int | float:
    """Minor units as an OCDS amount in major units: an int when whole, else the exact 2-decimal
    value as a JSON number."""
    major = Decimal(minor) / 100
    if major == major.to_integral_value():
        return int(major)
    return float(major.quantize(Decimal("0.01")))


def _number(value: Decimal) -> str:
    """A Decimal for text without trailing zeros: 40.00 → "40", 12.50 → "12.5"."""
    return format(value.normalize(), "f")


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class _Export:
    """One export run: the tender with everything it shows, loaded once."""

    def __init__(self, tender: Tender, *, now: datetime) -> None:
        self.tender = tender
        self.now = now
        self.municipality: Municipality = tender.municipality
        self.tz = ZoneInfo(self.municipality.time_zone)
        self.lots: list[Lot] = list(tender.lots.select_related("service").prefetch_related("districts"))
        self.ocid = ocid(self.tender)
        self.currency = self.municipality.currency
        self.scheme = ORG_SCHEMES.get(self.municipality.country, "")
        self.language = (translation.get_language() or "en")[:2].lower()
        self.buyer_id = (f"{self.scheme}-{self.municipality.org_number}" if self.municipality.org_number
                         else f"{OCID_PREFIX}-buyer-{self.municipality.public_id}")

    # --- formats ---------------------------------------------------------------------------

    def iso(self, value: datetime) -> str:
        return timezone.localtime(value, self.tz).isoformat(timespec="seconds")

    def day_start(self, value: date) -> str:
        return datetime.combine(value, time.min, tzinfo=self.tz).isoformat(timespec="seconds")

    def day_end(self, value: date) -> str:
        return datetime.combine(value, time(23, 59, 59), tzinfo=self.tz).isoformat(timespec="seconds")

    def value(self, minor: int) -> dict[str, Any]:
        return {"amount": amount(minor), "currency": self.currency}

    # --- parties ---------------------------------------------------------------------------

    def buyer_party(self) -> dict[str, Any]:
        municipality = self.municipality
        party: dict[str, Any] = {"id": self.buyer_id, "name": municipality.name, "roles": ["buyer", "procuringEntity"]}
        if municipality.org_number:
            party["identifier"] = {"scheme": self.scheme, "id": municipality.org_number,
                                   "legalName": municipality.name}
        address = {key: text for key, text in (("streetAddress", municipality.address),
                                                ("postalCode", municipality.postcode),
                                                ("locality", municipality.city)) if text}
        party["address"] = address | {"country": municipality.country}
        return party

    def buyer_ref(self) -> dict[str, str]:
        return {"id": self.buyer_id, "name": self.municipality.name}

    def provider_id(self, provider: Provider) -> str:
        party_id = f"{self.scheme}-{provider.org_number}"
        # An in-house unit may share the municipality's organisation number: a department of it.
        return f"{party_id}-{provider.public_id}" if party_id == self.buyer_id else party_id

    def provider_party(self, provider: Provider, roles: Iterable[str]) -> dict[str, Any]:
        party: dict[str, Any] = {
            "id": self.provider_id(provider),
            "name": provider.name,
            "identifier": {"scheme": self.scheme, "id": provider.org_number, "legalName": provider.name},
            "roles": list(roles),
        }
        address = {key: text for key, text in (("streetAddress", provider.street), ("postalCode", provider.postcode),
                                                ("locality", provider.city)) if text}
        if address:
            party["address"] = address
        return party

    def provider_ref(self, provider: Provider) -> dict[str, str]:
        return {"id": self.provider_id(provider), "name": provider.name}

    # --- the tender ------------------------------------------------------------------------

    def item(self, lot: Lot) -> dict[str, Any]:
        districts = ", ".join(district.name for district in lot.districts.all())
        if districts:
            description = _("Lot %(number)s: %(title)s — %(service)s in %(districts)s") % {
                "number": lot.number, "title": lot.title, "service": lot.service.name, "districts": districts}
        else:
            description = _("Lot %(number)s: %(title)s — %(service)s") % {
                "number": lot.number, "title": lot.title, "service": lot.service.name}
        item: dict[str, Any] = {
            "id": str(lot.public_id),
            "description": description,
            "classification": {"scheme": CPV_SCHEME, "id": self.tender.cpv_code},
        }
        volumes = [Decimal(str(volume)) for volume in (lot.volumes or {}).values()]
        if volumes:
            total = sum(volumes, Decimal(0))
            item["quantity"] = int(total) if total == total.to_integral_value() else float(total)
            item["unit"] = self.unit(lot.price_form)
        return item

    def unit(self, price_form: str) -> dict[str, str]:
        """UN/CEFACT Recommendation 20 codes of the price form's unit (per year)."""
        if price_form == PriceForm.MONTHLY_FEE:
            return {"scheme": "UNCEFACT", "id": "MON", "name": _("months per year")}
        if price_form == PriceForm.PER_UNIT:
            return {"scheme": "UNCEFACT", "id": "C62", "name": _("units per year")}
        return {"scheme": "UNCEFACT", "id": "HUR", "name": _("hours per year")}

    def criteria(self) -> list[Criterion]:
        return list(self.tender.criteria.select_related("parent").order_by("code"))

    def award_criteria(self, criteria: Sequence[Criterion]) -> str:
        """The awardCriteria code: price only when quality does not count, else rated criteria."""
        if not criteria:
            return "priceOnly"
        if self.tender.evaluation_model in rules.POINTS_MODELS and Decimal(self.tender.price_weight) >= 100:
            return "priceOnly"
        return "ratedCriteria"

    def award_criteria_details(self, criteria: Sequence[Criterion]) -> str:
        tender = self.tender
        params = model_params_of(tender)
        parts = [_("Evaluation model: %(model)s.") % {"model": EvaluationModel(tender.evaluation_model).label}]
        if tender.evaluation_model in rules.POINTS_MODELS:
            parts.append(_("Price weighs %(price)s percent and quality %(quality)s percent, both on a scale of "
                           "%(max)s points.") % {"price": _number(params.price_weight),
                                                 "quality": _number(100 - params.price_weight),
                                                 "max": _number(params.max_points)})
            if tender.evaluation_model == EvaluationModel.POINTS_INTERVAL:
                parts.append(_("A bid loses %(points)s points for every %(step)s percent (or part of it) above the "
                               "lowest price.") % {"points": _number(params.interval_points_per_step),
                                                   "step": _number(params.interval_step_percent)})
            parts.append(_("The highest total wins."))
        elif tender.evaluation_model == EvaluationModel.MONETISED:
            if params.surcharge_per_missing_point_percent is not None:
                parts.append(_("The price is surcharged %(surcharge)s percent for every quality point missing from "
                               "%(max)s; the lowest evaluated price wins.") % {
                    "surcharge": _number(params.surcharge_per_missing_point_percent),
                    "max": _number(params.max_points)})
            else:
                parts.append(_("The money value of the quality grades is deducted from the price; the lowest "
                               "evaluated price wins."))
        else:
            parts.append(_("The price is divided by the quality points; the lowest price per quality point wins."))
        if criteria:
            parts.append(_("Bids below %(overall)s percent of all quality points or below %(criterion)s percent of "
                           "any criterion's points are excluded before price is evaluated.") % {
                "overall": _number(params.min_quality_overall),
                "criterion": _number(params.min_quality_per_criterion)})
            parts.append(_("Criteria: %(criteria)s.") % {
                "criteria": "; ".join(self.criterion_text(criterion) for criterion in criteria)})
        parts.append(_("Totals are kept at full precision; only the totals shown are rounded half up to "
                       "2 decimals."))
        return " ".join(parts)

    def criterion_text(self, criterion: Criterion) -> str:
        facts = {"code": criterion.code, "name": criterion.name, "weight": _number(Decimal(criterion.weight)),
                 "scale": criterion.scale_max}
        if criterion.parent is not None:
            text = _("%(code)s %(name)s (%(weight)s percent of %(parent)s, grades 0–%(scale)s)") % (
                facts | {"parent": criterion.parent.code})
        else:
            text = _("%(code)s %(name)s (%(weight)s percent, grades 0–%(scale)s)") % facts
        if self.tender.evaluation_model == EvaluationModel.MONETISED and criterion.value_per_point_minor:
            text += " " + _("[a grade point is worth %(amount)s %(currency)s]") % {
                "amount": f"{Decimal(criterion.value_per_point_minor) / 100:.2f}", "currency": self.currency}
        return text

    def description(self) -> str:
        tender = self.tender
        parts = [tender.description.strip()] if tender.description.strip() else []
        risk = _("Risk sharing: the provider bears the volume risk between %(low)s and %(high)s percent of the "
                 "estimated volumes.") % {"low": tender.risk_band_low_percent, "high": tender.risk_band_high_percent}
        if tender.risk_rule.strip():
            risk += " " + _("Outside that band: %(rule)s") % {"rule": tender.risk_rule.strip()}
        parts.append(risk)
        parts.append(_("Free choice among the winners.") if tender.free_choice
                     else _("Exclusive assignment to the winner."))
        return "\n\n".join(parts)

    def contract_period(self) -> dict[str, Any]:
        tender = self.tender
        period: dict[str, Any] = {}
        if tender.contract_start:
            period["startDate"] = self.day_start(tender.contract_start)
        if tender.contract_end:
            period["endDate"] = self.day_end(tender.contract_end)
            if tender.option_months:
                period["maxExtentDate"] = self.day_end(_add_months(tender.contract_end, tender.option_months))
        return period

    def tender_notice(self, *, status: str, published: bool) -> dict[str, Any]:
        """What the tender documents publish: the same in the planning and the tender release
        but for the status, the publication date and the periods' start."""
        tender = self.tender
        criteria = self.criteria()
        notice: dict[str, Any] = {
            "id": str(tender.public_id),
            "identifiers": [{"scheme": "internal", "id": tender.reference}],
            "title": tender.title,
            "description": self.description(),
            "status": status,
            "procurementMethod": "open",
            "mainProcurementCategory": "services",
            "items": [self.item(lot) for lot in self.lots],
            "awardCriteria": self.award_criteria(criteria),
            "awardCriteriaDetails": self.award_criteria_details(criteria),
        }
        start = {"startDate": self.iso(tender.published_at)} if published and tender.published_at else {}
        if tender.bid_deadline:
            notice["tenderPeriod"] = start | {"endDate": self.iso(tender.bid_deadline)}
        if tender.question_deadline:
            notice["enquiryPeriod"] = start | {"endDate": self.iso(tender.question_deadline)}
        if published and tender.published_at:
            notice["datePublished"] = self.iso(tender.published_at)
        if contract_period := self.contract_period():
            notice["contractPeriod"] = contract_period
        return notice

    # --- releases --------------------------------------------------------------------------

    def release(self, *, suffix: str, when: datetime, tag: str, parties: list[dict[str, Any]],
                **sections: Any) -> dict[str, Any]:
        return {
            "ocid": self.ocid,
            "id": f"{self.ocid}-{suffix}",
            "date": self.iso(when),
            "tag": [tag],
            "initiationType": "tender",
            "language": self.language,
            "parties": parties,
            "buyer": self.buyer_ref(),
            **sections,
        }

    def releases(self) -> list[dict[str, Any]]:
        tender = self.tender
        published = tender.published_at is not None
        # Planned content is final once published; the planning release predates the notice.
        planned_on = min(tender.created_at, tender.published_at) if tender.published_at else tender.updated_at
        out = [self.release(suffix="planning", when=planned_on,
                            tag="planning", parties=[self.buyer_party()],
                            tender=self.tender_notice(status="planned", published=False))]
        if published:
            assert tender.published_at is not None
            out.append(self.release(suffix="tender", when=tender.published_at, tag="tender",
                                    parties=[self.buyer_party()],
                                    tender=self.tender_notice(status="active", published=True)))
        if bids_open(tender, now=self.now):
            out.extend(self.after_opening())
        if tender.status == TenderStatus.CANCELLED:
            out.append(self.release(
                suffix="cancellation", when=tender.updated_at,
                tag="tenderCancellation" if published else "planningUpdate", parties=[self.buyer_party()],
                tender={"id": str(tender.public_id), "status": "cancelled" if published else "withdrawn"}))
        return out

    def after_opening(self) -> list[dict[str, Any]]:
        tender = self.tender
        assert tender.opened_at is not None
        bids = list(Bid.objects.filter(tender=tender, status__in=TENDERED_STATUSES)
                    .select_related("provider").order_by("submitted_at", "pk"))
        tenderers: dict[int, Provider] = {}
        for bid in bids:
            tenderers.setdefault(bid.provider_id, bid.provider)
        out = [self.release(
            suffix="opening", when=tender.opened_at, tag="tenderUpdate",
            parties=[self.buyer_party()] + [self.provider_party(p, ["tenderer"]) for p in tenderers.values()],
            tender={"id": str(tender.public_id), "status": "active", "numberOfTenderers": len(tenderers),
                    "tenderers": [self.provider_ref(p) for p in tenderers.values()],
                    "hasEnquiries": tender.questions.exists(),
                    "awardPeriod": {"startDate": self.iso(tender.opened_at)}})]
        awards = list(Award.objects.filter(tender=tender).select_related("lot__service")
                      .prefetch_related("lot__districts", "winners__provider").order_by("decided_at", "pk"))
        lot_ids = {lot.pk for lot in self.lots}
        decided: set[int] = set()
        for award in awards:
            decided.add(award.lot_id)
            out.append(self.award_release(award, complete=lot_ids <= decided))
        contracts = (Contract.objects.filter(award__tender=tender).select_related("award__lot", "provider", "bid")
                     .order_by("created_at", "pk"))
        out.extend(self.contract_release(contract) for contract in contracts)
        return out

    def award_release(self, award: Award, *, complete: bool) -> dict[str, Any]:
        tender = self.tender
        assert tender.opened_at is not None
        winners = sorted(award.winners.all(), key=lambda bid: (bid.provider.name, bid.pk))
        suppliers = {bid.provider_id: bid.provider for bid in winners}
        award_data: dict[str, Any] = {
            "id": str(award.public_id),
            "title": _("Lot %(number)s: %(title)s") % {"number": award.lot.number, "title": award.lot.title},
            "status": "active",
            "date": self.iso(award.decided_at),
            "value": self.value(sum(bid.evaluation_price_minor for bid in winners)),
            "suppliers": [self.provider_ref(p) for p in suppliers.values()],
            "items": [self.item(award.lot)],
        }
        if contract_period := self.contract_period():
            award_data["contractPeriod"] = contract_period
        return self.release(
            suffix=f"award-{award.public_id}", when=award.decided_at, tag="award",
            parties=[self.buyer_party()] + [self.provider_party(p, ["tenderer", "supplier"])
                                            for p in suppliers.values()],
            tender={"id": str(tender.public_id), "status": "complete" if complete else "active",
                    "awardPeriod": {"startDate": self.iso(tender.opened_at),
                                    "endDate": self.iso(award.decided_at)},
                    "standstillPeriod": {"startDate": self.iso(award.decided_at),
                                         "endDate": self.day_end(award.standstill_ends)}},
            awards=[award_data])

    def contract_release(self, contract: Contract) -> dict[str, Any]:
        lot = contract.award.lot
        return self.release(
            suffix=f"contract-{contract.public_id}", when=contract.created_at, tag="contract",
            parties=[self.buyer_party(), self.provider_party(contract.provider, ["tenderer", "supplier"])],
            contracts=[{
                "id": str(contract.public_id),
                "awardID": str(contract.award.public_id),
                "title": _("Lot %(number)s: %(title)s — %(provider)s") % {
                    "number": lot.number, "title": lot.title, "provider": contract.provider.name},
                "description": (_("Exclusive assignment.") if contract.exclusive
                                else _("Approval for the citizens' free choice.")),
                "status": "active",
                "dateSigned": self.iso(contract.created_at),
                "period": {"startDate": self.day_start(contract.valid_from),
                           "endDate": self.day_end(contract.valid_to)},
                "value": self.value(contract.bid.evaluation_price_minor),
            }])
