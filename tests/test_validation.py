"""Validation says what is wrong, on which field, in words an annotator reads."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim, ClaimType, Metric, Observation, SpeakerAlias, TargetStatement
from tests.conftest import SOE_TARGET, make_claim, make_user

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def unsaved_claim(document, user, start, end, quote, **fields) -> Claim:
    fields.setdefault("claim_type", ClaimType.ASSESSMENT)
    fields.setdefault("attribution", "authorial")
    return Claim(document=document, start=start, end=end, quote=quote, annotator=user, **fields)


def test_a_quote_that_differs_from_the_text_is_refused_showing_both(seed_document, alice):
    start = seed_document.text.index(SOE_TARGET)
    claim = unsaved_claim(seed_document, alice, start, start + len(SOE_TARGET), "到2025年")
    message = errors_of(claim)["quote"][0]
    assert "does not match the document text" in message
    assert SOE_TARGET in message
    assert "到2025年" in message


def test_a_span_beyond_the_text_is_refused_with_the_length(seed_document, alice):
    length = len(seed_document.text)
    claim = unsaved_claim(seed_document, alice, length - 1, length + 3, "x")
    assert errors_of(claim)["end"] == [
        f"end ({length + 3}) is beyond the document, which has {length} characters."
    ]


def test_an_empty_or_reversed_span_is_refused(seed_document, alice):
    claim = unsaved_claim(seed_document, alice, 10, 10, "")
    assert "must be greater than start" in errors_of(claim)["end"][0]


def test_reported_speech_needs_a_speaker(seed_document, alice):
    start = seed_document.text.index(SOE_TARGET)
    claim = unsaved_claim(
        seed_document, alice, start, start + len(SOE_TARGET), SOE_TARGET, attribution="reported"
    )
    assert "needs a speaker" in errors_of(claim)["speaker"][0]


def test_unknown_choices_name_the_field(seed_document, alice):
    start = seed_document.text.index(SOE_TARGET)
    claim = unsaved_claim(
        seed_document, alice, start, start + len(SOE_TARGET), SOE_TARGET, stance="ecstatic"
    )
    assert "stance" in errors_of(claim)


def test_a_valid_claim_passes(seed_document, alice, zhang):
    start = seed_document.text.index(SOE_TARGET)
    unsaved_claim(
        seed_document,
        alice,
        start,
        start + len(SOE_TARGET),
        SOE_TARGET,
        speaker=zhang,
        attribution="reported",
    ).full_clean()


def test_editing_the_text_of_an_annotated_document_is_refused(seed_document, alice):
    make_claim(seed_document, SOE_TARGET, alice)
    seed_document.text = seed_document.text + "补充"
    assert "cannot change" in errors_of(seed_document)["text"][0]


def test_editing_the_text_of_an_unannotated_document_is_allowed(seed_document):
    seed_document.text = seed_document.text + "补充"
    seed_document.full_clean(exclude=["content_hash"])


def test_an_alias_cannot_be_another_speakers_name(zhang):
    from claims.models import Speaker

    other = Speaker.objects.create(name="袁野")
    alias = SpeakerAlias(speaker=other, name="张玉卓")
    assert "already the name of another speaker" in errors_of(alias)["name"][0]


def test_nor_a_speakers_name_another_speakers_alias_and_the_database_holds_both(zhang, client):
    """A name finds one speaker (Speaker.objects.named); the admin's rename is checked
    as the API's is, and the database refuses either way round."""
    from claims.models import Speaker

    other = Speaker.objects.create(name="袁野")
    other.name = "張玉卓"
    assert "already an alias of 张玉卓" in errors_of(other)["name"][0]
    client.force_login(make_user("admin", is_superuser=True))
    renamed = client.post(
        f"/admin/claims/speaker/{other.pk}/change/",
        {
            "name": "張玉卓",
            "kind": "person",
            "description": "",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
        },
    )
    assert "already an alias of 张玉卓" in renamed.content.decode()
    with pytest.raises(IntegrityError, match="another speaker's alias"), transaction.atomic():
        Speaker.objects.filter(pk=other.pk).update(name="張玉卓")
    with pytest.raises(IntegrityError, match="another speaker's name"), transaction.atomic():
        SpeakerAlias.objects.create(speaker=other, name="张玉卓")


@pytest.fixture
def target_claim(seed_document, alice, zhang):
    return make_claim(
        seed_document,
        SOE_TARGET,
        alice,
        claim_type=ClaimType.TARGET,
        speaker=zhang,
        attribution="reported",
    )


def test_a_range_without_its_upper_value_is_refused(target_claim):
    metric = Metric.objects.create(name="share", unit="%")
    statement = TargetStatement(
        claim=target_claim,
        metric=metric,
        number_text="10%-30%",
        comparator="range",
        value=10,
        unit="%",
    )
    assert errors_of(statement)["value_high"] == ["A range needs its upper value."]


def test_only_an_observation_claim_reports_an_observation(target_claim):
    metric = Metric.objects.create(name="share", unit="%")
    observation = Observation(
        claim=target_claim,
        metric=metric,
        number_text="35%",
        value=35,
        unit="%",
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 12, 31),
    )
    errors = errors_of(observation)
    assert "Only an observation-type claim" in errors["claim"][0]
