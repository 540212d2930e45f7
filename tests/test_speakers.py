"""Finding a speaker by name: SpeakerQuerySet.named, used by every lookup by name."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Speaker


@pytest.fixture
def speakers(db: None) -> dict[str, Speaker]:
    zhang = Speaker.objects.create(name="张玉卓")
    zhang.aliases.create(name="張玉卓")
    zhang.aliases.create(name="国资委主任张玉卓")
    yuan = Speaker.objects.create(name="原磊")
    return {"zhang": zhang, "yuan": yuan}


@pytest.mark.parametrize(
    ("name", "containing", "found"),
    [
        pytest.param("张玉卓", False, ["张玉卓"], id="name"),
        pytest.param("張玉卓", False, ["张玉卓"], id="alias"),
        pytest.param("国資委主任張玉卓", False, ["张玉卓"], id="alias-other-script"),
        pytest.param("张玉", False, [], id="part-is-not-a-name"),
        pytest.param("玉", True, ["张玉卓"], id="containing-once-despite-two-aliases"),
        pytest.param("磊", True, ["原磊"], id="containing-name"),
        pytest.param("刘", True, [], id="nobody"),
    ],
)
def test_named_finds_by_name_or_alias_in_either_script(
    speakers: dict[str, Speaker], name: str, containing: bool, found: list[str]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        names = [s.name for s in Speaker.objects.named(name, containing=containing)]
    assert names == found
    assert len(queries) == 1  # the aliases are a subquery
