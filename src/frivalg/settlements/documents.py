"""What leaves the system from a settlement run or a co-payment bill (docs/settlement.md,
"Outputs"): the provider's statement (page, PDF, streamed CSV, JSON totals), the run's Peppol
e-invoice, the accounting export, and the citizen's co-payment bill (page, PDF).

Every function takes the acting user and an object the caller fetched through a scoping selector
(`selectors.run_get`, `bill_get`), and reads again through the actor-scoped querysets, so a
document never shows more than its reader may see. Amounts are summed in the database as
integer øre/öre; the pure builders (`invoices`, `accounting`) turn them into files.

Citizens on a statement: finance of the run's municipality sees names; a provider's admin sees
the name of a citizen it may see by the access rules (`core.selectors.citizens_visible_to`: a
current client) and only the initials of anybody else, with the visit reference to match its own
records."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from frivalg.catalogue.models import TimeBand
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.money import Money
from frivalg.core.selectors import (
    AnyUser,
    citizens_represented_by,
    citizens_visible_to,
    has_permission,
    is_reading_someone_else,
    municipality_of,
)
from frivalg.core.services import audit_record
from frivalg.settlements import accounting, invoices
from frivalg.settlements.models import (
    CoPaymentBill,
    ReasonCode,
    RunKind,
    RunStatus,
    SettlementLine,
    SettlementRun,
)
from frivalg.settlements.selectors import ReasonTotal, lines_for, totals_by_reason
from frivalg.settlements.snapshot import policy_in_force

BATCH_SIZE = 2000
#: ISO 6523 ICD (and Peppol EAS) of each country's organisation numbers.
COUNTRY_SCHEME = {"DK": "0184", "SE": "0007", "NO": "0192"}
#: The default VAT exemption of home care in each country: (reason, VATEX code or None).
DEFAULT_EXEMPTION = {
    "DK": ("Momsfritaget social forsorg, jf. momslovens § 13, stk. 1, nr. 2", "VATEX-EU-132-1G"),
    "SE": ("Undantagen från mervärdesskatt: social omsorg", "VATEX-EU-132-1G"),
    "NO": ("Unntatt fra merverdiavgift: helse- og sosialtjenester, merverdiavgiftsloven §§ 3-2 og 3-4", None),
}
#: The seller's tax registration (BT-32) for VAT-exempt providers without a VAT id.
TAX_REGISTRATION = {"SE": "Godkänd för F-skatt", "NO": "Foretaksregisteret"}
PAYMENT_DAYS = 30
MINUTES_PER_HOUR = 60
QUANTITY_ONE = 10_000
_HOURS = Decimal("0.0001")


def _is_finance_of(actor: AnyUser, municipality_id: int) -> bool:
    municipality = municipality_of(actor)
    if municipality is None:
        return False
    if municipality.pk != municipality_id:
        return False
    return has_permission(actor, roles.SETTLEMENT_RUN) or has_permission(actor, roles.SETTLEMENT_APPROVE)


def initials(first_name: str, last_name: str) -> str:
    return " ".join(f"{name[0]}." for name in (first_name, last_name) if name)


# ---------------------------------------------------------------------------------------------
# The statement


@dataclass(frozen=True)
class BandTotal:
    service_code: str
    service_name: str
    time_band: str
    time_band_label: str
    lines: int
    payable_minutes: Decimal
    units: Decimal
    amount_minor: int


@dataclass(frozen=True)
class Statement:
    run: SettlementRun
    by_band: tuple[BandTotal, ...]
    by_reason: tuple[ReasonTotal, ...]
    total_minor: int
    line_count: int
    open_disputes: int

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.run.currency)


@dataclass(frozen=True)
class StatementLine:
    id: UUID
    visit_reference: str
    start: Any  # aware datetime in the municipality's time zone, or None (capitation)
    citizen: str
    service_code: str
    service_name: str
    time_band: str
    planned_minutes: int
    performed_minutes: int
    payable_minutes: Decimal
    units: Decimal
    unit_price_minor: int
    amount_minor: int
    reason_code: str
    reason: str
    reasons: str
    deviation: bool


def _band_label(band: str) -> str:
    return str(TimeBand(band).label) if band in TimeBand.values else band


def _reason_label(code: str) -> str:
    return str(ReasonCode(code).label) if code in ReasonCode.values else code


def statement_for(*, actor: AnyUser, run: SettlementRun) -> Statement:
    """The run's totals by service and time band and by reason code, summed in the database."""
    lines = lines_for(actor=actor, run=run)
    rows = (
        lines.order_by()
        .values("service__code", "service__name", "time_band")
        .annotate(minutes=Sum("payable_minutes"), units=Sum("quantity"), amount=Sum("amount_minor"),
                  count=Count("pk"))
        .order_by("service__code", "time_band")
    )
    by_band = tuple(
        BandTotal(row["service__code"], row["service__name"], row["time_band"], _band_label(row["time_band"]),
                  row["count"], row["minutes"] or Decimal(0), Decimal(row["units"] or 0) / QUANTITY_ONE,
                  row["amount"] or 0)
        for row in rows
    )
    total = sum(band.amount_minor for band in by_band)
    count = sum(band.lines for band in by_band)
    open_disputes = lines.filter(disputes__status="open").values("pk").distinct().count()
    return Statement(run, by_band, tuple(totals_by_reason(actor=actor, run=run)), total, count, open_disputes)


_LINE_COLUMNS = (
    "public_id", "visit__public_id", "visit__external_id", "visit__planned_start", "decision__public_id", "citizen_id",
    "citizen__first_name", "citizen__last_name", "service__code", "service__name", "time_band", "planned_minutes",
    "performed_minutes", "payable_minutes", "quantity", "unit_price_minor", "amount_minor", "reason_code",
    "reasons", "deviation",
)


def statement_lines(
    *, actor: AnyUser, run: SettlementRun, window: tuple[int, int] | None = None
) -> Iterator[StatementLine]:
    """Every line of the run the actor may see (or those in `window`, a slice), in time order,
    read in batches (never the whole run in memory): the citizen named as the module docstring
    says."""
    lines = lines_for(actor=actor, run=run)
    named_everyone = _is_finance_of(actor, run.municipality_id)
    named: set[int] = set()
    if not named_everyone:
        citizen_ids = lines.order_by().values("citizen_id")
        named = set(citizens_visible_to(actor).filter(pk__in=citizen_ids).values_list("pk", flat=True))
    tz = ZoneInfo(run.municipality.time_zone)
    rows = lines.order_by("visit__planned_start", "pk").values_list(*_LINE_COLUMNS)
    if window is not None:
        rows = rows[window[0] : window[1]]
    for (pk, visit_id, external_id, start, decision_id, citizen_id, first, last, code, name, band, planned,
         performed, payable, quantity, price, amount, reason_code, reasons, deviation) in rows.iterator(
            chunk_size=BATCH_SIZE):
        if citizen_id is None:  # an after-calculation line: a provider's hours, no citizen
            citizen = ""
        else:
            citizen = f"{first} {last}" if named_everyone or citizen_id in named else initials(first, last)
        yield StatementLine(
            id=pk,
            visit_reference=external_id or str(visit_id or decision_id or ""),
            start=start.astimezone(tz) if start is not None else None,
            citizen=citizen,
            service_code=code,
            service_name=name,
            time_band=band,
            planned_minutes=planned,
            performed_minutes=performed,
            payable_minutes=payable,
            units=Decimal(quantity) / QUANTITY_ONE,
            unit_price_minor=price,
            amount_minor=amount,
            reason_code=reason_code,
            reason=_reason_label(reason_code),
            reasons=", ".join(_reason_label(code) for code in reasons.split()),
            deviation=deviation,
        )


STATEMENT_CSV_HEADER = (
    "line", "visit_reference", "date", "time", "citizen", "service_code", "service", "time_band",
    "planned_minutes", "performed_minutes", "payable_minutes", "units", "unit_price", "amount", "reason_code",
    "reason", "all_reasons", "deviation",
)


class _Echo:
    """A file-like object whose write returns the text (for streaming csv.writer rows)."""

    def write(self, value: str) -> str:
        return value


def statement_csv(*, actor: AnyUser, run: SettlementRun) -> Iterator[str]:
    """The statement's lines as `;`-separated CSV rows (UTF-8, CRLF, amounts with two decimals
    and a full stop, as the accounting export), yielded one at a time for a streaming response."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield writer.writerow(STATEMENT_CSV_HEADER)
    for line in statement_lines(actor=actor, run=run):
        yield writer.writerow((
            line.id, line.visit_reference,
            line.start.date().isoformat() if line.start else "",
            line.start.strftime("%H:%M") if line.start else "",
            line.citizen, line.service_code, line.service_name, line.time_band, line.planned_minutes,
            line.performed_minutes, f"{line.payable_minutes:.2f}", f"{line.units:.4f}",
            accounting.amount(line.unit_price_minor), accounting.amount(line.amount_minor), line.reason_code,
            line.reason, line.reasons, int(line.deviation),
        ))


def statement_html(*, actor: AnyUser, run: SettlementRun) -> str:
    """The statement as one stand-alone HTML document (for the PDF)."""
    return render_to_string("settlements/documents/statement_document.html", {
        "statement": statement_for(actor=actor, run=run), "lines": statement_lines(actor=actor, run=run),
        "run": run, "language": get_language() or "en",
    })


def statement_pdf(*, actor: AnyUser, run: SettlementRun) -> bytes:
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    pdf: bytes = HTML(string=statement_html(actor=actor, run=run)).write_pdf()
    return pdf


# ---------------------------------------------------------------------------------------------
# The e-invoice


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _seller_tax_ids(country: str, org_number: str, category: str,
                    vat_number: str = "") -> tuple[str | None, str | None]:
    """(VAT id, tax registration) of the provider, none for category O (BR-O-02). The VAT id is
    its VAT number as registered when it has one, else derived from its organisation number: a
    Danish CVR is the VAT number; an exempt Swedish or Norwegian provider carries its register
    text (also beside a registered VAT number), a taxable one its VAT id."""
    if category == "O":
        return None, None
    if vat_number:
        return vat_number, TAX_REGISTRATION.get(country) if category == "E" and country != "DK" else None
    digits = _digits(org_number)
    if country == "DK":
        return f"DK{digits}", None
    if category == "E":
        return None, TAX_REGISTRATION.get(country)
    if country == "SE":
        return f"SE{digits}01", None
    return f"NO{digits}MVA", None


def _accounting_config(municipality: Municipality, lines: QuerySet[SettlementLine]) -> accounting.AccountingConfig:
    """The service code is the account and the district code the cost centre, unless the
    municipality's `accounting_mapping` names others."""
    mapping = municipality.accounting_mapping or {}
    services = set(lines.order_by().values_list("service__code", flat=True).distinct())
    districts = set(lines.order_by().values_list("citizen__district__code", flat=True).distinct())
    accounts = {code: code for code in services} | dict(mapping.get("accounts", {}))
    centres = {code: code for code in districts} | dict(mapping.get("cost_centres", {}))
    return accounting.AccountingConfig(accounts, "", centres, "")


def _invoice_lines(lines: QuerySet[SettlementLine], config: accounting.AccountingConfig,
                   category: str, percent: Decimal, reason: str | None,
                   reason_code: str | None) -> list[invoices.InvoiceLine]:
    """One line per service × time band: hours (HUR) of the time-priced lines, units (C62) of the
    others. A group whose amount and quantity disagree in sign (a correction paying back) is
    invoiced as one lump (±1 C62) so the price stays non-negative (BR-27)."""
    result: list[invoices.InvoiceLine] = []
    for timed in (True, False):
        subset = lines.filter(quantity=0) if timed else lines.exclude(quantity=0)
        rows = (
            subset.order_by()
            .values("service__code", "service__name", "time_band")
            .annotate(minutes=Sum("payable_minutes"), units=Sum("quantity"), amount=Sum("amount_minor"))
            .order_by("service__code", "time_band")
        )
        for row in rows:
            amount = row["amount"] or 0
            if timed:
                quantity = (Decimal(row["minutes"] or 0) / MINUTES_PER_HOUR).quantize(_HOURS)
                unit = "HUR"
            else:
                quantity = Decimal(row["units"] or 0) / QUANTITY_ONE
                unit = "C62"
            if amount == 0 and quantity == 0:
                continue
            if quantity == 0 or amount * quantity < 0:
                quantity, unit = Decimal(1 if amount >= 0 else -1), "C62"
            code = row["service__code"]
            result.append(invoices.InvoiceLine(
                id=str(len(result) + 1),
                description=f"{row['service__name']}, {_band_label(row['time_band'])}",
                quantity=quantity, unit_code=unit, line_extension_minor=amount, vat_category=category,
                vat_percent=percent, accounting_cost=config.account_by_service.get(code) or None, item_id=code,
                vat_exemption_reason=reason, vat_exemption_reason_code=reason_code,
            ))
    return result


def invoice_number(run: SettlementRun) -> str:
    """The number of the run's invoice or credit note: municipality, month and the run's id."""
    return f"{run.municipality.code}-{run.period_start:%Y%m}-{str(run.public_id)[:8]}"


def run_invoice(*, actor: AnyUser, run: SettlementRun) -> bytes:
    """The run's e-invoice (Peppol BIS Billing 3.0, or Self-Billing 3.0 when the municipality
    self-bills), the provider as seller and the municipality as buyer, validated against the UBL
    2.1 schema. A run whose lines add up to less than zero (a correction paying back) gives a
    credit note with positive amounts instead; a correction names the invoice of the run it
    corrects. The provider's address, VAT number, bank account and Peppol address are used when
    set. ValidationError when the run is a draft, adds up to zero, or the document cannot be valid."""
    if run.status not in (RunStatus.APPROVED, RunStatus.EXPORTED):
        raise ValidationError({"status": _("Only an approved or exported run can be invoiced.")})
    municipality = run.municipality
    if not municipality.peppol_endpoint_id:
        raise ValidationError({"invoice": _("The municipality has no Peppol address: set its Peppol endpoint "
                                            "id before invoicing.")})
    country = municipality.country
    legal_scheme = COUNTRY_SCHEME.get(country, "0184")
    category = municipality.invoice_vat_category
    percent = Decimal(municipality.invoice_vat_percent)
    reason: str | None = None
    reason_code: str | None = None
    if category in ("E", "O"):
        default_reason, default_code = DEFAULT_EXEMPTION.get(country, ("", None))
        reason = municipality.invoice_exemption_reason or default_reason
        reason_code = None if municipality.invoice_exemption_reason else default_code
    lines = lines_for(actor=actor, run=run)
    config = _accounting_config(municipality, lines)
    invoice_lines = _invoice_lines(lines, config, category, percent, reason, reason_code)
    if not invoice_lines:
        raise ValidationError({"invoice": _("The run has nothing to invoice.")})
    total = sum(line.line_extension_minor for line in invoice_lines)
    if total == 0:
        raise ValidationError({"invoice": _("The run's lines add up to zero: there is nothing to invoice or "
                                            "credit.")})
    provider = run.provider
    vat_id, tax_registration = _seller_tax_ids(country, provider.org_number, category, provider.vat_number)
    org_id = _digits(provider.org_number) or provider.org_number
    seller = invoices.Party(
        name=provider.name, endpoint_id=provider.peppol_endpoint_id or org_id,
        endpoint_scheme=(provider.peppol_scheme or legal_scheme) if provider.peppol_endpoint_id else legal_scheme,
        legal_id=org_id, legal_scheme=legal_scheme, vat_id=vat_id, street=provider.street, city=provider.city,
        postcode=provider.postcode, country=country, tax_registration_id=tax_registration,
    )
    buyer = invoices.Party(
        name=municipality.name, endpoint_id=municipality.peppol_endpoint_id,
        endpoint_scheme=municipality.peppol_scheme or legal_scheme,
        legal_id=municipality.org_number or municipality.peppol_endpoint_id,
        legal_scheme=legal_scheme if municipality.org_number else (municipality.peppol_scheme or legal_scheme),
        vat_id=None, street=municipality.address, city=municipality.city, postcode=municipality.postcode,
        country=country,
    )
    issued = timezone.localdate(run.approved_at) if run.approved_at else timezone.localdate()
    due = issued + timedelta(days=PAYMENT_DAYS)
    period = {"provider": provider.name, "start": run.period_start.isoformat(),
              "end": (run.period_end - timedelta(days=1)).isoformat()}
    corrected = run.corrects
    document = invoices.Invoice(
        number=invoice_number(run),
        issue_date=issued, due_date=due, period_start=run.period_start,
        period_end=run.period_end - timedelta(days=1), currency=run.currency, buyer_reference=municipality.code,
        supplier=seller, customer=buyer, lines=invoice_lines, self_billing=municipality.invoice_self_billing,
        note=(_("Correction of the settlement of %(provider)s, %(start)s–%(end)s") if run.kind == RunKind.CORRECTION
              else _("Settlement of %(provider)s, %(start)s–%(end)s")) % period,
        order_reference=str(run.public_id),
        payment_account=provider.bank_account or None,
        preceding_invoice=invoice_number(corrected) if corrected is not None else None,
        payment_terms=_("The credited amount is due to %(municipality)s by %(date)s.") % {
            "municipality": municipality.name, "date": due.isoformat()} if total < 0 else None,
    )
    try:
        xml = invoices.build_document(document)
    except invoices.InvoiceError as error:
        raise ValidationError({"invoice": _("The invoice cannot be built: %(error)s") % {"error": error}}) from error
    problems = invoices.validate_invoice(xml)
    if problems:
        raise ValidationError({"invoice": [_("The invoice is not schema-valid: %(error)s") % {"error": problem}
                                           for problem in problems[:5]]})
    return xml


def invoice_file_name(run: SettlementRun) -> str:
    """`credit-note-….xml` for a run that pays back (its e-invoice is a credit note), else `invoice-….xml`."""
    kind = "credit-note" if run.total_minor < 0 else "invoice"
    return f"{kind}-{run.municipality.code}-{run.period_start:%Y-%m}-{str(run.public_id)[:8]}.xml"


def statement_file_name(run: SettlementRun, extension: str) -> str:
    return f"statement-{run.municipality.code}-{run.period_start:%Y-%m}-{str(run.public_id)[:8]}.{extension}"


# ---------------------------------------------------------------------------------------------
# The accounting export


def run_accounting(*, actor: AnyUser, run: SettlementRun,
                   layout: accounting.Layout = accounting.Layout.AGGREGATED) -> accounting.AccountingExport:
    """The run booked per account (service) and cost centre (the citizen's district): finance of
    the run's municipality only."""
    if not _is_finance_of(actor, run.municipality_id):
        raise SettlementRun.DoesNotExist
    lines = lines_for(actor=actor, run=run)
    config = _accounting_config(run.municipality, lines)
    org_number, name = run.provider.org_number, run.provider.name
    rows = lines.order_by("pk").values_list("service__code", "time_band", "citizen__district__code",
                                             "amount_minor", "reason_code")
    booked: Iterable[accounting.AccountingLine] = (
        accounting.AccountingLine(org_number, name, code, band, district, amount, reason)
        for code, band, district, amount, reason in rows.iterator(chunk_size=BATCH_SIZE)
    )
    return accounting.export_csv(booked, config, layout=layout)


# ---------------------------------------------------------------------------------------------
# Co-payment bills


def bills_for(*, actor: AnyUser) -> QuerySet[CoPaymentBill]:
    """Finance sees its municipality's bills; a citizen their own and those of the citizens they
    hold a power of attorney for; nobody else any."""
    allowed = Q(pk__in=[])
    municipality = municipality_of(actor)
    if municipality is not None and _is_finance_of(actor, municipality.pk):
        allowed |= Q(municipality=municipality)
    if has_permission(actor, roles.CITIZEN_VIEW_OWN):
        allowed |= Q(citizen__in=citizens_represented_by(actor).values("pk"))
    return CoPaymentBill.objects.filter(allowed).select_related("citizen", "municipality")


def bill_get(*, actor: AnyUser, public_id: UUID | str) -> CoPaymentBill:
    """One bill; CoPaymentBill.DoesNotExist when the actor may not see it. A read by anyone but
    the citizen is written to the audit trail, like a read of the citizen's record."""
    bill = bills_for(actor=actor).get(public_id=public_id)
    if is_reading_someone_else(actor, bill.citizen):
        assert isinstance(actor, User)
        audit_record(actor=actor, municipality_id=bill.municipality_id, action="co_payment_bill.read", obj=bill,
                     payload={"citizen": str(bill.citizen.public_id)})
    return bill


def bills_of_month(*, actor: AnyUser, month_start: date) -> QuerySet[CoPaymentBill]:
    return bills_for(actor=actor).filter(period_start=month_start).order_by("citizen__last_name",
                                                                             "citizen__first_name")


@dataclass(frozen=True)
class BillService:
    name: str
    hours: Decimal
    units: Decimal
    fee_per_hour_minor: int | None
    fee_per_unit_minor: int | None


@dataclass(frozen=True)
class BillExplanation:
    bill: CoPaymentBill
    services: tuple[BillService, ...]
    #: (income up to, in minor units or None for no upper bound; monthly cap) of the policy.
    brackets: tuple[tuple[int | None, int], ...]
    capped: bool


def bill_explanation(*, bill: CoPaymentBill) -> BillExplanation:
    """What the bill is made of, in the terms the citizen reads it: the month's services with
    their hours or units and fees, the caps of the income brackets, and the meals (on the bill
    itself: `meals_count`, `meals_minor`, outside the cap)."""
    policy, _record = policy_in_force(bill.municipality, bill.period_start)
    fees = policy.co_payment
    rows = (
        SettlementLine.objects.filter(
            citizen=bill.citizen, run__municipality_id=bill.municipality_id, run__period_start=bill.period_start,
            run__period_end=bill.period_end, run__kind="regular")
        .order_by()
        .values("service__code", "service__name")
        .annotate(minutes=Sum("payable_minutes"), units=Sum("quantity"))
        .order_by("service__name")
    )
    services = tuple(
        BillService(row["service__name"], (Decimal(row["minutes"] or 0) / MINUTES_PER_HOUR).quantize(Decimal("0.01")),
                    Decimal(row["units"] or 0) / QUANTITY_ONE, fees.per_hour_minor.get(row["service__code"]),
                    fees.per_unit_minor.get(row["service__code"]))
        for row in rows
        if row["service__code"] in fees.per_hour_minor or row["service__code"] in fees.per_unit_minor
    )
    brackets = tuple((b.income_up_to_minor, b.monthly_cap_minor) for b in fees.brackets)
    return BillExplanation(bill, services, brackets, bill.care_amount_minor < bill.fee_minor)


def bill_html(*, bill: CoPaymentBill) -> str:
    return render_to_string("settlements/documents/bill_document.html", {
        "explanation": bill_explanation(bill=bill), "bill": bill, "language": get_language() or "en",
    })


def bill_pdf(*, bill: CoPaymentBill) -> bytes:
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    pdf: bytes = HTML(string=bill_html(bill=bill)).write_pdf()
    return pdf
