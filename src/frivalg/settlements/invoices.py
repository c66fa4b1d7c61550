"""The monthly e-invoice for one provider and period: a Peppol BIS Billing 3.0 UBL 2.1 Invoice, or a
CreditNote when the amount is owed back. Pure: no Django — plain frozen dataclasses in, XML bytes
out; see docs/einvoicing.md.

Money comes in as integer minor units (øre/öre) and is written as decimals with two places.
VAT is computed once per VAT breakdown (one per category and rate, EN 16931 BG-23), never per
line: VAT amount = taxable amount × rate ÷ 100, rounded to the minor unit half up — ties away
from zero, `core.money.ROUNDING` — so a breakdown's VAT is exactly what its taxable amount and
rate say (BR-CO-17) and the document totals add up to the cent:

    LineExtensionAmount  = Σ line net amounts                       (BR-CO-10)
    TaxExclusiveAmount   = LineExtensionAmount (no document-level allowances or charges)
    TaxAmount            = Σ breakdown VAT amounts                  (BR-CO-14)
    TaxInclusiveAmount   = TaxExclusiveAmount + TaxAmount           (BR-CO-15)
    PayableAmount        = TaxInclusiveAmount (nothing prepaid, no rounding amount)

The invoice is either sent by the provider (`self_billing=False`, InvoiceTypeCode 380, Peppol BIS
Billing 3.0) or issued by the municipality on the provider's behalf under a self-billing agreement
(`self_billing=True`, InvoiceTypeCode 389, Peppol BIS Self-Billing 3.0). In both the provider is
the seller (AccountingSupplierParty) and the municipality the buyer (AccountingCustomerParty).

Money owed back (a correction whose payable amount is negative) is not sent as an invoice with
negative totals but as a UBL 2.1 CreditNote: `build_document` picks it, `build_credit_note` writes
it with every amount's sign flipped so that its totals are positive — CreditNoteTypeCode 381, or
261 when self-billed — the corrected invoice named in BillingReference, and payment terms instead
of a due date (a UBL 2.1 CreditNote has no DueDate; BR-CO-25 asks for one of the two).

`validate_invoice` checks a document against the OASIS UBL 2.1 XSD vendored under `xsd/ubl-2.1`,
the Invoice or the CreditNote schema by the document's root element.
That is schema validation only: the Peppol and national Schematron rules are not run here; the
builder enforces the ones that follow from its input (see `InvoiceError`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from frivalg.core.money import round_minor

CUSTOMIZATION_BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CUSTOMIZATION_SELF_BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0"
PROFILE_SELF_BILLING = "urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0"
INVOICE_TYPE_COMMERCIAL = "380"
INVOICE_TYPE_SELF_BILLED = "389"
#: UNCL 1001 "Credit note" and "Self billed credit note" (Peppol BIS Self-Billing: UNCL1001-sbcn).
CREDIT_NOTE_TYPE_COMMERCIAL = "381"
CREDIT_NOTE_TYPE_SELF_BILLED = "261"
#: UNCL 4461 "Credit transfer" (non-SEPA: DKK, SEK and NOK are not SEPA currencies).
PAYMENT_MEANS_CREDIT_TRANSFER = "30"

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

CURRENCIES = frozenset({"DKK", "SEK", "NOK"})
#: UNCL 5305 subset used here: standard rate, zero rated, exempt, not subject to VAT.
VAT_CATEGORIES = frozenset({"S", "Z", "E", "O"})
_ZERO_PERCENT_CATEGORIES = frozenset({"Z", "E"})
_NEEDS_REASON = frozenset({"E", "O"})
_PRICE_PLACES = Decimal("0.0001")

XSD_DIR = Path(__file__).resolve().parent / "xsd" / "ubl-2.1"
INVOICE_XSD = XSD_DIR / "maindoc" / "UBL-Invoice-2.1.xsd"
CREDIT_NOTE_XSD = XSD_DIR / "maindoc" / "UBL-CreditNote-2.1.xsd"
_SCHEMA_BY_ROOT = {f"{{{NS_INVOICE}}}Invoice": INVOICE_XSD, f"{{{NS_CREDIT_NOTE}}}CreditNote": CREDIT_NOTE_XSD}


class InvoiceError(ValueError):
    """The input cannot become a valid Peppol invoice (a rule the builder enforces is broken)."""


@dataclass(frozen=True)
class Party:
    """A seller or buyer. Schemes are codes from the Peppol EAS (endpoint) and ISO 6523 ICD (legal
    id) lists: 0184 Danish CVR, 0088 GLN/EAN (Danish public endpoints), 0192 Norwegian
    organisation number, 0007 Swedish organisation number."""

    name: str
    endpoint_id: str
    endpoint_scheme: str
    legal_id: str
    legal_scheme: str
    vat_id: str | None
    street: str
    city: str
    postcode: str
    country: str
    #: BT-32, the seller's tax registration beside VAT: "Foretaksregisteret" for a Norwegian
    #: AS/ASA (foretaksregisterloven § 10-2), "Godkänd för F-skatt" for a Swedish F-tax holder.
    tax_registration_id: str | None = None


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice line. `unit_code` is UN/ECE Rec. 20 (HUR hours, C62 one, MON month).
    `line_extension_minor` is the net line amount; its sign must follow the quantity's (a
    correction is a negative quantity), so the unit price stays non-negative (BR-27)."""

    id: str
    description: str
    quantity: Decimal
    unit_code: str
    line_extension_minor: int
    vat_category: str
    vat_percent: Decimal
    accounting_cost: str | None = None
    #: The seller's item id, e.g. the service code.
    item_id: str | None = None
    #: Required for categories E and O (BR-E-10, BR-O-10), e.g. VATEX-EU-132-1G.
    vat_exemption_reason: str | None = None
    vat_exemption_reason_code: str | None = None


@dataclass(frozen=True)
class Invoice:
    number: str
    issue_date: date
    due_date: date
    period_start: date
    #: Inclusive, as UBL's InvoicePeriod/EndDate.
    period_end: date
    currency: str
    buyer_reference: str
    supplier: Party
    customer: Party
    lines: Sequence[InvoiceLine]
    self_billing: bool = False
    note: str | None = None
    order_reference: str | None = None
    #: IBAN or BBAN of the provider; the payment reference is the invoice number. Not written on a
    #: credit note: there the money goes to the buyer, whose account this is not.
    payment_account: str | None = None
    #: BT-25, the number of the invoice this document corrects (BillingReference).
    preceding_invoice: str | None = None
    #: BT-20, payment terms as text; required on a credit note (BR-CO-25).
    payment_terms: str | None = None


@dataclass(frozen=True)
class TaxSubtotal:
    category: str
    percent: Decimal
    taxable_minor: int
    tax_minor: int
    exemption_reason: str | None
    exemption_reason_code: str | None


@dataclass(frozen=True)
class InvoiceTotals:
    line_extension_minor: int
    tax_subtotals: tuple[TaxSubtotal, ...]
    tax_minor: int
    tax_inclusive_minor: int
    payable_minor: int


def vat_amount_minor(taxable_minor: int, percent: Decimal) -> int:
    """VAT on a taxable amount: taxable × percent ÷ 100, rounded once, half away from zero."""
    return round_minor(Decimal(taxable_minor) * percent / 100)


def compute_totals(invoice: Invoice) -> InvoiceTotals:
    """The VAT breakdown (one per category and rate, in first-seen order) and document totals."""
    _check(invoice)
    groups: dict[tuple[str, Decimal], list[InvoiceLine]] = {}
    for line in invoice.lines:
        groups.setdefault((line.vat_category, line.vat_percent), []).append(line)
    subtotals = []
    for (category, percent), members in groups.items():
        reasons = {(m.vat_exemption_reason, m.vat_exemption_reason_code) for m in members}
        if len(reasons) > 1:
            raise InvoiceError(f"lines in VAT category {category} {percent}% give different exemption reasons")
        reason, reason_code = reasons.pop()
        taxable = sum(m.line_extension_minor for m in members)
        subtotals.append(
            TaxSubtotal(category, percent, taxable, vat_amount_minor(taxable, percent), reason, reason_code)
        )
    line_total = sum(line.line_extension_minor for line in invoice.lines)
    tax = sum(s.tax_minor for s in subtotals)
    return InvoiceTotals(line_total, tuple(subtotals), tax, line_total + tax, line_total + tax)


def _check(invoice: Invoice) -> None:
    if invoice.currency not in CURRENCIES:
        raise InvoiceError(f"currency {invoice.currency!r} is not one of {sorted(CURRENCIES)}")
    if not invoice.lines:
        raise InvoiceError("an invoice needs at least one line (BR-16)")
    if invoice.period_end < invoice.period_start:
        raise InvoiceError("the invoice period ends before it starts (BR-29)")
    if not invoice.buyer_reference and not invoice.order_reference:
        raise InvoiceError("a buyer reference or an order reference is required (PEPPOL-EN16931-R003)")
    if len({line.id for line in invoice.lines}) != len(invoice.lines):
        raise InvoiceError("invoice line ids must be unique")
    categories = {line.vat_category for line in invoice.lines}
    if "O" in categories and len(categories) > 1:
        raise InvoiceError("'not subject to VAT' (O) cannot be combined with other VAT categories (BR-O-11)")
    seller_registered = invoice.supplier.vat_id or invoice.supplier.tax_registration_id
    if categories & {"S", "Z", "E"} and not seller_registered:
        raise InvoiceError("categories S, Z and E need the seller's VAT or tax registration id (BR-S-02 …)")
    if "O" in categories and (invoice.supplier.vat_id or invoice.customer.vat_id):
        raise InvoiceError("seller and buyer VAT ids cannot be given with category O (BR-O-02)")
    for line in invoice.lines:
        _check_line(line)


def _check_line(line: InvoiceLine) -> None:
    if line.vat_category not in VAT_CATEGORIES:
        raise InvoiceError(f"line {line.id}: VAT category {line.vat_category!r} is not one of S, Z, E, O")
    if line.vat_category == "S" and line.vat_percent <= 0:
        raise InvoiceError(f"line {line.id}: standard rate (S) needs a rate above zero (BR-S-05)")
    if line.vat_category in _ZERO_PERCENT_CATEGORIES | {"O"} and line.vat_percent != 0:
        raise InvoiceError(f"line {line.id}: category {line.vat_category} has rate 0")
    if line.vat_category in _NEEDS_REASON and not (line.vat_exemption_reason or line.vat_exemption_reason_code):
        raise InvoiceError(f"line {line.id}: category {line.vat_category} needs an exemption reason")
    if line.vat_category not in _NEEDS_REASON and (line.vat_exemption_reason or line.vat_exemption_reason_code):
        raise InvoiceError(f"line {line.id}: only categories E and O carry an exemption reason")
    if line.quantity == 0 and line.line_extension_minor != 0:
        raise InvoiceError(f"line {line.id}: an amount needs a quantity")
    if line.line_extension_minor * line.quantity < 0:
        raise InvoiceError(f"line {line.id}: amount and quantity must have the same sign (BR-27)")


def amount(minor: int) -> str:
    """Minor units as a decimal with two places: 123456 → '1234.56'."""
    return str(Decimal(minor).scaleb(-2).quantize(Decimal("0.01")))


def _number(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _price(line: InvoiceLine) -> tuple[Decimal, Decimal | None]:
    """Unit price and base quantity whose product with the quantity is the line amount exactly
    (PEPPOL-EN16931-R120): the plain unit price when it has at most four decimals, else the line
    amount priced per |quantity|."""
    net = Decimal(abs(line.line_extension_minor)).scaleb(-2)
    if line.quantity == 0:
        return Decimal(0), None
    unit = (net / abs(line.quantity)).quantize(_PRICE_PLACES)
    if unit * abs(line.quantity) == net:
        return unit, None
    return net, abs(line.quantity)


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    ns = NS_CBC if tag.startswith("cbc:") else NS_CAC
    node = etree.SubElement(parent, f"{{{ns}}}{tag[4:]}", attrs)
    if text is not None:
        node.text = text
    return node


def _party(parent: Any, role: str, party: Party) -> None:
    node = _el(_el(parent, f"cac:{role}"), "cac:Party")
    _el(node, "cbc:EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
    _el(_el(node, "cac:PartyIdentification"), "cbc:ID", party.legal_id, schemeID=party.legal_scheme)
    _el(_el(node, "cac:PartyName"), "cbc:Name", party.name)
    address = _el(node, "cac:PostalAddress")
    for tag, value in (("cbc:StreetName", party.street), ("cbc:CityName", party.city),
                       ("cbc:PostalZone", party.postcode)):
        if value:  # Peppol forbids empty elements (PEPPOL-EN16931-R008)
            _el(address, tag, value)
    _el(_el(address, "cac:Country"), "cbc:IdentificationCode", party.country)
    for company_id, scheme in ((party.vat_id, "VAT"), (party.tax_registration_id, "TAX")):
        if company_id:
            tax_scheme = _el(node, "cac:PartyTaxScheme")
            _el(tax_scheme, "cbc:CompanyID", company_id)
            _el(_el(tax_scheme, "cac:TaxScheme"), "cbc:ID", scheme)
    legal = _el(node, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", party.name)
    _el(legal, "cbc:CompanyID", party.legal_id, schemeID=party.legal_scheme)


def _tax_category(parent: Any, tag: str, category: str, percent: Decimal) -> Any:
    node = _el(parent, tag)
    _el(node, "cbc:ID", category)
    if category != "O":
        _el(node, "cbc:Percent", _number(percent))
    return node


def is_credit_note(invoice: Invoice) -> bool:
    """Whether the document is money owed back: a negative payable amount."""
    return compute_totals(invoice).payable_minor < 0


def credited(invoice: Invoice) -> Invoice:
    """The same document with every line's amount and quantity negated: what a credit note states."""
    lines = tuple(replace(line, quantity=-line.quantity, line_extension_minor=-line.line_extension_minor)
                  for line in invoice.lines)
    return replace(invoice, lines=lines)


def build_document(invoice: Invoice) -> bytes:
    """An Invoice, or a CreditNote when the payable amount is negative (see the module docstring)."""
    return build_credit_note(invoice) if is_credit_note(invoice) else build_invoice(invoice)


def build_invoice(invoice: Invoice) -> bytes:
    """The invoice as UTF-8 XML bytes. Raises InvoiceError when the input breaks a rule above."""
    return _build(invoice, credit_note=False)


def build_credit_note(invoice: Invoice) -> bytes:
    """The credit note for `invoice`, given with the signs of the run (a negative payable amount),
    as UTF-8 XML bytes: amounts negated so that its totals are positive. Raises InvoiceError when
    nothing is owed back or the payment terms are missing (BR-CO-25)."""
    if not is_credit_note(invoice):
        raise InvoiceError("a credit note needs a negative payable amount to credit")
    if not invoice.payment_terms:
        raise InvoiceError("a credit note needs payment terms (BR-CO-25)")
    return _build(credited(invoice), credit_note=True)


def _build(invoice: Invoice, *, credit_note: bool) -> bytes:
    totals = compute_totals(invoice)
    cur = {"currencyID": invoice.currency}
    document_ns = NS_CREDIT_NOTE if credit_note else NS_INVOICE
    root = etree.Element(f"{{{document_ns}}}{'CreditNote' if credit_note else 'Invoice'}",
                         nsmap={None: document_ns, "cac": NS_CAC, "cbc": NS_CBC})
    if invoice.self_billing:
        _el(root, "cbc:CustomizationID", CUSTOMIZATION_SELF_BILLING)
        _el(root, "cbc:ProfileID", PROFILE_SELF_BILLING)
    else:
        _el(root, "cbc:CustomizationID", CUSTOMIZATION_BILLING)
        _el(root, "cbc:ProfileID", PROFILE_BILLING)
    _el(root, "cbc:ID", invoice.number)
    _el(root, "cbc:IssueDate", invoice.issue_date.isoformat())
    if credit_note:
        _el(root, "cbc:CreditNoteTypeCode",
            CREDIT_NOTE_TYPE_SELF_BILLED if invoice.self_billing else CREDIT_NOTE_TYPE_COMMERCIAL)
    else:
        _el(root, "cbc:DueDate", invoice.due_date.isoformat())
        _el(root, "cbc:InvoiceTypeCode",
            INVOICE_TYPE_SELF_BILLED if invoice.self_billing else INVOICE_TYPE_COMMERCIAL)
    if invoice.note:
        _el(root, "cbc:Note", invoice.note)
    _el(root, "cbc:DocumentCurrencyCode", invoice.currency)
    if invoice.buyer_reference:
        _el(root, "cbc:BuyerReference", invoice.buyer_reference)
    period = _el(root, "cac:InvoicePeriod")
    _el(period, "cbc:StartDate", invoice.period_start.isoformat())
    _el(period, "cbc:EndDate", invoice.period_end.isoformat())
    if invoice.order_reference:
        _el(_el(root, "cac:OrderReference"), "cbc:ID", invoice.order_reference)
    if invoice.preceding_invoice:
        _el(_el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference"), "cbc:ID",
            invoice.preceding_invoice)
    _party(root, "AccountingSupplierParty", invoice.supplier)
    _party(root, "AccountingCustomerParty", invoice.customer)
    if invoice.payment_account and not credit_note:
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", PAYMENT_MEANS_CREDIT_TRANSFER)
        _el(means, "cbc:PaymentID", invoice.number)
        _el(_el(means, "cac:PayeeFinancialAccount"), "cbc:ID", invoice.payment_account)
    if invoice.payment_terms:
        _el(_el(root, "cac:PaymentTerms"), "cbc:Note", invoice.payment_terms)
    tax_total = _el(root, "cac:TaxTotal")
    _el(tax_total, "cbc:TaxAmount", amount(totals.tax_minor), **cur)
    for sub in totals.tax_subtotals:
        node = _el(tax_total, "cac:TaxSubtotal")
        _el(node, "cbc:TaxableAmount", amount(sub.taxable_minor), **cur)
        _el(node, "cbc:TaxAmount", amount(sub.tax_minor), **cur)
        category = _tax_category(node, "cac:TaxCategory", sub.category, sub.percent)
        if sub.exemption_reason_code:
            _el(category, "cbc:TaxExemptionReasonCode", sub.exemption_reason_code)
        if sub.exemption_reason:
            _el(category, "cbc:TaxExemptionReason", sub.exemption_reason)
        _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    monetary = _el(root, "cac:LegalMonetaryTotal")
    _el(monetary, "cbc:LineExtensionAmount", amount(totals.line_extension_minor), **cur)
    _el(monetary, "cbc:TaxExclusiveAmount", amount(totals.line_extension_minor), **cur)
    _el(monetary, "cbc:TaxInclusiveAmount", amount(totals.tax_inclusive_minor), **cur)
    _el(monetary, "cbc:PayableAmount", amount(totals.payable_minor), **cur)
    for line in invoice.lines:
        _line(root, line, cur, credit_note=credit_note)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _line(root: Any, line: InvoiceLine, cur: dict[str, str], *, credit_note: bool) -> None:
    node = _el(root, "cac:CreditNoteLine" if credit_note else "cac:InvoiceLine")
    _el(node, "cbc:ID", line.id)
    _el(node, "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity", _number(line.quantity),
        unitCode=line.unit_code)
    _el(node, "cbc:LineExtensionAmount", amount(line.line_extension_minor), **cur)
    if line.accounting_cost:
        _el(node, "cbc:AccountingCost", line.accounting_cost)
    item = _el(node, "cac:Item")
    _el(item, "cbc:Name", line.description)
    if line.item_id:
        _el(_el(item, "cac:SellersItemIdentification"), "cbc:ID", line.item_id)
    category = _tax_category(item, "cac:ClassifiedTaxCategory", line.vat_category, line.vat_percent)
    _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    unit_price, base_quantity = _price(line)
    price = _el(node, "cac:Price")
    _el(price, "cbc:PriceAmount", _number(unit_price), **cur)
    if base_quantity is not None:
        _el(price, "cbc:BaseQuantity", _number(base_quantity), unitCode=line.unit_code)


@cache
def _schema(path: Path) -> Any:
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(path), parser))


def validate_invoice(xml: bytes) -> list[str]:
    """Errors of `xml` against the OASIS UBL 2.1 schema of its root element (Invoice or
    CreditNote); an empty list means schema-valid. Schema validity only: Peppol BIS and national
    Schematron rules are not checked."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    path = _SCHEMA_BY_ROOT.get(document.tag)
    if path is None:
        return [f"the root element {document.tag} is neither a UBL 2.1 Invoice nor a CreditNote"]
    schema = _schema(path)
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
