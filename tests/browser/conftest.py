"""Playwright with Debian's Chromium for the browser journeys. Skipped, with the reason shown,
only where /usr/bin/chromium is not installed (CI installs it)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("FRIVALG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("FRIVALG_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"FRIVALG_REQUIRE_BROWSER is set but Chromium is not installed at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module, like the apps' `chromium` fixture: Playwright's sync API allows one
    instance per process, and with pytest-xdist a process may run an app's browser module after
    one of these."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
