from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("claims", "0012_claim_project_guidelines_gold"),
    ]

    operations = [
        # An assignment is to a member of the project (her role is checked on writing).
        migrations.RunSQL(
            sql="""
            ALTER TABLE projects_assignment ADD CONSTRAINT assignment_to_member
                FOREIGN KEY (project_id, annotator_id)
                REFERENCES projects_membership (project_id, user_id)
                DEFERRABLE INITIALLY DEFERRED;
            """,
            reverse_sql="ALTER TABLE projects_assignment DROP CONSTRAINT assignment_to_member;",
        ),
        # A claim in a project other than the default one is by one of its members.
        migrations.RunSQL(
            sql="""
            CREATE FUNCTION projects_claim_by_member() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM projects_project
                               WHERE id = NEW.project_id AND is_default)
                   AND NOT EXISTS (SELECT 1 FROM projects_membership
                                   WHERE project_id = NEW.project_id
                                     AND user_id = NEW.annotator_id) THEN
                    RAISE EXCEPTION 'claim by user % in project %: not a member of the project',
                        NEW.annotator_id, NEW.project_id
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER projects_claim_by_member
                BEFORE INSERT OR UPDATE OF project_id, annotator_id ON claims_claim
                FOR EACH ROW EXECUTE FUNCTION projects_claim_by_member();
            """,
            reverse_sql="""
            DROP TRIGGER projects_claim_by_member ON claims_claim;
            DROP FUNCTION projects_claim_by_member();
            """,
        ),
    ]
