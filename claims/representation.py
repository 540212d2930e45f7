"""A claim as the claim resource shows it (ClaimSerializer), built without DRF's
per-field machinery: the bulk API answers with these."""

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from rest_framework import serializers

from claims.api import ClaimObservationSerializer, TargetStatementSerializer
from claims.models import Claim, Observation, TargetStatement
from claims.permissions import allowed_actions

if TYPE_CHECKING:  # claims.bulk imports this module
    from claims.bulk import NewClaim


class Representation:
    """The stored claims as ClaimSerializer shows them, built from what was written
    (no query): the bulk API answers with these."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.datetime = serializers.DateTimeField()
        self.figures = {
            TargetStatement: TargetStatementSerializer(),
            Observation: ClaimObservationSerializer(),
        }
        self.can: dict[str, dict[str, bool]] = {}

    def claim(self, new: "NewClaim") -> dict[str, Any]:
        claim = new.claim
        status = claim["status"]
        if status not in self.can:  # the same for every new claim of one status and user
            self.can[status] = allowed_actions(
                self.user, Claim(annotator_id=self.user.pk, status=status)
            )
        created = self.datetime.to_representation(claim["created_at"])
        figure = new.figure
        return {
            "id": claim["id"],
            "document": claim["document_id"],
            "project": claim["project_id"],
            "guidelines": claim["guidelines_id"],
            "start": claim["start"],
            "end": claim["end"],
            "quote": claim["quote"],
            "claim_type": claim["claim_type"],
            "attribution": claim["attribution"],
            "stance": claim["stance"],
            "modality": claim["modality"],
            "speaker": claim["speaker_id"],
            "speaker_name": new.speaker.name if new.speaker is not None else None,
            "speaker_role": claim["speaker_role"],
            "topics": [t.pk for t in sorted(new.topics, key=lambda t: (t.name, t.pk))],
            "note": claim["note"],
            "status": status,
            "annotator": self.user.username,
            "reviewer": None,
            "review_comment": claim["review_comment"],
            "reviewed_at": None,
            "version": claim["version"],
            "created_at": created,
            "updated_at": created,
            "figure": None
            if figure is None
            else self.figures[type(figure)].to_representation(figure),
            "relations": [
                {
                    "id": r.pk,
                    "target": r.target_id,
                    "kind": r.kind,
                    "note": r.note,
                    "created_by": self.user.username,
                    "created_at": created,
                }
                for r in sorted(new.relations, key=lambda r: (r.kind, r.target_id))
            ],
            "can": self.can[status],
        }
