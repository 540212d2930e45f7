"""What history protects: target revisions are append-only, a restore follows roles,
and a document's text is never rewritten by its admin form."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from annotations.models import Document, ReviewStatus
from claims.models import ClaimType, Metric, Target, TargetRevision, TargetStatement
from tests.conftest import SOE_TARGET, make_claim
from tests.test_history import document_form, logged_in


@pytest.fixture
def revised_target(alice, seed_document) -> Target:
    """A 35% target restated at 36% by alice: one revision."""
    metric = Metric.objects.create(name="战略性新兴产业收入占比", unit="%")
    target = Target.objects.create(
        title="35%", metric=metric, subject="中央企业", number_text="35%", value=35, unit="%"
    )
    claim = make_claim(seed_document, SOE_TARGET, alice, claim_type=ClaimType.TARGET)
    TargetStatement.objects.create(claim=claim, number_text="36%", value=36, unit="%")
    assert target.restate(claim, by=alice) is not None
    return target


def refused(statement) -> bool:
    """True when the database refuses `statement` (run in a savepoint)."""
    try:
        with transaction.atomic():
            statement()
    except DatabaseError:
        return True
    return False


def execute(sql: str, *params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


# ---------------------------------------------------------------- append-only revisions


def test_a_revision_is_credited_to_who_restated_and_records_the_old_figure(revised_target, alice):
    revision = revised_target.revisions.get()
    assert revision.recorded_by == alice
    assert revision.changes["number_text"] == ["35%", "36%"]
    assert revised_target.value == 36


def test_the_database_refuses_to_change_or_delete_a_revision(revised_target):
    revision = revised_target.revisions.get()
    revision.revised_on = revision.revised_on.replace(year=2000)
    assert refused(revision.save)
    assert refused(revision.delete)
    assert refused(lambda: TargetRevision.objects.filter(pk=revision.pk).update(changes={}))
    assert refused(
        execute("UPDATE claims_targetrevision SET changes = '{}' WHERE id = %s", revision.pk)
    )
    assert refused(execute("DELETE FROM claims_targetrevision WHERE id = %s", revision.pk))
    assert (
        TargetRevision.objects.get(pk=revision.pk).changes == revised_target.revisions.get().changes
    )


def test_a_targets_figure_changes_only_by_a_restatement(revised_target):
    assert refused(lambda: Target.objects.filter(pk=revised_target.pk).update(value=40))
    assert refused(
        execute("UPDATE claims_target SET deadline = '2030-12-31' WHERE id = %s", revised_target.pk)
    )
    # What is not the figure stays editable, the status override with its reason among it.
    Target.objects.filter(pk=revised_target.pk).update(
        title="35% → 36%", status_override="achieved", status_override_reason="Reported in 2026"
    )
    assert Target.objects.get(pk=revised_target.pk).value == 36


def test_history_events_cannot_be_rewritten_either(revised_target):
    assert refused(execute("UPDATE claims_targetevent SET value = 1"))
    assert refused(execute("DELETE FROM claims_targetrevisionevent"))


def test_the_admin_offers_no_way_to_write_a_revision(revised_target, rachel, ada):
    revision = revised_target.revisions.get()
    for user in (rachel, ada):
        client = logged_in(user)
        assert client.get("/admin/claims/targetrevision/add/").status_code == 403
        assert client.post(f"/admin/claims/targetrevision/{revision.pk}/delete/").status_code == 403
        form = client.get(f"/admin/claims/targetrevision/{revision.pk}/change/")
        assert form.status_code == 200  # to read, with nothing to save
        assert 'name="_save"' not in form.content.decode()


def test_the_target_form_does_not_edit_the_figure(revised_target, rachel):
    client = logged_in(rachel)
    page = client.get(f"/admin/claims/target/{revised_target.pk}/change/")
    form = page.context["adminform"].form
    assert not {"value", "number_text", "deadline", "unit", "scope"} & set(form.fields)
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "value": "99",
            "number_text": "99%",
            "scope": "北京市",
            "status_override": "achieved",
            "status_override_reason": "Reported in 2026",
            "revisions-TOTAL_FORMS": "1",
            "revisions-INITIAL_FORMS": "1",
            "revisions-MIN_NUM_FORMS": "0",
            "revisions-MAX_NUM_FORMS": "1000",
            "revisions-0-id": str(revised_target.revisions.get().pk),
            "revisions-0-target": str(revised_target.pk),
        }
    )
    response = client.post(f"/admin/claims/target/{revised_target.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    target = Target.objects.get(pk=revised_target.pk)
    assert (target.value, target.number_text, target.scope, target.status_override) == (
        Decimal(36),
        "36%",
        "",
        "achieved",
    )


# ---------------------------------------------------------------- restore follows roles


def delete_in_workbench(user, claim) -> None:
    # The workbench deletes through the public API with its session login.
    response = logged_in(user).delete(
        f"/api/v1/claims/{claim.pk}/", headers={"If-Match": f'"{claim.version}"'}
    )
    assert response.status_code == 204, response.content


def restore(user, claim) -> int:
    return logged_in(user).post("/admin/claims/claim/deleted/", {"claim_id": claim.pk}).status_code


def accepted_claim(document, annotator, reviewer):
    return make_claim(
        document,
        SOE_TARGET,
        annotator,
        status=ReviewStatus.ACCEPTED,
        reviewer=reviewer,
        reviewed_at="2026-01-01T00:00:00Z",
    )


def test_an_annotator_cannot_restore_what_a_reviewer_deleted(alice, rachel, seed_document):
    claim = accepted_claim(seed_document, alice, rachel)
    delete_in_workbench(rachel, claim)
    listing = logged_in(alice).get("/admin/claims/claim/deleted/").content.decode()
    assert f"#{claim.pk}" in listing
    assert "Restore</button>" not in listing
    assert restore(alice, claim) == 403
    assert not type(claim).objects.filter(pk=claim.pk).exists()


def test_an_annotator_cannot_restore_another_annotators_claim(alice, bob, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, bob)
    delete_in_workbench(bob, claim)
    assert restore(alice, claim) == 403


def test_an_annotator_restores_her_own_deleted_draft_as_her_draft(alice, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, alice, note="mine")
    delete_in_workbench(alice, claim)
    assert restore(alice, claim) == 302
    restored = type(claim).objects.get(pk=claim.pk)
    assert (restored.status, restored.annotator, restored.note) == (
        ReviewStatus.DRAFT,
        alice,
        "mine",
    )


def test_a_reviewer_restores_an_accepted_claim_with_its_review(alice, rachel, seed_document):
    claim = accepted_claim(seed_document, alice, rachel)
    delete_in_workbench(rachel, claim)
    assert restore(rachel, claim) == 302
    restored = type(claim).objects.get(pk=claim.pk)
    assert (restored.status, restored.reviewer, restored.version) == (
        ReviewStatus.ACCEPTED,
        rachel,
        2,
    )


# ---------------------------------------------------------------- the document form


@pytest.fixture
def demo_document(db) -> Document:
    """An annotated demo document whose text starts or ends with whitespace."""
    call_command("loaddata", "demo", verbosity=0)
    padded = [d for d in Document.objects.all() if d.text != d.text.strip()]
    assert len(padded) == 6  # of the 7 demo documents
    return next(d for d in padded if d.anchored_span_count())


def test_a_title_is_corrected_on_an_annotated_document_whose_text_has_edge_whitespace(
    demo_document, ada
):
    url = f"/admin/annotations/document/{demo_document.pk}/change/"
    client = logged_in(ada)
    page = client.get(url)
    assert "raw_text" not in page.context["adminform"].form.fields  # anchored: read-only
    assert "text" not in page.context["adminform"].form.fields  # never a form field
    response = client.post(url, {**document_form(page), "title": "更正后的标题"})
    assert response.status_code == 302, page.context["adminform"].form.errors
    stored = Document.objects.get(pk=demo_document.pk)
    assert stored.title == "更正后的标题"
    assert (stored.text, stored.raw_text, stored.content_hash) == (
        demo_document.text,
        demo_document.raw_text,
        demo_document.content_hash,
    )


@pytest.fixture
def unannotated(db) -> Document:
    document = Document.from_raw(
        "  一份通知\n第一行。\n第二行。\n", title="通知", language="zh-Hans"
    )
    document.save()
    return document


def test_a_browsers_crlf_and_edge_whitespace_leave_an_unannotated_text_as_it_was(unannotated, ada):
    url = f"/admin/annotations/document/{unannotated.pk}/change/"
    client = logged_in(ada)
    page = client.get(url)
    sent_back = unannotated.raw_text.replace("\n", "\r\n")  # what a browser posts
    response = client.post(url, {**document_form(page), "title": "新标题", "raw_text": sent_back})
    assert response.status_code == 302
    stored = Document.objects.get(pk=unannotated.pk)
    assert (stored.title, stored.raw_text, stored.text, stored.content_hash) == (
        "新标题",
        unannotated.raw_text,
        unannotated.text,
        unannotated.content_hash,
    )


def test_a_new_raw_text_is_canonicalised_as_on_import(unannotated, ada):
    url = f"/admin/annotations/document/{unannotated.pk}/change/"
    client = logged_in(ada)
    page = client.get(url)
    raw = "  一份通知\r\n第一行。\r\n更正的第二行。\r\n"
    response = client.post(url, {**document_form(page), "raw_text": raw})
    assert response.status_code == 302
    stored = Document.objects.get(pk=unannotated.pk)
    expected = Document.from_raw(raw.replace("\r\n", "\n"), pdf=False)
    assert (stored.raw_text, stored.text) == (raw.replace("\r\n", "\n"), expected.text)
    assert Document.objects.by_text(expected.text).get() == stored  # the hash matches


def test_a_raw_text_already_stored_is_refused(unannotated, ada):
    other = Document.from_raw("另一份通知\n", title="另一份", language="zh-Hans", pdf=False)
    other.save()
    url = f"/admin/annotations/document/{unannotated.pk}/change/"
    client = logged_in(ada)
    page = client.get(url)
    response = client.post(url, {**document_form(page), "raw_text": "另一份通知\r\n"})
    assert response.status_code == 200
    assert "already stored as document" in response.content.decode()
    assert Document.objects.get(pk=unannotated.pk).text == unannotated.text


def test_an_anonymous_client_gets_no_form(unannotated):
    response = Client().get(f"/admin/annotations/document/{unannotated.pk}/change/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
