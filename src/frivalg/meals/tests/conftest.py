import pytest
from django.utils import translation


@pytest.fixture
def mw(world):
    from frivalg.meals.tests.factories import add_meals

    return add_meals(world)


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in English, the source language, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
