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
        ("claims", "metric", ["add"]),  # proposed, until a reviewer confirms it
    ],
    REVIEWER: [
        *_READ_ALL,
        # Starts a study: the reviewer who makes a project manages it.
        ("projects", "project", ["add"]),
        ("annotations", "document", ["add", "change"]),
        ("claims", "claim", ["view", "add", "change", "delete"]),
        ("claims", "speaker", ["change"]),
        ("claims", "speakeralias", ["change", "delete"]),
        ("claims", "topic", ["add", "change"]),
        ("claims", "metric", ["add", "change"]),
        ("claims", "target", ["add", "change"]),
        ("claims", "targetstatement", ["add", "change", "delete"]),
        ("claims", "observation", ["add", "change", "delete"]),
        ("claims", "claimrelation", ["add", "change", "delete"]),
    ],
}


def ensure_role_groups(**kwargs: Any) -> None:
    """Create or update the role groups. Idempotent; runs after every migrate (and in
    tests after each flush of the database), so it reads the permissions in one query."""
    permissions = {
        (p.content_type.app_label, p.content_type.model, p.codename): p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={
                app for grants in ROLE_PERMISSIONS.values() for app, _, _ in grants
            }
        )
    }
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            permissions[app, model, f"{action}_{model}"]
            for app, model, actions in grants
            for action in actions
        ]
        group.permissions.set(wanted)
