"""Speaker.organization: a speaker of kind organisation, never the speaker itself,
in the database (CHECK, trigger), the API and the admin."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Speaker, SpeakerKind
from tests.conftest import ada, rachel  # noqa: F401


def test_a_speaker_belongs_to_an_organisation_through_the_api(db, rachel):
    client = APIClient()
    client.force_login(rachel)
    org = client.post("/api/v1/speakers/", {"name": "国资委", "kind": "organisation"}).json()
    person = client.post("/api/v1/speakers/", {"name": "张玉卓", "organization": org["id"]})
    assert person.status_code == 201, person.content
    assert person.json()["organization"] == org["id"]
    refused = client.post("/api/v1/speakers/", {"name": "李", "organization": person.json()["id"]})
    assert refused.status_code == 400
    assert "organization" in refused.json()
    assert not Speaker.objects.filter(name="李").exists()


def test_the_database_holds_the_organisation_rules(db):
    org = Speaker.objects.create(name="国资委", kind=SpeakerKind.ORGANISATION)
    person = Speaker.objects.create(name="张", organization=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.filter(pk=org.pk).update(organization=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.create(name="李", organization=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Speaker.objects.filter(pk=org.pk).update(kind=SpeakerKind.PERSON)


def test_an_admin_sets_a_speakers_organization_and_not_a_person(client, ada):
    org = Speaker.objects.create(name="国资委", kind=SpeakerKind.ORGANISATION)
    person = Speaker.objects.create(name="张玉卓")
    other = Speaker.objects.create(name="李")
    client.force_login(ada)
    url = reverse("admin:claims_speaker_change", args=[person.pk])
    form = {
        "name": "张玉卓",
        "kind": "person",
        "description": "",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, {**form, "organization": other.pk})
    assert response.status_code == 200  # the form again, with the error
    person.refresh_from_db()
    assert person.organization is None
    response = client.post(url, {**form, "organization": org.pk})
    assert response.status_code == 302
    assert Speaker.objects.get(pk=person.pk).organization == org
    # An organisation with members stays one.
    org_form = {**form, "name": "国资委", "kind": "person", "organization": ""}
    response = client.post(reverse("admin:claims_speaker_change", args=[org.pk]), org_form)
    assert response.status_code == 200
    assert b"stays an organisation" in response.content
