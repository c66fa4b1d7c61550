import pytest
from django.utils import translation

from frivalg.core.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, the source language, whatever the translations say."""
    with translation.override("en"):
        yield


@pytest.fixture
def manager(world):
    return UserFactory(username="manager", role="assessment_manager", municipality=world.muni)


@pytest.fixture
def other_manager(world):
    return UserFactory(username="manager_b", role="assessment_manager", municipality=world.other_muni)
