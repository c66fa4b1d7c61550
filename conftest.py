"""Fixtures shared by every test: the cross-app world (tests/world.py)."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def world(db):
    from tests.world import build_world

    return build_world()
