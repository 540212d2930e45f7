"""claimtrack in Simplified Chinese: the catalogues are complete and compiled, and the
language follows the browser (Accept-Language) or the switch, English kept.

The catalogues are read with polib, so these tests need no GNU gettext; `make messages`
(which does) gathers new strings and compiles them (locale/README.md)."""

import json
import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from annotations.models import Document
from claims.models import Claim
from tests.conftest import SOE_TARGET, make_claim

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/*.po"))
# %(name)s, %s, %r, %d as Python and Django's JavaScript interpolate() read them; %% is a percent.
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdr]|\{[a-z_]+\}")


def entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_there_are_catalogues_for_the_server_and_the_browser() -> None:
    assert {path.name for path in CATALOGUES} == {"django.po", "djangojs.po"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_entry_is_translated_and_none_is_fuzzy(path: Path) -> None:
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in entries(po) if not all(translations(e))]
    fuzzy = [e.msgid for e in entries(po) if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path} (check the translation, then drop the flag): {fuzzy}"
    assert not po.metadata_is_fuzzy, f"{path}: the header is marked fuzzy"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_translation_keeps_the_placeholders_of_its_original(path: Path) -> None:
    wrong = [
        (entry.msgid, text)
        for entry in entries(polib.pofile(str(path)))
        for text in translations(entry)
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(entry.msgid))
    ]
    assert not wrong


def compiled(entry: polib.POEntry | polib.MOEntry) -> tuple[Any, ...]:
    plural = tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else ()
    return (entry.msgctxt, entry.msgid, entry.msgid_plural, entry.msgstr, plural)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_the_committed_mo_file_is_compiled_from_its_po(path: Path) -> None:
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    want = {compiled(e) for e in entries(polib.pofile(str(path))) if all(translations(e))}
    have = {compiled(e) for e in polib.mofile(str(mo_path))}
    assert have == want, f"{mo_path} is stale against its .po: run `make messages`"


# --- the language a person gets ---------------------------------------------------------


@pytest.fixture
def admin_client(ada: User) -> Client:
    client = Client()
    client.force_login(ada)
    return client


def test_the_admin_speaks_the_browsers_language_and_english_by_default(
    admin_client: Client,
) -> None:
    english = admin_client.get("/admin/").content.decode()
    chinese = admin_client.get("/admin/", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert "Claims and targets" in english
    assert "论断与目标" not in english
    assert '<html lang="zh-hans"' in chinese.content.decode()
    assert "论断与目标" in chinese.content.decode()
    assert "文档与标注" in chinese.content.decode()


def test_the_switch_in_the_header_sets_the_language_and_comes_back(admin_client: Client) -> None:
    page = admin_client.get("/admin/claims/claim/").content.decode()
    assert 'id="language-switch"' in page
    assert 'action="/i18n/setlang/"' in page
    switched = admin_client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/admin/claims/claim/"}
    )
    assert switched.status_code == 302
    assert switched["Location"] == "/admin/claims/claim/"
    # The cookie wins over a browser that asks for English.
    chinese = admin_client.get("/admin/claims/claim/", headers={"accept-language": "en"})
    assert "论断类型" in chinese.content.decode()  # the claim_type filter's title
    admin_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert "论断类型" not in admin_client.get("/admin/claims/claim/").content.decode()


def test_the_workbench_strings_for_the_browser_come_in_its_language(admin_client: Client) -> None:
    chinese = admin_client.get("/jsi18n/", headers={"accept-language": "zh-hans"})
    english = admin_client.get("/jsi18n/", headers={"accept-language": "en"})
    saved = json.dumps("已保存论断 #%s。")  # the catalogue escapes what is not ASCII, as JSON does
    assert saved in chinese.content.decode()
    assert saved not in english.content.decode()


def test_api_errors_follow_accept_language(
    alice: User, rachel: User, seed_document: Document
) -> None:
    claim = make_claim(seed_document, SOE_TARGET, alice, status="submitted")
    api = APIClient()
    api.force_login(rachel)

    def refused(body: dict[str, Any], language: str) -> dict[str, Any]:
        response = api.patch(
            f"/api/v1/claims/{claim.pk}/",
            body,
            format="json",
            headers={"if-match": f'"{claim.version}"', "accept-language": language},
        )
        assert response.status_code == 400
        errors: dict[str, Any] = response.json()
        return errors

    # Ours (the review rule) and DRF's own (a choice), both in the reader's language.
    no_comment = {"status": "rejected"}
    assert refused(no_comment, "en")["review_comment"] == [
        "A rejection needs a comment saying why."
    ]
    assert refused(no_comment, "zh-Hans")["review_comment"] == ["退回时须填写意见说明理由。"]
    bad_stance = {"stance": "sideways"}
    assert refused(bad_stance, "en")["stance"] == ['"sideways" is not a valid choice.']
    assert refused(bad_stance, "zh-CN")["stance"] == ["“sideways” 不是合法选项。"]
    assert Claim.objects.get(pk=claim.pk).status == "submitted"  # nothing written
