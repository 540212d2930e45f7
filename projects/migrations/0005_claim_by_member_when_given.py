from django.db import migrations

# A claim is made by a member of its project, and given (to another project or another
# annotator) only to a member. The row trigger of 0002 fired on every save of a claim,
# since Django's save() writes every column, changed or not: once a member had left, no
# one could save her claims again, not even a reviewer accepting them (a 409). It now
# fires only when the project or the annotator changes. Inserts are checked per
# statement (0004).
WHEN_GIVEN = """
DROP TRIGGER projects_claim_by_member ON claims_claim;
CREATE TRIGGER projects_claim_by_member
    BEFORE UPDATE OF project_id, annotator_id ON claims_claim
    FOR EACH ROW
    WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id
          OR OLD.annotator_id IS DISTINCT FROM NEW.annotator_id)
    EXECUTE FUNCTION projects_claim_by_member();
"""

AT_EVERY_SAVE = """
DROP TRIGGER projects_claim_by_member ON claims_claim;
CREATE TRIGGER projects_claim_by_member
    BEFORE UPDATE OF project_id, annotator_id ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION projects_claim_by_member();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_claims_by_members_per_statement"),
    ]

    operations = [migrations.RunSQL(WHEN_GIVEN, AT_EVERY_SAVE)]
