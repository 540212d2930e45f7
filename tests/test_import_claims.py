"""`manage.py import_claims`: JSON Lines in batches through claims.bulk, all or nothing."""

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from claims.models import Claim
from history.events import event_model
from tests.test_bulk import rows


def write_lines(path: Path, lines: Sequence[object]) -> Path:
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    return path


def test_it_imports_every_line_in_batches_credited_to_the_annotator(demo, tmp_path, capsys):
    before = Claim.objects.count()
    path = write_lines(tmp_path / "claims.jsonl", rows(7))
    call_command("import_claims", str(path), "--annotator", "annotator", "--batch-size", "3")
    assert "Imported 7 claims." in capsys.readouterr().out
    new = Claim.objects.order_by("-id")[:7]
    assert Claim.objects.count() == before + 7
    assert {claim.annotator.username for claim in new} == {"annotator"}
    events = event_model(Claim).objects
    event = events.filter(pgh_obj_id=new[0].pk).select_related("pgh_context").get()
    metadata = event.pgh_context.metadata
    assert (metadata["command"], metadata["user"]) == (
        "import_claims",
        User.objects.get(username="annotator").pk,
    )


def test_a_bad_line_in_a_later_batch_saves_nothing_and_is_named(demo, tmp_path):
    before = Claim.objects.count()
    lines = rows(7)
    lines[5]["quote"] = "不是这段文字"
    path = write_lines(tmp_path / "claims.jsonl", lines)
    with pytest.raises(CommandError, match=r"line 6: quote: quote does not match"):
        call_command("import_claims", str(path), "--annotator", "annotator", "--batch-size", "3")
    assert Claim.objects.count() == before


def test_broken_json_and_a_user_who_may_not_add_claims_are_refused(demo, tmp_path):
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(rows(1)[0]) + "\n{not json\n")
    with pytest.raises(CommandError, match="line 2: not valid JSON"):
        call_command("import_claims", str(path), "--annotator", "annotator")
    User.objects.create_user("visitor")
    with pytest.raises(CommandError, match="visitor is not an active user who may add claims"):
        call_command("import_claims", str(path), "--annotator", "visitor")
