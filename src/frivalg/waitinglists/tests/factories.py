from datetime import date

import factory

from frivalg.waitinglists.models import WaitingList, WaitingListEntry


class WaitingListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingList

    service = factory.SubFactory("frivalg.catalogue.tests.factories.ServiceFactory", care_level=7)
    municipality = factory.SelfAttribute("service.municipality")
    name = factory.Sequence(lambda n: f"Plejehjem {n}")
    places = 10
    free_places = 0
    need_weight = 10
    wait_weight = 1
    urgent_reasons = factory.LazyFunction(lambda: ["hospital_discharge"])
    rule_version = 1
    rule_valid_from = date(2026, 1, 1)


class WaitingListEntryFactory(factory.django.DjangoModelFactory):
    """An entry as the services leave it; its position is set by a re-rank."""

    class Meta:
        model = WaitingListEntry

    waiting_list = factory.SubFactory(WaitingListFactory)
    decision = factory.SubFactory("frivalg.assessments.tests.factories.DecisionFactory",
                                  service=factory.SelfAttribute("..waiting_list.service"))
    citizen = factory.SelfAttribute("decision.citizen")
    assessment = factory.SubFactory("frivalg.assessments.tests.factories.AssessmentFactory",
                                    citizen=factory.SelfAttribute("..citizen"))
    applied_on = date(2026, 1, 1)
    need_score = 5


def assessed_citizen(service, scores, *, district=None, assessed_on=date(2026, 1, 5), **citizen):
    """A new citizen of the service's municipality with a completed assessment scored `scores` and
    a granted decision for the service; returns the decision."""
    from frivalg.core.tests.factories import CitizenFactory, DistrictFactory

    district = district or DistrictFactory(municipality=service.municipality)
    person = CitizenFactory(district=district, **citizen)
    return assessed_decision(person, service, scores, assessed_on=assessed_on)


def assessed_decision(person, service, scores, *, assessed_on=date(2026, 1, 5)):
    """A completed assessment scored `scores` for an existing citizen and a granted decision."""
    from frivalg.assessments.models import AssessmentScore
    from frivalg.assessments.tests.factories import AssessmentFactory, DecisionFactory

    assessment = AssessmentFactory(citizen=person, assessed_on=assessed_on)
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, area_code=area, score=score) for area, score in scores.items())
    return DecisionFactory(citizen=person, service=service, assessment=assessment)
