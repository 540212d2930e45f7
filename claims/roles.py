"""The three roles, as Django groups with model permissions.

Model permissions say which actions a role may attempt; who may touch which
claim (an annotator only their own drafts) is checked per object where the
action happens. Superusers are the admins.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission

ANNOTATOR = "annotator"
REVIEWER = "reviewer"
# Analysts' API logins: read everything, change nothing.
API_READER = "api_reader"

_READ_ALL = [
    ("annotations", "document", ["view"]),
    ("claims", "speaker", ["view", "add"]),
    ("claims", "speakeralias", ["view", "add"]),
    ("claims", "topic", ["view"]),
    ("claims", "metric", ["view"]),
    ("claims", "target", ["view"]),
    ("claims", "targetstatement", ["view"]),
    ("claims", "targetrevision", ["view"]),
    ("claims", "observation", ["view"]),
    ("claims", "claimrelation", ["view"]),
]

ROLE_PERMISSIONS = {
    API_READER: [
        *((app, model, ["view"]) for app, model, _ in _READ_ALL),
        ("claims", "claim", ["view"]),
    ],
    ANNOTATOR: [
        *_READ_ALL,
        ("claims", "claim", ["view", "add", "change", "delete"]),
        ("claims", "targetstatement", ["add", "change", "delete"]),
        ("claims", "observation", ["add", "change", "delete"]),
        ("claims", "claimrelation", ["add", "change", "delete"]),
    ],
    REVIEWER: [
        *_READ_ALL,
        ("annotations", "document", ["add", "change"]),
        ("claims", "claim", ["view", "add", "change", "delete"]),
        ("claims", "speaker", ["change"]),
        ("claims", "speakeralias", ["change", "delete"]),
        ("claims", "topic", ["add", "change"]),
        ("claims", "metric", ["add", "change"]),
        ("claims", "target", ["add", "change"]),
        ("claims", "targetstatement", ["add", "change", "delete"]),
        ("claims", "targetrevision", ["add"]),
        ("claims", "observation", ["add", "change", "delete"]),
        ("claims", "claimrelation", ["add", "change", "delete"]),
    ],
}


def ensure_role_groups(**kwargs: Any) -> None:
    """Create or update the role groups. Idempotent; runs after every migrate."""
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            Permission.objects.get(
                content_type__app_label=app, content_type__model=model, codename=f"{action}_{model}"
            )
            for app, model, actions in grants
            for action in actions
        ]
        group.permissions.set(wanted)
