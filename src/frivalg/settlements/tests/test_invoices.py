from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from frivalg.settlements.invoices import (
    CUSTOMIZATION_BILLING,
    CUSTOMIZATION_SELF_BILLING,
    PROFILE_BILLING,
    PROFILE_SELF_BILLING,
    Invoice,
    InvoiceError,
    InvoiceLine,
    Party,
    build_credit_note,
    build_document,
    build_invoice,
    compute_totals,
    validate_invoice,
    vat_amount_minor,
)

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

DK_PROVIDER = Party(
    name="Omsorg & Pleje ApS",
    endpoint_id="12345678",
    endpoint_scheme="0184",
    legal_id="12345678",
    legal_scheme="0184",
    vat_id="DK12345678",
    street="Vestergade 1",
    city="Aarhus C",
    postcode="8000",
    country="DK",
)
DK_MUNICIPALITY = Party(
    name="Aarhus Kommune, Sundhed og Omsorg",
    endpoint_id="5798000000001",
    endpoint_scheme="0088",
    legal_id="55133018",
    legal_scheme="0184",
    vat_id=None,
    street="Rådhuspladsen 2",
    city="Aarhus C",
    postcode="8000",
    country="DK",
)
NO_PROVIDER = Party(
    name="Hjemmetjenester AS",
    endpoint_id="987654321",
    endpoint_scheme="0192",
    legal_id="987654321",
    legal_scheme="0192",
    vat_id="NO987654321MVA",
    street="Storgata 10",
    city="Oslo",
    postcode="0155",
    country="NO",
    tax_registration_id="Foretaksregisteret",
)
NO_MUNICIPALITY = Party(
    name="Oslo kommune, Bydel Frogner",
    endpoint_id="974770482",
    endpoint_scheme="0192",
    legal_id="974770482",
    legal_scheme="0192",
    vat_id=None,
    street="Sommerrogata 1",
    city="Oslo",
    postcode="0255",
    country="NO",
)
SE_PROVIDER = Party(
    name="Hemtjänst i Lund AB",
    endpoint_id="5561234567",
    endpoint_scheme="0007",
    legal_id="5561234567",
    legal_scheme="0007",
    vat_id="SE556123456701",
    street="Storgatan 5",
    city="Lund",
    postcode="22350",
    country="SE",
    tax_registration_id="Godkänd för F-skatt",
)
SE_MUNICIPALITY = Party(
    name="Lunds kommun, Vård och omsorg",
    endpoint_id="2120001165",
    endpoint_scheme="0007",
    legal_id="2120001165",
    legal_scheme="0007",
    vat_id=None,
    street="Kyrkogatan 17",
    city="Lund",
    postcode="22222",
    country="SE",
)

EXEMPT = {"DK": "Momsfritaget social ydelse", "NO": "Unntatt fra merverdiavgift", "SE": "Undantagen social omsorg"}


def exempt_line(line_id: str, quantity: str, amount_minor: int, country: str = "DK", **kw) -> InvoiceLine:
    return InvoiceLine(
        id=line_id,
        description="Personlig pleje, hverdag dag",
        quantity=Decimal(quantity),
        unit_code="HUR",
        line_extension_minor=amount_minor,
        vat_category="E",
        vat_percent=Decimal(0),
        vat_exemption_reason=EXEMPT[country],
        **kw,
    )


def standard_line(line_id: str, quantity: str, amount_minor: int, percent: str = "25") -> InvoiceLine:
    return InvoiceLine(
        id=line_id,
        description="Kørsel",
        quantity=Decimal(quantity),
        unit_code="C62",
        line_extension_minor=amount_minor,
        vat_category="S",
        vat_percent=Decimal(percent),
    )


def invoice(supplier=DK_PROVIDER, customer=DK_MUNICIPALITY, currency="DKK", lines=(), **kw) -> Invoice:
    defaults = {
        "number": "FA-2026-11-0001",
        "issue_date": date(2026, 12, 1),
        "due_date": date(2026, 12, 31),
        "period_start": date(2026, 11, 1),
        "period_end": date(2026, 11, 30),
        "currency": currency,
        "buyer_reference": "5798000000001",
        "supplier": supplier,
        "customer": customer,
        "lines": tuple(lines),
    }
    return Invoice(**{**defaults, **kw})


WORKED = invoice(
    lines=[
        exempt_line("1", "12.5", 562500, accounting_cost="4711", item_id="FSIII-1.1"),  # 12,5 h × 450,00
        exempt_line("2", "4", 165000),  # 4 h × 412,50
        standard_line("3", "1", 10002),
        standard_line("4", "1", 10002),
    ],
    note="Afregning november 2026",
    order_reference="KONTRAKT-17",
    payment_account="DK5000400440116243",
)


def parse(xml: bytes):
    return etree.fromstring(xml)


def text(root, path: str) -> str:
    return root.xpath(f"string({path})", namespaces=NS)


def test_worked_example_totals_and_vat_by_hand():
    # E: 5625,00 + 1650,00 = 7275,00 at 0 % → 0,00
    # S: 100,02 + 100,02 = 200,04 at 25 % → 50,01 (per line it would be 25,01 + 25,01 = 50,02)
    totals = compute_totals(WORKED)
    assert [(s.category, s.taxable_minor, s.tax_minor) for s in totals.tax_subtotals] == [
        ("E", 727500, 0),
        ("S", 20004, 5001),
    ]
    assert totals.line_extension_minor == 747504
    assert totals.tax_minor == 5001
    assert totals.payable_minor == 752505

    root = parse(build_invoice(WORKED))
    monetary = "/inv:Invoice/cac:LegalMonetaryTotal"
    assert text(root, f"{monetary}/cbc:LineExtensionAmount") == "7475.04"
    assert text(root, f"{monetary}/cbc:TaxExclusiveAmount") == "7475.04"
    assert text(root, f"{monetary}/cbc:TaxInclusiveAmount") == "7525.05"
    assert text(root, f"{monetary}/cbc:PayableAmount") == "7525.05"
    assert text(root, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount") == "50.01"
    assert root.xpath("//cbc:PayableAmount/@currencyID", namespaces=NS) == ["DKK"]
    exempt = "/inv:Invoice/cac:TaxTotal/cac:TaxSubtotal[cac:TaxCategory/cbc:ID='E']"
    assert text(root, f"{exempt}/cbc:TaxableAmount") == "7275.00"
    assert text(root, f"{exempt}/cac:TaxCategory/cbc:TaxExemptionReason") == "Momsfritaget social ydelse"
    first_line = "/inv:Invoice/cac:InvoiceLine[cbc:ID='1']"
    assert text(root, f"{first_line}/cbc:InvoicedQuantity") == "12.5"
    assert text(root, f"{first_line}/cbc:InvoicedQuantity/@unitCode") == "HUR"
    assert text(root, f"{first_line}/cac:Price/cbc:PriceAmount") == "450"
    assert text(root, f"{first_line}/cbc:AccountingCost") == "4711"
    assert text(root, f"{first_line}/cac:Item/cac:SellersItemIdentification/cbc:ID") == "FSIII-1.1"
    assert text(root, "/inv:Invoice/cac:InvoicePeriod/cbc:EndDate") == "2026-11-30"
    assert text(root, "/inv:Invoice/cac:OrderReference/cbc:ID") == "KONTRAKT-17"
    assert text(root, "/inv:Invoice/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "DK5000400440116243"
    assert validate_invoice(build_invoice(WORKED)) == []


def test_vat_rounds_half_away_from_zero_once_per_breakdown():
    assert vat_amount_minor(2, Decimal(25)) == 1  # 0,005 → 0,01
    assert vat_amount_minor(-2, Decimal(25)) == -1
    assert vat_amount_minor(1, Decimal(25)) == 0  # 0,0025 → 0,00
    assert vat_amount_minor(10000, Decimal("12.5")) == 1250


def test_standard_invoice_identifiers():
    root = parse(build_invoice(WORKED))
    assert text(root, "/inv:Invoice/cbc:CustomizationID") == CUSTOMIZATION_BILLING
    assert text(root, "/inv:Invoice/cbc:ProfileID") == PROFILE_BILLING
    assert text(root, "/inv:Invoice/cbc:InvoiceTypeCode") == "380"


def test_self_billing_identifiers_and_roles():
    xml = build_invoice(replace(WORKED, self_billing=True))
    root = parse(xml)
    assert text(root, "/inv:Invoice/cbc:CustomizationID") == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0"
    )
    assert text(root, "/inv:Invoice/cbc:CustomizationID") == CUSTOMIZATION_SELF_BILLING
    assert text(root, "/inv:Invoice/cbc:ProfileID") == PROFILE_SELF_BILLING
    assert text(root, "/inv:Invoice/cbc:InvoiceTypeCode") == "389"
    # The provider stays the seller and the municipality the buyer.
    supplier = "/inv:Invoice/cac:AccountingSupplierParty/cac:Party"
    assert text(root, f"{supplier}/cbc:EndpointID") == "12345678"
    assert text(root, "/inv:Invoice/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == "0088"
    assert validate_invoice(xml) == []


@pytest.mark.parametrize("self_billing", [False, True])
@pytest.mark.parametrize(
    ("supplier", "customer", "currency", "country", "rate"),
    [
        (DK_PROVIDER, DK_MUNICIPALITY, "DKK", "DK", "25"),
        (NO_PROVIDER, NO_MUNICIPALITY, "NOK", "NO", "25"),
        (SE_PROVIDER, SE_MUNICIPALITY, "SEK", "SE", "25"),
    ],
)
def test_schema_valid_for_each_country(supplier, customer, currency, country, rate, self_billing):
    document = invoice(
        supplier=supplier,
        customer=customer,
        currency=currency,
        buyer_reference="",
        order_reference="PO-4711",
        self_billing=self_billing,
        lines=[exempt_line("1", "7.25", 326250, country), standard_line("2", "2", 33333, rate)],
    )
    xml = build_invoice(document)
    assert validate_invoice(xml) == []
    root = parse(xml)
    assert root.xpath("//@currencyID", namespaces=NS) == [currency] * len(root.xpath("//@currencyID"))
    assert text(root, "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID/@schemeID") == (
        supplier.endpoint_scheme
    )
    assert "BuyerReference" not in xml.decode()


def test_norwegian_seller_states_foretaksregisteret():
    root = parse(build_invoice(invoice(NO_PROVIDER, NO_MUNICIPALITY, "NOK", lines=[exempt_line("1", "1", 500, "NO")])))
    schemes = root.xpath(
        "/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"
        "[cac:TaxScheme/cbc:ID='TAX']/cbc:CompanyID/text()",
        namespaces=NS,
    )
    assert schemes == ["Foretaksregisteret"]


def test_not_subject_to_vat_has_no_rate():
    unregistered = replace(DK_PROVIDER, vat_id=None)
    line = InvoiceLine(
        "1", "Madservice", Decimal(30), "C62", 150000, "O", Decimal(0), vat_exemption_reason="Ikke momspligtig"
    )
    xml = build_invoice(invoice(supplier=unregistered, lines=[line]))
    assert validate_invoice(xml) == []
    assert (
        parse(xml).xpath("//cac:TaxCategory/cbc:Percent | //cac:ClassifiedTaxCategory/cbc:Percent", namespaces=NS) == []
    )


def test_uneven_unit_price_uses_a_base_quantity():
    root = parse(build_invoice(invoice(lines=[exempt_line("1", "3", 100000)])))  # 1000,00 for 3 h
    assert text(root, "//cac:Price/cbc:PriceAmount") == "1000"
    assert text(root, "//cac:Price/cbc:BaseQuantity") == "3"


def test_correction_line_has_negative_quantity_and_positive_price():
    xml = build_invoice(invoice(lines=[exempt_line("1", "10", 450000), exempt_line("2", "-1.5", -67500)]))
    root = parse(xml)
    assert text(root, "/inv:Invoice/cac:InvoiceLine[cbc:ID='2']/cac:Price/cbc:PriceAmount") == "450"
    assert text(root, "//cbc:PayableAmount") == "3825.00"
    assert validate_invoice(xml) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"currency": "EUR"}, "currency"),
        ({"lines": ()}, "at least one line"),
        ({"buyer_reference": "", "order_reference": None}, "R003"),
        ({"period_end": date(2026, 10, 31)}, "BR-29"),
        ({"lines": (exempt_line("1", "1", 100), exempt_line("1", "1", 100))}, "unique"),
        ({"lines": (replace(exempt_line("1", "1", 100), vat_exemption_reason=None),)}, "exemption reason"),
        ({"lines": (exempt_line("1", "1", -100),)}, "same sign"),
        ({"lines": (exempt_line("1", "0", 100),)}, "needs a quantity"),
        ({"lines": (standard_line("1", "1", 100, "0"),)}, "BR-S-05"),
        ({"lines": (replace(standard_line("1", "1", 100), vat_category="X"),)}, "VAT category"),
        ({"supplier": replace(DK_PROVIDER, vat_id=None), "lines": (standard_line("1", "1", 100),)}, "BR-S-02"),
        (
            {
                "lines": (
                    exempt_line("1", "1", 100),
                    replace(exempt_line("2", "1", 100), vat_exemption_reason="Another reason"),
                )
            },
            "different exemption reasons",
        ),
        (
            {"lines": (replace(exempt_line("1", "1", 100), vat_category="O"), exempt_line("2", "1", 100))},
            "BR-O-11",
        ),
        ({"lines": (replace(exempt_line("1", "1", 100), vat_category="O"),)}, "BR-O-02"),
    ],
)
def test_refuses_input_that_breaks_a_rule(change, message):
    with pytest.raises(InvoiceError, match=message):
        build_invoice(replace(WORKED, **change))


def test_validate_reports_schema_errors():
    xml = build_invoice(WORKED).replace(b"<cbc:IssueDate>2026-12-01</cbc:IssueDate>", b"")
    errors = validate_invoice(xml)
    assert errors
    assert any("DueDate" in error for error in errors)
    assert validate_invoice(b"<Invoice") != []
    wrong_order = (
        build_invoice(WORKED)
        .replace(b"<cbc:Note>Afregning november 2026</cbc:Note>\n", b"")
        .replace(b"<cbc:BuyerReference>", b"<cbc:Note>late</cbc:Note><cbc:BuyerReference>")
    )
    assert wrong_order != build_invoice(WORKED)
    assert validate_invoice(wrong_order) != []


def test_validate_does_not_expand_entities():
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>'
    errors = validate_invoice(xml)
    assert errors
    assert "root:" not in " ".join(errors)


RATES = {
    "S": [Decimal(25), Decimal(12), Decimal(15), Decimal(6), Decimal("12.5")],
    "Z": [Decimal(0)],
    "E": [Decimal(0)],
}


@st.composite
def random_lines(draw):
    count = draw(st.integers(min_value=1, max_value=12))
    lines = []
    for index in range(count):
        category = draw(st.sampled_from(sorted(RATES)))
        quantity = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2))
        minor = draw(st.integers(min_value=0, max_value=50_000_000))
        if minor and draw(st.booleans()) and draw(st.booleans()):
            quantity, minor = -quantity, -minor
        name = draw(st.text(alphabet="abcæøåÄÖ &<>'\"", min_size=1, max_size=20).filter(str.strip))
        lines.append(
            InvoiceLine(
                id=str(index + 1),
                description=name,
                quantity=quantity,
                unit_code=draw(st.sampled_from(["HUR", "C62", "MON"])),
                line_extension_minor=minor,
                vat_category=category,
                vat_percent=draw(st.sampled_from(RATES[category])),
                vat_exemption_reason="Exempt welfare service" if category == "E" else None,
            )
        )
    return lines


@settings(max_examples=60, deadline=None)
@given(lines=random_lines(), self_billing=st.booleans(), country=st.sampled_from(["DK", "NO", "SE"]))
def test_random_invoices_validate_and_add_up(lines, self_billing, country):
    supplier, customer, currency = {
        "DK": (DK_PROVIDER, DK_MUNICIPALITY, "DKK"),
        "NO": (NO_PROVIDER, NO_MUNICIPALITY, "NOK"),
        "SE": (SE_PROVIDER, SE_MUNICIPALITY, "SEK"),
    }[country]
    xml = build_invoice(invoice(supplier, customer, currency, lines, self_billing=self_billing))
    assert validate_invoice(xml) == []

    breakdown: dict[tuple[str, Decimal], int] = {}
    for line in lines:
        key = (line.vat_category, line.vat_percent)
        breakdown[key] = breakdown.get(key, 0) + line.line_extension_minor
    vat = sum(
        (Decimal(base) / 100 * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for (_, percent), base in breakdown.items()
    )
    net = sum(Decimal(line.line_extension_minor) for line in lines) / 100
    root = parse(xml)
    assert Decimal(text(root, "//cac:LegalMonetaryTotal/cbc:PayableAmount")) == net + vat
    assert Decimal(text(root, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount")) == vat
    subtotal_tax = root.xpath("//cac:TaxSubtotal/cbc:TaxAmount/text()", namespaces=NS)
    assert sum(Decimal(value) for value in subtotal_tax) == vat
    for node in root.xpath("/inv:Invoice/cac:InvoiceLine", namespaces=NS):  # PEPPOL-EN16931-R120, exactly
        quantity = Decimal(text(node, "cbc:InvoicedQuantity"))
        price = Decimal(text(node, "cac:Price/cbc:PriceAmount"))
        base = Decimal(text(node, "cac:Price/cbc:BaseQuantity") or 1)
        assert price >= 0
        assert quantity * price / base == Decimal(text(node, "cbc:LineExtensionAmount"))


# --- credit notes -------------------------------------------------------------------------------

PAID_BACK = invoice(
    number="T001-202611-0000abcd",
    lines=[
        exempt_line("1", "-10", -450000, accounting_cost="4711", item_id="FSIII-1.1"),  # 10 h paid back
        exempt_line("2", "1.5", 67500),  # a late visit paid in the same correction
        standard_line("3", "-1", -10002),
    ],
    preceding_invoice="T001-202611-1234abcd",
    payment_terms="The credited amount is due to Aarhus Kommune by 2026-12-31.",
    payment_account="DK5000400440116243",
)


def test_a_negative_document_becomes_a_credit_note_with_positive_totals():
    # E: −4500,00 + 675,00 = −3825,00; S: −100,02 at 25 % → VAT −25,01 (half away from zero)
    assert compute_totals(PAID_BACK).payable_minor == -382500 - 10002 - 2501
    xml = build_document(PAID_BACK)
    assert xml == build_credit_note(PAID_BACK)
    assert validate_invoice(xml) == []
    root = parse(xml)
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    assert text(root, "/cn:CreditNote/cbc:CustomizationID") == CUSTOMIZATION_BILLING
    assert text(root, "/cn:CreditNote/cbc:ProfileID") == PROFILE_BILLING
    assert text(root, "/cn:CreditNote/cbc:CreditNoteTypeCode") == "381"
    assert root.xpath("/cn:CreditNote/cbc:DueDate | /cn:CreditNote/cbc:InvoiceTypeCode", namespaces=NS) == []
    assert text(root, "/cn:CreditNote/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == (
        "T001-202611-1234abcd"
    )
    assert text(root, "/cn:CreditNote/cac:PaymentTerms/cbc:Note").startswith("The credited amount")
    # The account is the provider's: the money goes the other way, so a credit note names none.
    assert root.xpath("//cac:PaymentMeans", namespaces=NS) == []
    monetary = "/cn:CreditNote/cac:LegalMonetaryTotal"
    assert text(root, f"{monetary}/cbc:LineExtensionAmount") == "3925.02"
    assert text(root, f"{monetary}/cbc:TaxInclusiveAmount") == "3950.03"
    assert text(root, f"{monetary}/cbc:PayableAmount") == "3950.03"
    assert text(root, "/cn:CreditNote/cac:TaxTotal/cbc:TaxAmount") == "25.01"
    first = "/cn:CreditNote/cac:CreditNoteLine[cbc:ID='1']"
    assert text(root, f"{first}/cbc:CreditedQuantity") == "10"
    assert text(root, f"{first}/cbc:LineExtensionAmount") == "4500.00"
    assert text(root, f"{first}/cac:Price/cbc:PriceAmount") == "450"
    assert text(root, "/cn:CreditNote/cac:CreditNoteLine[cbc:ID='2']/cbc:CreditedQuantity") == "-1.5"
    assert root.xpath("//cac:InvoiceLine | //cbc:InvoicedQuantity", namespaces=NS) == []


def test_a_self_billed_credit_note_is_type_261():
    xml = build_credit_note(replace(PAID_BACK, self_billing=True))
    assert validate_invoice(xml) == []
    root = parse(xml)
    assert text(root, "/cn:CreditNote/cbc:CreditNoteTypeCode") == "261"
    assert text(root, "/cn:CreditNote/cbc:CustomizationID") == CUSTOMIZATION_SELF_BILLING
    assert text(root, "/cn:CreditNote/cbc:ProfileID") == PROFILE_SELF_BILLING


def test_an_invoice_names_the_invoice_it_corrects_and_a_positive_document_stays_an_invoice():
    xml = build_document(replace(WORKED, preceding_invoice="T001-202611-1234abcd"))
    assert validate_invoice(xml) == []
    root = parse(xml)
    assert text(root, "/inv:Invoice/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == (
        "T001-202611-1234abcd"
    )
    assert text(root, "/inv:Invoice/cbc:InvoiceTypeCode") == "380"


def test_a_credit_note_needs_something_owed_back_and_payment_terms():
    with pytest.raises(InvoiceError, match="negative payable"):
        build_credit_note(replace(WORKED, payment_terms="Due in 30 days."))
    with pytest.raises(InvoiceError, match="BR-CO-25"):
        build_credit_note(replace(PAID_BACK, payment_terms=None))


def test_validate_picks_the_schema_by_the_root_element():
    credit_note = build_credit_note(PAID_BACK)
    with_due_date = credit_note.replace(b"<cbc:CreditNoteTypeCode>", b"<cbc:DueDate>2026-12-31</cbc:DueDate>"
                                                                      b"<cbc:CreditNoteTypeCode>")
    assert any("DueDate" in error for error in validate_invoice(with_due_date))
    as_invoice_line = credit_note.replace(b"cac:CreditNoteLine>", b"cac:InvoiceLine>")
    assert validate_invoice(as_invoice_line) != []
    unknown = b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'
    assert "neither" in validate_invoice(unknown)[0]


@st.composite
def lines_owing_back(draw):
    """Exempt lines of both signs whose amounts add up to less than zero."""
    count = draw(st.integers(min_value=1, max_value=10))
    lines = []
    for index in range(count):
        minor = draw(st.integers(min_value=-50_000_000, max_value=20_000_000).filter(bool))
        quantity = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2))
        lines.append(exempt_line(str(index + 1), str(quantity if minor > 0 else -quantity), minor))
    assume(sum(line.line_extension_minor for line in lines) < 0)
    return lines


@settings(max_examples=60, deadline=None)
@given(lines=lines_owing_back(), self_billing=st.booleans())
def test_random_credit_notes_validate_and_pay_back_minus_the_sum(lines, self_billing):
    total = sum(line.line_extension_minor for line in lines)
    document = invoice(lines=lines, self_billing=self_billing, preceding_invoice="T001-202611-1234abcd",
                       payment_terms="Due by 2026-12-31.")
    xml = build_document(document)
    assert validate_invoice(xml) == []
    root = parse(xml)
    assert text(root, "/cn:CreditNote/cbc:CreditNoteTypeCode") == ("261" if self_billing else "381")
    assert Decimal(text(root, "/cn:CreditNote/cac:LegalMonetaryTotal/cbc:PayableAmount")) == Decimal(-total) / 100
    assert Decimal(text(root, "/cn:CreditNote/cac:LegalMonetaryTotal/cbc:LineExtensionAmount")) == (
        Decimal(-total) / 100
    )
    credited = root.xpath("/cn:CreditNote/cac:CreditNoteLine/cbc:LineExtensionAmount/text()", namespaces=NS)
    assert sum(Decimal(value) for value in credited) == Decimal(-total) / 100
