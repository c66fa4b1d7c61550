"""The OCDS export: every stage validates against the shipped OCDS 1.1 release schema, the record
compiles the releases, and nothing about the bids leaks before they are opened."""

import json
from datetime import date, timedelta
from decimal import Decimal

import jsonschema
import pytest
from django.utils import timezone, translation

from frivalg.core.tests.factories import DistrictFactory, MunicipalityFactory
from frivalg.providers.tests.factories import ProviderFactory
from frivalg.tenders import ocds
from frivalg.tenders.tests.factories import (
    AwardFactory,
    BidFactory,
    ContractFactory,
    CriterionFactory,
    LotFactory,
    QuestionFactory,
    TenderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(ocds.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def assert_valid(validator, release):
    errors = sorted(validator.iter_errors(release), key=lambda error: list(error.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def assert_package_valid(validator, package):
    # The package itself (release-package-schema: uri, version, publishedDate, publisher, releases).
    assert set(package) >= {"uri", "version", "publishedDate", "publisher", "releases"}
    assert package["version"] == "1.1"
    assert package["publisher"]["name"]
    json.dumps(package)  # plain JSON: no Decimal, no datetime
    for release in package["releases"]:
        assert_valid(validator, release)
        assert release["ocid"] == package["releases"][0]["ocid"]
    assert len({release["id"] for release in package["releases"]}) == len(package["releases"])


def municipality(**kwargs):
    return MunicipalityFactory(org_number="29189900", address="Rådhuspladsen 1", postcode="1550",
                               city="København", **kwargs)


def planned_tender(**kwargs):
    tender = TenderFactory(municipality=kwargs.pop("municipality", None) or municipality(), **kwargs)
    lot = LotFactory(tender=tender, number=1, title="Nord", volumes={"day": 12000, "evening": 3000},
                     districts=[DistrictFactory(municipality=tender.municipality, name="Nordby")])
    parent = CriterionFactory(tender=tender, code="K1", name="Continuity", weight=Decimal("60"))
    CriterionFactory(tender=tender, code="K1.1", name="Fixed teams", weight=Decimal("100"), parent=parent)
    CriterionFactory(tender=tender, code="K2", name="Language", weight=Decimal("40"))
    return tender, lot


def published_tender(*, deadline_passed=False, **kwargs):
    now = timezone.now()
    tender, lot = planned_tender(**kwargs)
    tender.status = "published"
    tender.published_at = now - timedelta(days=30)
    tender.locked_at = tender.published_at
    if deadline_passed:
        tender.question_deadline = now - timedelta(days=10)
        tender.bid_deadline = now - timedelta(days=1)
    tender.save()
    return tender, lot


def opened_tender():
    tender, lot = published_tender(deadline_passed=True)
    private = BidFactory(lot=lot, provider=ProviderFactory(name="Omsorg Nord ApS", org_number="31313131"),
                         prices={"day": 40000, "evening": 50000})
    in_house = ProviderFactory(name="Kommunens Hjemmepleje", kind="in_house", org_number="29189900",
                               owner_municipality=tender.municipality)
    control = BidFactory(lot=lot, provider=in_house, control_bid=True, prices={"day": 41050, "evening": 52001})
    BidFactory(lot=lot, provider=ProviderFactory(name="Kladde ApS"), status="draft")
    BidFactory(lot=lot, provider=ProviderFactory(name="Fortrudt ApS"), status="withdrawn")
    QuestionFactory(tender=tender, answer="Ja.")
    tender.status = "opened"
    tender.opened_at = timezone.now() - timedelta(hours=20)
    tender.save()
    return tender, lot, private, control


def awarded_tender():
    tender, lot, private, control = opened_tender()
    award = AwardFactory(lot=lot, decided_at=timezone.now() - timedelta(hours=2))
    award.winners.set([control])
    tender.status = "awarded"
    tender.save()
    return tender, lot, award, private, control


def by_tag(package, tag):
    return [release for release in package["releases"] if tag in release["tag"]]


def test_the_shipped_schema_is_ocds_1_1_byte_for_byte():
    assert ocds.schema_sha256() == ocds.SCHEMA_SHA256
    schema = json.loads(ocds.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert "/1__1__" in schema["id"]
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    readme = (ocds.SCHEMA_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert ocds.SCHEMA_SHA256 in readme and "Apache License 2.0" in readme


def test_the_validator_rejects_what_ocds_rejects(validator):
    """The checks below can fail: a date without its offset, an unknown status, a missing tag."""
    tender, _lot = planned_tender()
    release = ocds.releases(tender)[0]
    assert_valid(validator, release)
    assert list(validator.iter_errors(release | {"date": "2026-01-01T10:00:00"}))
    assert list(validator.iter_errors(release | {"tender": release["tender"] | {"status": "open"}}))
    assert list(validator.iter_errors({key: value for key, value in release.items() if key != "tag"}))


def test_planned_tender_is_a_planning_release(validator):
    tender, lot = planned_tender()
    package = ocds.release_package(tender)
    assert_package_valid(validator, package)
    [release] = package["releases"]
    assert release["tag"] == ["planning"]
    assert release["ocid"] == f"ocds-frivalg-{tender.public_id}"
    assert release["language"] == "en"
    notice = release["tender"]
    assert notice["status"] == "planned"
    assert notice["procurementMethod"] == "open" and notice["mainProcurementCategory"] == "services"
    assert "datePublished" not in notice and "startDate" not in notice["tenderPeriod"]
    [item] = notice["items"]
    assert item["id"] == str(lot.public_id)
    assert item["classification"] == {"scheme": "CPV", "id": "85000000-9"}
    assert item["quantity"] == 15000 and item["unit"]["id"] == "HUR"
    assert "Lot 1: Nord" in item["description"] and "Nordby" in item["description"]
    assert notice["awardCriteria"] == "ratedCriteria"
    details = notice["awardCriteriaDetails"]
    assert "Price weighs 40 percent and quality 60 percent" in details
    assert "K1 Continuity (60 percent, grades 0–10)" in details
    assert "K1.1 Fixed teams (100 percent of K1, grades 0–10)" in details
    assert "70 percent of all quality points" in details
    [buyer] = release["parties"]
    assert buyer["id"] == "DK-CVR-29189900" and buyer["roles"] == ["buyer", "procuringEntity"]
    assert buyer["identifier"] == {"scheme": "DK-CVR", "id": "29189900", "legalName": tender.municipality.name}
    assert buyer["address"]["country"] == "DK"
    assert release["buyer"] == {"id": "DK-CVR-29189900", "name": tender.municipality.name}
    assert notice["contractPeriod"]["startDate"].endswith(("+01:00", "+02:00"))


def test_published_tender_before_the_deadline_reveals_no_bid(validator):
    tender, lot = published_tender()
    bidder = ProviderFactory(name="Hemmelig Omsorg ApS", org_number="39393939")
    BidFactory(lot=lot, provider=bidder, prices={"day": 43210, "evening": 54321})
    package = ocds.release_package(tender)
    assert_package_valid(validator, package)
    assert [release["tag"] for release in package["releases"]] == [["planning"], ["tender"]]
    tender_release = by_tag(package, "tender")[0]
    notice = tender_release["tender"]
    assert notice["status"] == "active"
    assert notice["tenderPeriod"]["startDate"] == notice["datePublished"]
    assert notice["tenderPeriod"]["endDate"] == timezone.localtime(tender.bid_deadline).isoformat(timespec="seconds")
    assert "endDate" in notice["enquiryPeriod"]
    for document in (package, ocds.record_package(tender)):
        text = json.dumps(document, ensure_ascii=False)
        assert "Hemmelig" not in text and "39393939" not in text
        assert "tenderers" not in text and "numberOfTenderers" not in text and "awards" not in text
        evaluation_major = str(ocds.amount(43210 * 12000 + 54321 * 3000))
        assert evaluation_major not in text
    assert all(party["roles"] == ["buyer", "procuringEntity"]
               for release in package["releases"] for party in release["parties"])


def test_after_the_deadline_but_before_opening_bids_stay_sealed(validator):
    tender, lot = published_tender(deadline_passed=True)
    BidFactory(lot=lot, provider=ProviderFactory(name="Hemmelig Omsorg ApS"))
    package = ocds.release_package(tender)
    assert_package_valid(validator, package)
    assert "Hemmelig" not in json.dumps(package) and not by_tag(package, "tenderUpdate")


def test_opened_tender_names_the_tenderers(validator):
    tender, _lot, _private, control = opened_tender()
    package = ocds.release_package(tender)
    assert_package_valid(validator, package)
    [opening] = by_tag(package, "tenderUpdate")
    notice = opening["tender"]
    assert notice["numberOfTenderers"] == 2
    names = {ref["name"] for ref in notice["tenderers"]}
    assert names == {"Omsorg Nord ApS", "Kommunens Hjemmepleje"}
    assert notice["hasEnquiries"] is True
    parties = {party["name"]: party for party in opening["parties"]}
    assert parties["Omsorg Nord ApS"]["id"] == "DK-CVR-31313131"
    assert parties["Omsorg Nord ApS"]["roles"] == ["tenderer"]
    # The in-house unit shares the municipality's number: a department of it, its own party id.
    assert parties["Kommunens Hjemmepleje"]["id"] == f"DK-CVR-29189900-{control.provider.public_id}"
    assert len({party["id"] for party in opening["parties"]}) == 3
    assert {ref["id"] for ref in notice["tenderers"]} <= {party["id"] for party in opening["parties"]}
    text = json.dumps(package)
    assert "Kladde" not in text and "Fortrudt" not in text


def test_awarded_tender_gives_the_award_with_value_and_suppliers(validator):
    tender, lot, award, _private, control = awarded_tender()
    package = ocds.release_package(tender)
    assert_package_valid(validator, package)
    [release] = by_tag(package, "award")
    [award_data] = release["awards"]
    assert award_data["id"] == str(award.public_id)
    assert award_data["status"] == "active"
    # 410.50 × 12000 + 520.01 × 3000 = 4,926,000 + 1,560,030 = 6,486,030.00 (øre 648,603,000)
    assert control.evaluation_price_minor == 648_603_000
    assert award_data["value"] == {"amount": 6_486_030, "currency": "DKK"}
    assert award_data["suppliers"] == [{"id": f"DK-CVR-29189900-{control.provider.public_id}",
                                        "name": "Kommunens Hjemmepleje"}]
    assert award_data["items"][0]["id"] == str(lot.public_id)
    assert release["tender"]["status"] == "complete"
    assert release["tender"]["standstillPeriod"]["endDate"].startswith(award.standstill_ends.isoformat())
    supplier = next(party for party in release["parties"] if party["name"] == "Kommunens Hjemmepleje")
    assert supplier["roles"] == ["tenderer", "supplier"]


def test_award_value_sums_the_winners_and_keeps_the_ore(validator):
    tender, _lot, award, private, control = awarded_tender()
    private.evaluation_price_minor = 123_456_789
    private.save()
    award.winners.set([private, control])
    [release] = by_tag(ocds.release_package(tender), "award")
    assert_valid(validator, release)
    assert release["awards"][0]["value"]["amount"] == 7_720_597.89  # (123,456,789 + 648,603,000) / 100
    assert len(release["awards"][0]["suppliers"]) == 2


def test_a_second_lot_without_award_keeps_the_tender_active(validator):
    tender, _lot, _award, _private, _control = awarded_tender()
    LotFactory(tender=tender, number=2, title="Syd")
    [release] = by_tag(ocds.release_package(tender), "award")
    assert_valid(validator, release)
    assert release["tender"]["status"] == "active"


def test_contracted_tender_gives_the_contract(validator):
    tender, _lot, award, _private, control = awarded_tender()
    contract = ContractFactory(award=award, bid=control, valid_from=date(2026, 3, 1), valid_to=date(2028, 2, 29))
    tender.status = "contracted"
    tender.save()
    package = ocds.release_package(tender)
    assert_package_valid(validator, package)
    assert [release["tag"][0] for release in package["releases"]] == [
        "planning", "tender", "tenderUpdate", "award", "contract"]
    [contract_data] = by_tag(package, "contract")[0]["contracts"]
    assert contract_data["id"] == str(contract.public_id)
    assert contract_data["awardID"] == str(award.public_id)
    assert contract_data["status"] == "active"
    assert contract_data["period"] == {"startDate": "2026-03-01T00:00:00+01:00",
                                       "endDate": "2028-02-29T23:59:59+01:00"}
    assert contract_data["value"] == {"amount": 6_486_030, "currency": "DKK"}


def test_record_package_compiles_the_releases(validator):
    tender, _lot, award, _private, control = awarded_tender()
    ContractFactory(award=award, bid=control)
    tender.status = "contracted"
    tender.save()
    published = timezone.now()
    package = ocds.record_package(tender, published=published)
    assert set(package) >= {"uri", "version", "publishedDate", "publisher", "records"}
    assert package["publishedDate"] == timezone.localtime(published).isoformat(timespec="seconds")
    [record] = package["records"]
    assert record["ocid"] == ocds.ocid(tender)
    assert len(record["releases"]) == 5
    for release in record["releases"]:
        assert_valid(validator, release)
    compiled = record["compiledRelease"]
    assert_valid(validator, compiled)
    assert compiled["tag"] == ["compiled"]
    latest = max(release["date"] for release in record["releases"])
    assert compiled["date"] == latest and compiled["id"] == f"{ocds.ocid(tender)}-{latest}"
    notice = compiled["tender"]
    # The latest state wins, what only earlier releases said is kept.
    assert notice["status"] == "complete"
    assert notice["numberOfTenderers"] == 2
    assert notice["title"] == tender.title and notice["items"][0]["classification"]["id"] == "85000000-9"
    assert len(compiled["awards"]) == 1 and len(compiled["contracts"]) == 1
    parties = {party["name"]: party for party in compiled["parties"]}
    assert len(parties) == 3
    assert parties["Kommunens Hjemmepleje"]["roles"] == ["tenderer", "supplier"]
    assert parties["Omsorg Nord ApS"]["roles"] == ["tenderer"]
    json.dumps(package)


def test_compile_merges_by_id_and_null_removes():
    base = {"ocid": "o", "id": "o-1", "date": "2026-01-01T00:00:00+01:00", "tag": ["tender"],
            "tender": {"id": "t", "title": "A", "items": [{"id": "1", "description": "x", "quantity": 1}]}}
    later = {"ocid": "o", "id": "o-2", "date": "2026-02-01T00:00:00+01:00", "tag": ["tenderUpdate"],
             "tender": {"id": "t", "title": None, "items": [{"id": "1", "quantity": 2}, {"id": "2"}]}}
    compiled = ocds.compile_releases([later, base])
    assert compiled["tender"] == {"id": "t", "items": [{"id": "1", "description": "x", "quantity": 2}, {"id": "2"}]}
    assert compiled["date"] == "2026-02-01T00:00:00+01:00" and compiled["id"] == "o-2026-02-01T00:00:00+01:00"
    assert base["tender"]["items"] == [{"id": "1", "description": "x", "quantity": 1}]  # inputs untouched


def test_cancelled_tenders(validator):
    planned, _lot = planned_tender()
    planned.status = "cancelled"
    planned.save()
    package = ocds.release_package(planned)
    assert_package_valid(validator, package)
    assert package["releases"][-1]["tag"] == ["planningUpdate"]
    assert package["releases"][-1]["tender"]["status"] == "withdrawn"

    published, _lot = published_tender()
    published.status = "cancelled"
    published.save()
    package = ocds.release_package(published)
    assert_package_valid(validator, package)
    assert package["releases"][-1]["tag"] == ["tenderCancellation"]
    assert ocds.record_package(published)["records"][0]["compiledRelease"]["tender"]["status"] == "cancelled"


@pytest.mark.parametrize(("country", "currency", "scheme", "zone"), [
    ("SE", "SEK", "SE-ON", "Europe/Stockholm"), ("NO", "NOK", "NO-ORG", "Europe/Oslo")])
def test_org_number_scheme_and_currency_follow_the_country(validator, country, currency, scheme, zone):
    tender, lot = published_tender(
        deadline_passed=True, municipality=municipality(country=country, currency=currency, time_zone=zone))
    bid = BidFactory(lot=lot, provider=ProviderFactory(org_number="5566778899"))
    tender.status, tender.opened_at = "awarded", timezone.now() - timedelta(hours=3)
    tender.save()
    award = AwardFactory(lot=lot)
    award.winners.set([bid])
    package = ocds.release_package(tender)
    assert_package_valid(validator, package)
    [release] = by_tag(package, "award")
    assert release["awards"][0]["value"]["currency"] == currency
    assert release["awards"][0]["suppliers"][0]["id"] == f"{scheme}-5566778899"
    assert release["buyer"]["id"] == f"{scheme}-29189900"


def test_monetised_and_price_only_criteria_texts(validator):
    tender, _lot = planned_tender(evaluation_model="monetised")
    criterion = tender.criteria.get(code="K2")
    criterion.value_per_point_minor = 1_250_000
    criterion.save()
    notice = ocds.releases(tender)[0]["tender"]
    assert "deducted from the price" in notice["awardCriteriaDetails"]
    assert "[a grade point is worth 12500.00 DKK]" in notice["awardCriteriaDetails"]
    assert notice["awardCriteria"] == "ratedCriteria"

    bare = TenderFactory(municipality=municipality(), price_weight=Decimal("100"))
    release = ocds.releases(bare)[0]
    assert_valid(validator, release)
    assert release["tender"]["awardCriteria"] == "priceOnly"
    assert release["tender"]["items"] == []


def test_amounts_are_exact_major_units():
    assert ocds.amount(648_603_000) == 6_486_030 and isinstance(ocds.amount(648_603_000), int)
    assert ocds.amount(12_345) == 123.45
    assert ocds.amount(Decimal("-5")) == -0.05
