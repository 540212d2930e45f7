from django.db import migrations

# Inserted claims are checked once per statement, over all the rows it inserted: the row
# trigger (0002) cost a PL/pgSQL call and two lookups a claim, up to a tenth of a bulk
# import's insert. An update of a claim's project or annotator is still checked row by
# row. Same rule: a claim outside the default project is by a member of its project.
PER_STATEMENT = """
CREATE FUNCTION projects_inserted_claims_by_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT i.annotator_id, i.project_id INTO bad
    FROM inserted i LEFT JOIN projects_project p ON p.id = i.project_id
    WHERE p.is_default IS NOT TRUE
      AND NOT EXISTS (SELECT 1 FROM projects_membership m
                      WHERE m.project_id = i.project_id AND m.user_id = i.annotator_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'claim by user % in project %: not a member of the project',
            bad.annotator_id, bad.project_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER projects_claim_by_member ON claims_claim;
CREATE TRIGGER projects_claim_by_member
    BEFORE UPDATE OF project_id, annotator_id ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION projects_claim_by_member();
CREATE TRIGGER projects_inserted_claims_by_members
    AFTER INSERT ON claims_claim REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION projects_inserted_claims_by_members();
"""

PER_ROW = """
DROP TRIGGER projects_inserted_claims_by_members ON claims_claim;
DROP FUNCTION projects_inserted_claims_by_members();
DROP TRIGGER projects_claim_by_member ON claims_claim;
CREATE TRIGGER projects_claim_by_member
    BEFORE INSERT OR UPDATE OF project_id, annotator_id ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION projects_claim_by_member();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_history_per_statement"),
    ]

    operations = [migrations.RunSQL(PER_STATEMENT, PER_ROW)]
