"""What leaves the system from a settlement run: the statement (totals, streamed CSV, PDF), the
Peppol e-invoice (schema-valid, payable = the run's total; self-billing; refused for drafts; a
credit note for a correction paying back; the provider's address, VAT number and account), the
accounting export, the co-payment bill (who may read it, and that reads are logged) and disputes
on lines (who may raise and resolve them, with their audit rows)."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from lxml import etree

from frivalg.core.models import AuditEvent
from frivalg.core.periods import Period
from frivalg.core.services import api_token_create
from frivalg.settlements import documents
from frivalg.settlements.dispute_selectors import disputes_of_run, line_get
from frivalg.settlements.dispute_services import line_dispute_raise, line_dispute_resolve
from frivalg.settlements.invoices import NS_CAC, NS_CBC, NS_CREDIT_NOTE, amount, validate_invoice
from frivalg.settlements.models import (
    CoPaymentBill,
    DisputeStatus,
    LineDispute,
    LineOverride,
    ReasonCode,
    RunKind,
    SettlementLine,
    SettlementRun,
)
from frivalg.settlements.services import settlement_month_compute, settlement_policy_set, settlement_run_approve
from frivalg.visits.models import Visit
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

MONTH = Period.month_of(date.today())


def _done(decision, provider, day_offset, hour, minutes, *, performed=None):
    start = timezone.localtime().replace(day=1, hour=hour, minute=0, second=0, microsecond=0) + timedelta(
        days=day_offset)
    return VisitFactory(decision=decision, provider=provider, planned_start=start,
                        planned_end=start + timedelta(minutes=minutes), status="done", actual_start=start,
                        actual_end=start + timedelta(minutes=performed if performed is not None else minutes))


def _month(world, *, approve=True):
    """Visits of Omsorg Nord (Karen) and of the in-house provider (Poul), settled for the month."""
    settlement_policy_set(actor=world.finance, valid_from=date(2020, 1, 1), document={
        "co_payment": {"per_hour_minor": {"PH": 15000},
                       "brackets": [{"income_up_to_minor": 20000000, "monthly_cap_minor": 10000},
                                    {"monthly_cap_minor": 300000}]}})
    _done(world.decision, world.private, 1, 9, 45, performed=41)
    _done(world.decision, world.private, 2, 19, 30)
    _done(world.decision, world.private, 3, 9, 60, performed=70)
    VisitFactory(decision=world.decision, provider=world.private, status="missed",
                 planned_start=timezone.localtime().replace(day=1, hour=8, minute=0, second=0, microsecond=0)
                 + timedelta(days=4),
                 planned_end=timezone.localtime().replace(day=1, hour=8, minute=30, second=0, microsecond=0)
                 + timedelta(days=4))
    _done(world.neighbour_decision, world.in_house, 2, 10, 30, performed=50)
    result = settlement_month_compute(actor=world.finance, period=MONTH)
    runs = {run.provider: run for run in result.runs}
    if approve:
        settlement_run_approve(actor=world.finance, run=runs[world.private])
    for run in runs.values():
        run.refresh_from_db()
    return runs


def _peppol(muni, **extra):
    muni.peppol_endpoint_id = "5798000000001"
    muni.peppol_scheme = "0088"
    muni.org_number = "29189897"
    muni.address = "Rådhuspladsen 1"
    muni.city = "Testrup"
    muni.postcode = "9999"
    for key, value in extra.items():
        setattr(muni, key, value)
    muni.save()


def _api(client, user):
    _token, raw = api_token_create(actor=None, user=user, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


# --- the statement ------------------------------------------------------------------------------


def test_statement_totals_equal_the_run_total_for_finance_and_the_provider(world):
    run = _month(world)[world.private]
    assert run.line_count >= 4  # with today's planned visit of the world when it falls in the month
    for actor in (world.finance, world.private_admin):
        statement = documents.statement_for(actor=actor, run=run)
        assert statement.total_minor == run.total_minor
        assert sum(band.amount_minor for band in statement.by_band) == run.total_minor
        assert sum(reason.amount_minor for reason in statement.by_reason) == run.total_minor
        assert statement.line_count == run.line_count
    assert {band.time_band for band in statement.by_band} == set(run.lines.values_list("time_band", flat=True))
    missed = [r for r in statement.by_reason if r.reason_code == "missed"]
    assert missed[0].amount_minor == 0 and missed[0].label == str(ReasonCode.MISSED.label)


def test_the_statement_json_gives_the_totals(client, world):
    run = _month(world)[world.private]
    body = _api(client, world.private_admin).get(f"/api/v1/settlement-runs/{run.public_id}/statement").json()
    assert body["total_minor"] == run.total_minor
    assert body["run"]["id"] == str(run.public_id)
    assert sum(band["amount_minor"] for band in body["by_band"]) == run.total_minor
    other = _api(client, world.other_admin).get(f"/api/v1/settlement-runs/{run.public_id}/statement")
    assert other.status_code == 404


def test_the_csv_streams_every_line_and_names_citizens_by_the_access_rules(client, world):
    run = _month(world)[world.private]
    client.force_login(world.finance)
    response = client.get(f"/settlements/{run.public_id}/statement.csv")
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()), delimiter=";"))
    assert rows[0][:3] == ["line", "visit_reference", "date"]
    assert len(rows) == run.line_count + 1
    assert sum(Decimal(row[13]) for row in rows[1:]) == Decimal(run.total_minor) / 100
    assert {row[4] for row in rows[1:]} == {world.citizen.full_name}

    # The provider sees its current client's name, and only initials once the choice has ended.
    names = {line.citizen for line in documents.statement_lines(actor=world.private_admin, run=run)}
    assert names == {world.citizen.full_name}
    world.choice.valid_to = date.today()
    world.choice.save()
    names = {line.citizen for line in documents.statement_lines(actor=world.private_admin, run=run)}
    assert names == {documents.initials(world.citizen.first_name, world.citizen.last_name)}

    client.force_login(world.other_admin)
    assert client.get(f"/settlements/{run.public_id}/statement.csv").status_code == 404
    client.force_login(world.other_finance)
    assert client.get(f"/settlements/{run.public_id}/statement/").status_code == 404


def test_the_statement_page_and_pdf(client, world):
    run = _month(world)[world.private]
    client.force_login(world.private_admin)
    page = client.get(f"/settlements/{run.public_id}/statement/")
    assert page.status_code == 200
    assert run.output_hash.encode() in page.content
    pdf = client.get(f"/settlements/{run.public_id}/statement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


# --- the e-invoice ------------------------------------------------------------------------------


def _payable(xml: bytes) -> str:
    return etree.fromstring(xml).findtext(f".//{{{NS_CBC}}}PayableAmount")


def test_the_invoice_is_schema_valid_and_pays_the_run_total_exempt(world):
    _peppol(world.muni)
    run = _month(world)[world.private]
    xml = documents.run_invoice(actor=world.private_admin, run=run)
    assert validate_invoice(xml) == []
    root = etree.fromstring(xml)
    assert _payable(xml) == amount(run.total_minor)
    assert root.findtext(f"{{{NS_CBC}}}InvoiceTypeCode") == "380"
    assert {node.text for node in root.iter(f"{{{NS_CBC}}}TaxExemptionReasonCode")} == {"VATEX-EU-132-1G"}
    units = {node.get("unitCode") for node in root.iter(f"{{{NS_CBC}}}InvoicedQuantity")}
    assert units == {"HUR"}
    paid_bands = set(run.lines.exclude(amount_minor=0).values_list("service_id", "time_band"))
    assert len(root.findall("{*}InvoiceLine")) == len(paid_bands)  # one per service × time band


def test_the_self_billing_and_taxable_variants(world):
    _peppol(world.muni, invoice_self_billing=True)
    run = _month(world)[world.private]
    xml = documents.run_invoice(actor=world.finance, run=run)
    assert validate_invoice(xml) == []
    assert etree.fromstring(xml).findtext(f"{{{NS_CBC}}}InvoiceTypeCode") == "389"
    assert "selfbilling" in etree.fromstring(xml).findtext(f"{{{NS_CBC}}}CustomizationID")

    _peppol(world.muni, invoice_self_billing=False, invoice_vat_category="S", invoice_vat_percent=Decimal(25))
    run.municipality.refresh_from_db()
    xml = documents.run_invoice(actor=world.finance, run=run)
    assert validate_invoice(xml) == []
    assert _payable(xml) == amount(run.total_minor + (run.total_minor * 25 + 50) // 100)


def test_invoices_are_refused_for_drafts_and_without_a_peppol_address(client, world):
    runs = _month(world)
    draft = runs[world.in_house]
    _peppol(world.muni)
    with pytest.raises(ValidationError):
        documents.run_invoice(actor=world.finance, run=draft)
    response = _api(client, world.finance).get(f"/api/v1/settlement-runs/{draft.public_id}/invoice.xml")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "status"
    client.force_login(world.finance)
    assert client.get(f"/settlements/{draft.public_id}/invoice.xml").status_code == 409

    approved = runs[world.private]
    ok = client.get(f"/settlements/{approved.public_id}/invoice.xml")
    assert ok.status_code == 200 and ok["Content-Type"] == "application/xml"
    world.muni.peppol_endpoint_id = ""
    world.muni.save()
    refused = _api(client, world.finance).get(f"/api/v1/settlement-runs/{approved.public_id}/invoice.xml")
    assert refused.status_code == 422


def _paid_back(world, runs):
    """An approved correction of the private provider's approved run: a visit it was paid for
    turns out missed, so the correction pays its amount back (a negative total)."""
    regular = runs[world.private]
    paid = regular.lines.filter(amount_minor__gt=0, visit__isnull=False).order_by("pk").first()
    Visit.objects.filter(pk=paid.visit_id).update(status="missed")
    [correction] = [run for run in settlement_month_compute(actor=world.finance, period=MONTH).runs
                    if run.provider == world.private]
    assert (correction.kind, correction.corrects) == (RunKind.CORRECTION, regular)
    assert correction.total_minor == -paid.amount_minor
    return settlement_run_approve(actor=world.finance, run=correction)


def _credit_note(xml: bytes):
    root = etree.fromstring(xml)
    assert root.tag == f"{{{NS_CREDIT_NOTE}}}CreditNote"
    return root


def test_a_correction_paying_back_is_a_credit_note_naming_the_corrected_invoice(client, world):
    _peppol(world.muni)
    runs = _month(world)
    correction = _paid_back(world, runs)
    xml = documents.run_invoice(actor=world.finance, run=correction)
    assert validate_invoice(xml) == []
    root = _credit_note(xml)
    assert root.findtext(f"{{{NS_CBC}}}CreditNoteTypeCode") == "381"
    assert root.findtext(f"{{{NS_CBC}}}CustomizationID").endswith("poacc:billing:3.0")
    assert root.find(f"{{{NS_CBC}}}DueDate") is None  # UBL 2.1 has none; payment terms instead (BR-CO-25)
    assert root.findtext(f"{{{NS_CAC}}}PaymentTerms/{{{NS_CBC}}}Note")
    assert _payable(xml) == amount(-correction.total_minor)
    assert root.findtext(f"{{{NS_CAC}}}LegalMonetaryTotal/{{{NS_CBC}}}LineExtensionAmount") == amount(
        -correction.total_minor)
    reference = root.findtext(f"{{{NS_CAC}}}BillingReference/{{{NS_CAC}}}InvoiceDocumentReference/{{{NS_CBC}}}ID")
    assert reference == documents.invoice_number(runs[world.private])
    regular_invoice = etree.fromstring(documents.run_invoice(actor=world.finance, run=runs[world.private]))
    assert regular_invoice.findtext(f"{{{NS_CBC}}}ID") == reference
    assert root.findall(f"{{{NS_CAC}}}CreditNoteLine/{{{NS_CBC}}}CreditedQuantity")
    assert documents.invoice_file_name(correction).startswith("credit-note-T001-")
    assert documents.invoice_file_name(runs[world.private]).startswith("invoice-T001-")

    client.force_login(world.finance)
    page = client.get(f"/settlements/{correction.public_id}/invoice.xml")
    assert page.status_code == 200 and page["Content-Type"] == "application/xml"
    assert 'filename="credit-note-' in page["Content-Disposition"]
    assert page.content == xml
    api = _api(client, world.finance).get(f"/api/v1/settlement-runs/{correction.public_id}/invoice.xml")
    assert api.status_code == 200 and 'filename="credit-note-' in api["Content-Disposition"]


def test_a_self_billed_credit_note_is_type_261(world):
    _peppol(world.muni, invoice_self_billing=True)
    correction = _paid_back(world, _month(world))
    xml = documents.run_invoice(actor=world.finance, run=correction)
    assert validate_invoice(xml) == []
    root = _credit_note(xml)
    assert root.findtext(f"{{{NS_CBC}}}CreditNoteTypeCode") == "261"
    assert "selfbilling" in root.findtext(f"{{{NS_CBC}}}CustomizationID")
    assert _payable(xml) == amount(-correction.total_minor)


def test_a_run_adding_up_to_zero_is_refused(world):
    _peppol(world.muni)
    runs = _month(world)
    draft = runs[world.in_house]
    draft.lines.update(amount_minor=0)
    SettlementRun.objects.filter(pk=draft.pk).update(total_minor=0)
    approved = settlement_run_approve(actor=world.finance, run=draft)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        documents.run_invoice(actor=world.finance, run=approved)
    assert "nothing to invoice or credit" in str(error.value.message_dict["invoice"])


def _invoicing_details(provider, **extra):
    provider.street = "Vestergade 1"
    provider.postcode = "8000"
    provider.city = "Aarhus C"
    provider.vat_number = "DK12345678"
    provider.bank_account = "DK5000400440116243"
    for key, value in extra.items():
        setattr(provider, key, value)
    provider.save()


@pytest.mark.parametrize("self_billing", [False, True])
def test_the_invoice_states_the_provider_s_address_vat_number_and_account(world, self_billing):
    _peppol(world.muni, invoice_self_billing=self_billing)
    _invoicing_details(world.private, peppol_endpoint_id="5790000000009", peppol_scheme="0088")
    run = _month(world)[world.private]
    xml = documents.run_invoice(actor=world.finance, run=run)
    assert validate_invoice(xml) == []
    root = etree.fromstring(xml)
    seller = root.find(f"{{{NS_CAC}}}AccountingSupplierParty/{{{NS_CAC}}}Party")
    address = seller.find(f"{{{NS_CAC}}}PostalAddress")
    assert [address.findtext(f"{{{NS_CBC}}}{tag}") for tag in ("StreetName", "PostalZone", "CityName")] == [
        "Vestergade 1", "8000", "Aarhus C"]
    assert seller.findtext(f"{{{NS_CAC}}}PartyTaxScheme/{{{NS_CBC}}}CompanyID") == "DK12345678"
    endpoint = seller.find(f"{{{NS_CBC}}}EndpointID")
    assert (endpoint.text, endpoint.get("schemeID")) == ("5790000000009", "0088")
    means = root.find(f"{{{NS_CAC}}}PaymentMeans")
    assert means.findtext(f"{{{NS_CBC}}}PaymentMeansCode") == "30"
    assert means.findtext(f"{{{NS_CBC}}}PaymentID") == documents.invoice_number(run)
    assert means.findtext(f"{{{NS_CAC}}}PayeeFinancialAccount/{{{NS_CBC}}}ID") == "DK5000400440116243"


def test_without_invoicing_details_the_organisation_number_stands_in(world):
    _peppol(world.muni, invoice_vat_category="S", invoice_vat_percent=Decimal(25))
    run = _month(world)[world.private]
    root = etree.fromstring(documents.run_invoice(actor=world.finance, run=run))
    seller = root.find(f"{{{NS_CAC}}}AccountingSupplierParty/{{{NS_CAC}}}Party")
    assert seller.findtext(f"{{{NS_CBC}}}EndpointID") == world.private.org_number
    assert seller.findtext(f"{{{NS_CAC}}}PartyTaxScheme/{{{NS_CBC}}}CompanyID") == f"DK{world.private.org_number}"
    assert root.find(f"{{{NS_CAC}}}PaymentMeans") is None
    assert seller.find(f"{{{NS_CAC}}}PostalAddress/{{{NS_CBC}}}StreetName") is None  # no empty elements
    _invoicing_details(world.private, vat_number="DK87654321", bank_account="")
    root = etree.fromstring(documents.run_invoice(actor=world.finance, run=SettlementRun.objects.get(pk=run.pk)))
    assert root.findtext(f".//{{{NS_CAC}}}AccountingSupplierParty//{{{NS_CBC}}}CompanyID") == "DK87654321"


# --- the accounting export ----------------------------------------------------------------------


def test_the_accounting_export_books_to_the_service_and_district_or_the_mapping(client, world):
    run = _month(world)[world.private]
    export = documents.run_accounting(actor=world.finance, run=run)
    rows = list(csv.reader(io.StringIO(export.csv_text), delimiter=";"))
    assert rows[1][:2] == ["PH", "N"]
    assert export.total_minor == run.total_minor

    world.muni.accounting_mapping = {"accounts": {"PH": "5110"}, "cost_centres": {"N": "CC-NORD"}}
    world.muni.save()
    client.force_login(world.finance)
    response = client.get(f"/settlements/{run.public_id}/accounting.csv")
    assert response.status_code == 200
    assert "5110;CC-NORD" in response.content.decode()
    with pytest.raises(SettlementRun.DoesNotExist):
        documents.run_accounting(actor=world.private_admin, run=run)
    client.force_login(world.private_admin)
    assert client.get(f"/settlements/{run.public_id}/accounting.csv").status_code == 403


# --- the co-payment bill ------------------------------------------------------------------------


def test_the_bill_is_seen_by_the_citizen_the_attorney_and_finance_only(client, world):
    _month(world)
    bill = CoPaymentBill.objects.get(citizen=world.citizen)
    for user in (world.citizen_user, world.relative, world.finance):
        assert documents.bills_for(actor=user).filter(pk=bill.pk).exists(), user
        client.force_login(user)
        response = client.get(f"/settlements/bills/{bill.public_id}/")
        assert response.status_code == 200, user
        assert f"/settlements/bills/{bill.public_id}/pdf/".encode() in response.content
    for user in (world.neighbour_user, world.private_admin, world.other_finance, world.assessor):
        assert not documents.bills_for(actor=user).filter(pk=bill.pk).exists(), user
        client.force_login(user)
        assert client.get(f"/settlements/bills/{bill.public_id}/").status_code == 404, user

    reads = AuditEvent.objects.filter(action="co_payment_bill.read", object_id=str(bill.public_id))
    assert set(reads.values_list("actor__username", flat=True)) == {"relative", "finance"}


def test_the_bill_explains_the_cap_and_comes_as_pdf_and_in_the_list(client, world):
    _month(world)
    bill = CoPaymentBill.objects.get(citizen=world.citizen)
    explanation = documents.bill_explanation(bill=bill)
    assert explanation.brackets == ((20000000, 10000), (None, 300000))
    assert [service.fee_per_hour_minor for service in explanation.services] == [15000]
    client.force_login(world.citizen_user)
    pdf = client.get(f"/settlements/bills/{bill.public_id}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/settlements/bills/").status_code == 403
    client.force_login(world.finance)
    listing = client.get(f"/settlements/bills/?month={MONTH.start:%Y-%m}")
    assert listing.status_code == 200 and world.citizen.full_name.encode() in listing.content


def test_the_bill_api_lists_what_the_actor_may_see(client, world):
    _month(world)
    mine = _api(client, world.citizen_user).get("/api/v1/co-payment-bills").json()["items"]
    assert [item["citizen"] for item in mine] == [str(world.citizen.public_id)]
    assert _api(client, world.private_admin).get("/api/v1/co-payment-bills").json()["items"] == []
    finance = _api(client, world.finance).get("/api/v1/co-payment-bills").json()["items"]
    assert len(finance) == CoPaymentBill.objects.filter(municipality=world.muni).count()


# --- disputes -----------------------------------------------------------------------------------


def test_a_provider_disputes_its_own_line_and_finance_resolves_it(client, world):
    run = _month(world)[world.private]
    line = run.lines.get(reason_code="missed")
    dispute = line_dispute_raise(actor=world.private_admin, line=line, comment=" The citizen was home ")
    assert (dispute.status, dispute.comment) == (DisputeStatus.OPEN, "The citizen was home")
    assert AuditEvent.objects.get(action="line_dispute.raise").municipality_id == world.muni.pk
    with pytest.raises(ValidationError):
        line_dispute_raise(actor=world.private_admin, line=line, comment="Again")
    assert list(disputes_of_run(actor=world.finance, run=run, open_only=True)) == [dispute]
    assert list(disputes_of_run(actor=world.other_finance, run=run)) == []
    assert documents.statement_for(actor=world.finance, run=run).open_disputes == 1

    with pytest.raises(PermissionDenied):
        line_dispute_resolve(actor=world.other_finance, dispute=dispute, answer="No")
    line_dispute_resolve(actor=world.finance, dispute=dispute, answer="Accepted: paid next run", action="accept")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.answer) == (DisputeStatus.RESOLVED, "Accepted: paid next run")
    assert LineOverride.objects.get(visit=line.visit).action == "accept"
    assert AuditEvent.objects.filter(action="line_dispute.resolve").count() == 1
    assert AuditEvent.objects.filter(action="settlement_override.set").count() == 1
    with pytest.raises(ValidationError):
        line_dispute_resolve(actor=world.finance, dispute=dispute, answer="Twice")


def test_another_provider_may_not_dispute_or_see_the_line(client, world):
    runs = _month(world)
    line = runs[world.private].lines.first()
    for outsider in (world.other_admin, world.in_house_admin):
        with pytest.raises(SettlementLine.DoesNotExist):
            line_get(actor=outsider, line_id=line.public_id)
        with pytest.raises(PermissionDenied):
            line_dispute_raise(actor=outsider, line=line, comment="Not ours")
        response = _api(client, outsider).post(f"/api/v1/settlement-lines/{line.public_id}/disputes",
                                                {"comment": "Not ours"}, content_type="application/json")
        assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        line_dispute_raise(actor=world.finance, line=line, comment="Finance does not dispute")
    assert LineDispute.objects.count() == 0

    created = _api(client, world.private_admin).post(f"/api/v1/settlement-lines/{line.public_id}/disputes",
                                                     {"comment": "Too little"}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["run"] == str(runs[world.private].public_id)


def test_the_dispute_and_resolve_pages(client, world):
    run = _month(world)[world.private]
    line = run.lines.first()
    client.force_login(world.private_admin)
    assert client.get(f"/settlements/lines/{line.public_id}/dispute/").status_code == 200
    response = client.post(f"/settlements/lines/{line.public_id}/dispute/", {"comment": "Wrong time"})
    assert response.status_code == 302
    dispute = LineDispute.objects.get()
    client.force_login(world.finance)
    page = client.get(f"/settlements/{run.public_id}/statement/")
    assert b"Wrong time" in page.content
    client.post(f"/settlements/disputes/{dispute.public_id}/resolve/", {"answer": "Checked: correct", "action": ""})
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED
