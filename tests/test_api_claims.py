"""Writing claims through the API: create, change with If-Match, delete, bulk; the
permission matrix; bad input never half-written. In process through the whole Django
stack, and a few of them end to end over real HTTP (the tests with live_server)."""

from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from annotations.models import Document
from claims.models import Claim, Speaker, Topic
from tests.api_support import (  # noqa: F401
    InProcessApi,
    _fresh_throttles,
    api_as,
    api_for,
    claim_body,
    mallory,
    reader,
)
from tests.conftest import SEED_003, make_claim

TEXT = "国务院国资委表示，到2025年，中央企业战略性新兴产业收入的占比要达到35%。𠀀数据为证。"
QUOTE = "到2025年，中央企业战略性新兴产业收入的占比要达到35%"


@pytest.fixture
def document(db) -> Document:
    document = Document.from_raw(TEXT, title="国资委", language="zh-Hans")
    document.save()
    return document


def new_claim(document, **fields: Any) -> dict[str, Any]:
    return claim_body(document, QUOTE, claim_type="target") | fields


def test_it_refuses_anonymous_requests(live_server, document):
    api = api_for(live_server)
    assert api.get("/api/v1/claims/").status_code == 401
    assert api.get("/api/v1/claims/export.csv").status_code == 401
    assert api.get("/api/schema/").status_code == 401
    assert api.post("/api/v1/claims/", json=new_claim(document)).status_code == 401
    assert Claim.objects.count() == 0


def test_it_creates_a_claim_for_the_logged_in_annotator(live_server, alice, document):
    response = api_for(live_server, alice).post("/api/v1/claims/", json=new_claim(document))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["annotator"] == "alice"
    assert body["quote"] == QUOTE
    assert body["status"] == "draft"
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/api/v1/claims/{body['id']}/")
    assert Claim.objects.get().annotator == alice


def test_it_counts_offsets_in_code_points_past_astral_characters(alice, document):
    quote = "数据为证"
    start = document.text.index(quote)  # after 𠀀, one code point but two UTF-16 units
    row = {**new_claim(document), "start": start, "end": start + 4, "quote": quote}
    row["claim_type"] = "assessment"
    response = api_as(alice).post("/api/v1/claims/", json=row)
    assert response.status_code == 201, response.text
    shifted = {**row, "start": start + 1, "end": start + 5}
    response = api_as(alice).post("/api/v1/claims/", json=shifted)
    assert response.status_code == 400
    assert "quote" in response.json()


def test_it_accepts_session_login_but_requires_the_csrf_token(live_server, alice, document):
    client = Client()
    client.force_login(alice)
    api = api_for(live_server)
    api.cookies.set("sessionid", client.cookies["sessionid"].value)
    assert api.get("/api/v1/claims/").status_code == 200
    response = api.post("/api/v1/claims/", json=new_claim(document))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Claim.objects.count() == 0


BAD_INPUT = [
    ("quote", {"quote": "到2025年"}, "quote does not match"),
    ("end", {"end": 10_000}, "beyond the document"),
    ("end", {"end": 3, "start": 5}, "must be greater than start"),
    ("claim_type", {"claim_type": "prophecy"}, "is not a valid choice"),
    ("stance", {"stance": 7}, "is not a valid choice"),
    ("start", {"start": "five"}, "valid integer"),
    ("topics", {"topics": "AI"}, "list"),
    ("document", {"document": 999_999}, "does not exist"),
    ("speaker", {"speaker": 999_999}, "does not exist"),
    ("speaker", {"attribution": "direct"}, "needs a speaker"),
    ("annotator", {"annotator": 1}, "cannot be set"),
    ("reviewer", {"reviewer": 1}, "cannot be set"),
    ("version", {"version": 9}, "cannot be set"),
    ("note", {"note": "bad\x00byte"}, "Null characters are not allowed"),
    ("speaker_role", {"speaker_role": "主任\x00"}, "Null characters are not allowed"),
    ("status", {"status": "accepted"}, "reviewers then decide"),
]


@pytest.mark.parametrize(("field", "change", "message"), BAD_INPUT)
def test_it_refuses_bad_input_naming_the_field(alice, document, field, change, message):
    response = api_as(alice).post("/api/v1/claims/", json={**new_claim(document), **change})
    assert response.status_code == 400, response.text
    assert message in str(response.json()[field])
    assert Claim.objects.count() == 0


def test_it_refuses_a_body_that_is_not_json(alice, document):
    response = api_as(alice).post(
        "/api/v1/claims/", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_it_refuses_an_oversized_body_with_413(live_server, alice, document, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    row = new_claim(document, note="长" * 1000)
    response = api_for(live_server, alice).post("/api/v1/claims/", json=row)
    assert response.status_code == 413
    assert "2000" in response.json()["detail"]
    assert Claim.objects.count() == 0


def test_it_refuses_foreign_topic_ids_and_writes_nothing(alice, document):
    topic = Topic.objects.create(name="AI")
    response = api_as(alice).post(
        "/api/v1/claims/", json=new_claim(document, topics=[topic.pk, 424242])
    )
    assert response.status_code == 400
    assert "424242" in str(response.json()["topics"])
    assert Claim.objects.count() == 0


class TestChangingAClaim:
    def test_it_requires_if_match(self, alice, document):
        claim = make_claim(document, QUOTE, alice)
        response = api_as(alice).patch(f"/api/v1/claims/{claim.pk}/", json={"stance": "support"})
        assert response.status_code == 428
        assert "If-Match" in response.json()["detail"]
        any_version = api_as(alice).patch(  # RFC 9110's "any": it would overwrite anyone's
            f"/api/v1/claims/{claim.pk}/", json={"stance": "support"}, headers={"If-Match": "*"}
        )
        assert any_version.status_code == 428
        claim.refresh_from_db()
        assert claim.stance == "neutral"

    def test_it_saves_from_the_current_version_and_raises_it(self, alice, document):
        claim = make_claim(document, QUOTE, alice)
        api = api_as(alice)
        etag = api.get(f"/api/v1/claims/{claim.pk}/").headers["ETag"]
        response = api.patch(
            f"/api/v1/claims/{claim.pk}/",
            json={"stance": "support", "note": "=fine"},
            headers={"If-Match": etag},
        )
        assert response.status_code == 200, response.text
        assert response.json()["stance"] == "support"
        assert response.headers["ETag"] == '"2"'
        claim.refresh_from_db()
        assert (claim.stance, claim.version) == ("support", 2)

    def test_it_refuses_a_stale_version_with_412_and_what_changed(
        self, live_server, alice, rachel, document
    ):
        claim = make_claim(document, QUOTE, alice)
        alices, rachels = api_for(live_server, alice), api_for(live_server, rachel)
        etag = alices.get(f"/api/v1/claims/{claim.pk}/").headers["ETag"]
        first = rachels.patch(
            f"/api/v1/claims/{claim.pk}/", json={"stance": "oppose"}, headers={"If-Match": etag}
        )
        assert first.status_code == 200
        second = alices.patch(
            f"/api/v1/claims/{claim.pk}/", json={"stance": "support"}, headers={"If-Match": etag}
        )
        assert second.status_code == 412
        body = second.json()
        assert body["current"]["stance"] == "oppose"
        assert body["current"]["version"] == 2
        assert second.headers["ETag"] == '"2"'
        assert any(change["field"] == "stance" for change in body["changes"])
        claim.refresh_from_db()
        assert claim.stance == "oppose"

    def test_it_refuses_if_match_that_names_no_version(self, alice, document):
        claim = make_claim(document, QUOTE, alice)
        response = api_as(alice).put(
            f"/api/v1/claims/{claim.pk}/",
            json=new_claim(document, stance="mixed"),
            headers={"If-Match": '"abc"'},
        )
        assert response.status_code == 412

    def test_it_validates_a_change_and_writes_nothing_on_error(self, alice, document):
        claim = make_claim(document, QUOTE, alice)
        response = api_as(alice).patch(
            f"/api/v1/claims/{claim.pk}/",
            json={"start": claim.start + 1, "stance": "support"},
            headers={"If-Match": '"1"'},
        )
        assert response.status_code == 400
        assert "quote" in response.json()
        claim.refresh_from_db()
        assert (claim.stance, claim.version) == ("neutral", 1)

    def test_it_deletes_only_with_the_current_version(self, alice, document):
        claim = make_claim(document, QUOTE, alice)
        api = api_as(alice)
        assert api.delete(f"/api/v1/claims/{claim.pk}/").status_code == 428
        stale = api.delete(f"/api/v1/claims/{claim.pk}/", headers={"If-Match": '"7"'})
        assert stale.status_code == 412
        assert (
            api.delete(f"/api/v1/claims/{claim.pk}/", headers={"If-Match": '"1"'}).status_code
            == 204
        )
        assert not Claim.objects.exists()


class TestReview:
    def test_the_annotator_submits_and_the_reviewer_accepts(self, alice, rachel, document):
        claim = make_claim(document, QUOTE, alice)
        submitted = api_as(alice).patch(
            f"/api/v1/claims/{claim.pk}/", json={"status": "submitted"}, headers={"If-Match": '"1"'}
        )
        assert submitted.status_code == 200, submitted.text
        accepted = api_as(rachel).patch(
            f"/api/v1/claims/{claim.pk}/", json={"status": "accepted"}, headers={"If-Match": '"2"'}
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["reviewer"] == "rachel"
        assert accepted.json()["reviewed_at"]

    def test_an_annotator_cannot_accept_even_her_own_claim(self, alice, document):
        claim = make_claim(document, QUOTE, alice, status="submitted")
        response = api_as(alice).patch(
            f"/api/v1/claims/{claim.pk}/", json={"status": "accepted"}, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 403
        claim.refresh_from_db()
        assert claim.status == "submitted"

    def test_a_rejection_needs_a_comment(self, alice, rachel, document):
        claim = make_claim(document, QUOTE, alice, status="submitted")
        api = api_as(rachel)
        response = api.patch(
            f"/api/v1/claims/{claim.pk}/", json={"status": "rejected"}, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 400
        assert "comment" in str(response.json()["review_comment"])
        response = api.patch(
            f"/api/v1/claims/{claim.pk}/",
            json={"status": "rejected", "review_comment": "数字有误"},
            headers={"If-Match": '"1"'},
        )
        assert response.status_code == 200


class TestBulk:
    def test_it_creates_every_claim_in_one_request(self, alice, document):
        other = "数据为证"
        start = document.text.index(other)
        rows = [
            new_claim(document),
            {**new_claim(document), "start": start, "end": start + 4, "quote": other},
        ]
        response = api_as(alice).post("/api/v1/claims/bulk/", json=rows)
        assert response.status_code == 201, response.text
        assert [row["quote"] for row in response.json()] == [QUOTE, other]
        assert Claim.objects.filter(annotator=alice).count() == 2

    def test_it_saves_nothing_and_reports_each_bad_row(self, alice, document):
        rows = [
            new_claim(document),
            new_claim(document, quote="wrong"),
            new_claim(document),
            new_claim(document, stance="furious", note="\x00"),
        ]
        response = api_as(alice).post("/api/v1/claims/bulk/", json=rows)
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert [e["row"] for e in errors] == [1, 3]
        assert "quote" in errors[0]["errors"]
        assert set(errors[1]["errors"]) == {"stance", "note"}
        assert Claim.objects.count() == 0

    @pytest.mark.parametrize("body", ["claim", "empty"])
    def test_it_refuses_a_body_that_is_not_a_list(self, alice, document, body):
        rows = new_claim(document) if body == "claim" else []
        response = api_as(alice).post("/api/v1/claims/bulk/", json=rows)
        assert response.status_code == 400
        # A detail, as for a body that is not JSON: the documented shape of bulk's 400.
        assert response.json() == {
            "detail": "No claim was saved: send a non-empty JSON array of claims."
        }
        assert Claim.objects.count() == 0


# ------------------------------------------------------------ permission matrix

PERSONAS = ["alice", "bob", "rachel", "ada", "reader", "mallory", "anonymous"]


@pytest.fixture
def people(alice, bob, rachel, ada, reader, mallory):
    return {
        "alice": alice,
        "bob": bob,
        "rachel": rachel,
        "ada": ada,
        "reader": reader,
        "mallory": mallory,
        "anonymous": None,
    }


def expect(codes: str) -> list[Any]:
    """Expected statuses, in the order of PERSONAS."""
    return [
        pytest.param(who, int(code), id=who)
        for who, code in zip(PERSONAS, codes.split(), strict=True)
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    expect("200 200 200 200 200 403 401"),
)
def test_who_may_read_claims(people, document, who, status):
    claim = make_claim(document, QUOTE, people["alice"])
    api = api_as(people[who])
    assert api.get("/api/v1/claims/").status_code == status
    assert api.get(f"/api/v1/claims/{claim.pk}/").status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    expect("201 201 201 201 403 403 401"),
)
def test_who_may_create_claims(people, document, who, status):
    response = api_as(people[who]).post("/api/v1/claims/", json=new_claim(document))
    assert response.status_code == status
    assert Claim.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    expect("200 403 200 200 403 403 401"),
)
def test_who_may_change_alices_draft(people, document, who, status):
    claim = make_claim(document, QUOTE, people["alice"])
    response = api_as(people[who]).patch(
        f"/api/v1/claims/{claim.pk}/", json={"stance": "mixed"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == status
    claim.refresh_from_db()
    assert claim.stance == ("mixed" if status == 200 else "neutral")


@pytest.mark.parametrize(
    ("who", "status"),
    expect("403 403 200 200 403 403 401"),
)
def test_who_may_change_alices_submitted_claim(people, document, who, status):
    claim = make_claim(document, QUOTE, people["alice"], status="submitted")
    response = api_as(people[who]).patch(
        f"/api/v1/claims/{claim.pk}/", json={"note": "checked"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == status
    claim.refresh_from_db()
    assert claim.note == ("checked" if status == 200 else "")


@pytest.mark.parametrize(
    ("who", "status"),
    expect("204 403 204 204 403 403 401"),
)
def test_who_may_delete_alices_draft(people, document, who, status):
    claim = make_claim(document, QUOTE, people["alice"])
    response = api_as(people[who]).delete(
        f"/api/v1/claims/{claim.pk}/", headers={"If-Match": '"1"'}
    )
    assert response.status_code == status
    assert Claim.objects.filter(pk=claim.pk).exists() == (status != 204)


@pytest.mark.parametrize(
    ("who", "status"),
    expect("404 404 404 404 403 403 401"),
)
def test_a_claim_that_does_not_exist_is_not_found_for_writers_only(people, document, who, status):
    response = api_as(people[who]).patch(
        "/api/v1/claims/424242/", json={"stance": "mixed"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "speaker", "topic", "document_status"),
    [
        pytest.param("alice", 201, 403, 403, id="alice"),
        pytest.param("rachel", 201, 201, 201, id="rachel"),
        pytest.param("ada", 201, 201, 201, id="ada"),
        pytest.param("reader", 403, 403, 403, id="reader"),
        pytest.param("mallory", 403, 403, 403, id="mallory"),
        pytest.param("anonymous", 401, 401, 401, id="anonymous"),
    ],
)
def test_who_may_add_speakers_topics_and_documents(people, who, speaker, topic, document_status):
    api = api_as(people[who])
    assert api.post("/api/v1/speakers/", json={"name": "原磊"}).status_code == speaker
    assert api.post("/api/v1/topics/", json={"name": "AI"}).status_code == topic
    response = api.post("/api/v1/documents/", json={"text": "新质生产力。"})
    assert response.status_code == document_status
    assert Speaker.objects.filter(name="原磊").exists() == (speaker == 201)
    assert Document.objects.exists() == (document_status == 201)


class TestDocuments:
    def test_it_creates_a_document_canonicalised_like_the_import(self, rachel):
        raw = "标题\r\n第二行e\u0301𠀀\r\n"
        response = api_as(rachel).post(
            "/api/v1/documents/",
            json={"text": raw, "outlet": "证券日报", "published_on": "2024-03-06", "pdf": False},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["text"] == "标题\n第二行\u00e9𠀀\n"
        assert body["raw_text"] == raw
        assert body["title"] == "标题"
        assert body["language"] == "zh-Hans"
        assert Document.objects.get().imported_by == rachel

    def test_it_refuses_a_text_already_stored(self, rachel, document):
        response = api_as(rachel).post("/api/v1/documents/", json={"text": TEXT})
        assert response.status_code == 409
        assert f"#{document.pk}" in response.json()["text"][0]
        # APIException details are strings.
        assert response.json()["existing"] == str(document.pk)
        assert Document.objects.count() == 1

    def test_it_detects_the_traditional_script_like_the_import(self, live_server, rachel):
        raw = SEED_003.read_text(encoding="utf-8")
        response = api_for(live_server, rachel).post("/api/v1/documents/", json={"text": raw})
        assert response.status_code == 201, response.text
        assert response.json()["language"] == "zh-Hant"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("text", "正文\x00"),
            ("text", "   "),
            ("published_on", "2024-13-45"),
            ("language", "klingon"),
            ("url", "not a url"),
            ("title", "x" * 501),
            ("id", 5),
        ],
    )
    def test_it_refuses_bad_documents_naming_the_field(self, rachel, field, value):
        response = api_as(rachel).post(
            "/api/v1/documents/", json={"text": "新质生产力。", field: value}
        )
        assert response.status_code == 400, response.text
        assert field in response.json()
        assert not Document.objects.exists()


def test_a_token_belongs_to_one_user(alice, bob, document):
    claim = make_claim(document, QUOTE, alice)
    token = Token.objects.create(user=bob)
    response = InProcessApi(token.key).delete(
        f"/api/v1/claims/{claim.pk}/", headers={"If-Match": '"1"'}
    )
    assert response.status_code == 403
    assert InProcessApi("forged").get("/api/v1/claims/").status_code == 401
