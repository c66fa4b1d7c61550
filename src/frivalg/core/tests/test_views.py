"""Core pages: log in and out, the home page per role, the audit trail, the language switch."""

import pytest
from django.urls import reverse

from frivalg.core.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME_OF = {
    "assessor": "assessments:caseload",
    "finance": "settlements:runs",
    "analyst": "followup:key_figures",
    "procurement": "followup:key_figures",
    "sysadmin": "core:audit",
    "private_admin": "visits:provider_home",
    "private_caregiver_user": "visits:today",
    "citizen_user": "choices:my",
    "relative": "choices:my",
}


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_login_page_renders_with_dkfds_and_language(client):
    response = client.get(reverse("core:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="da">' in html
    assert "vendor/dkfds/css/dkfds.min.css" in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html


def test_login_with_wrong_password_shows_error_not_500(client, world):
    response = client.post(reverse("core:login"), {"username": "assessor", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_login_then_home_by_role(client, world):
    response = client.post(reverse("core:login"), {"username": "assessor", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("assessments:caseload")


@pytest.mark.parametrize(("who", "url_name"), sorted(HOME_OF.items()))
def test_home_dispatches_each_role(client, world, who, url_name):
    client.force_login(getattr(world, who))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(url_name)
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_user_without_role_gets_a_page_not_an_error(client, world):
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/").status_code == 403


def test_logout_is_a_post(client, world):
    client.force_login(world.assessor)
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_header_shows_municipality_user_and_role(client, world):
    client.force_login(world.assessor)
    html = client.get(reverse("assessments:caseload")).content.decode()
    assert "Testrup Kommune" in html
    assert "assessor" in html


def test_audit_trail_for_system_admin_only(client, world):
    client.force_login(world.assessor)
    client.get(reverse("assessments:citizen", args=[world.citizen.public_id]))  # a logged read
    client.force_login(world.sysadmin)
    response = client.get(reverse("core:audit"))
    assert response.status_code == 200
    assert "citizen.read" in response.content.decode()
    client.force_login(world.assessor)
    assert client.get(reverse("core:audit")).status_code == 403


def test_language_switch(client, world):
    client.force_login(world.assessor)
    url = reverse("assessments:caseload")
    assert '<html lang="da">' in client.get(url).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "Caseload" in html
    client.post(reverse("set_language"), {"language": "da", "next": url})
    assert '<html lang="da">' in client.get(url).content.decode()


def test_unknown_page_is_a_404_page(client, world):
    client.force_login(world.assessor)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "main-content" in response.content.decode()


def _unescape(text):
    return text.replace('\\n', "\n").replace('\\"', '"').replace("\\\\", "\\")


def _po_entries(path):
    """(msgid, [msgstr…], fuzzy) per entry of a .po file, header excluded."""
    entries, current, field, fuzzy = [], None, None, False
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current and current["msgid"].rpartition("\x04")[2]:  # skip the header
                entries.append((_unescape(current["msgid"]), [_unescape(m) for m in current["msgstr"]], fuzzy))
            current, field, fuzzy = None, None, False
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("#"):
            continue
        current = current or {"msgid": "", "msgstr": []}
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt":
            field = "msgid"
            current["msgid"] = rest.strip('"') + "\x04"
        elif keyword in ("msgid", "msgid_plural"):
            field = "msgid"
            current["msgid"] += rest.strip('"') if keyword == "msgid" else ""
        elif keyword.startswith("msgstr"):
            field = "msgstr"
            current["msgstr"].append(rest.strip('"'))
        elif line.startswith('"') and field == "msgid":
            current["msgid"] += line.strip('"')
        elif line.startswith('"') and field == "msgstr":
            current["msgstr"][-1] += line.strip('"')
    return entries


@pytest.mark.parametrize("language", ["da", "sv", "nb"])
@pytest.mark.parametrize("catalogue", ["locale", "pricing/locale"])
def test_the_catalogues_are_complete_and_compiled(language, catalogue):
    import gettext
    from pathlib import Path

    import frivalg

    locale = Path(frivalg.__file__).parent / catalogue
    po = locale / language / "LC_MESSAGES" / "django.po"
    entries = _po_entries(po)
    assert len(entries) > 200
    untranslated = [msgid for msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]
    assert untranslated == []
    with (locale / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    singular = {msgid: msgstrs[0] for msgid, msgstrs, _fuzzy in entries if len(msgstrs) == 1}
    stale = [msgid for msgid, msgstr in singular.items() if catalog.get(msgid) != msgstr]
    assert stale == [], "run compilemessages"
    assert (locale / "en" / "LC_MESSAGES" / "django.mo").exists()
