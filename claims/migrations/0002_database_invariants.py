from django.db import migrations

CLAIM_ANCHOR_TRIGGER = """
CREATE TRIGGER claims_claim_check_anchor
    BEFORE INSERT OR UPDATE OF document_id, start, "end", quote ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION annotations_check_anchor();
"""

# Every claim offset depends on the document text, so the text is frozen once
# a claim is anchored in it. claims owns this trigger because it knows which
# table anchors in documents; annotations never has to know about claims.
FREEZE_ANCHORED_TEXT = """
CREATE FUNCTION claims_freeze_anchored_text() RETURNS trigger AS $$
BEGIN
    IF NEW.text IS DISTINCT FROM OLD.text
       AND EXISTS (SELECT 1 FROM claims_claim WHERE document_id = OLD.id) THEN
        RAISE EXCEPTION 'document % has claims anchored in its text; the text cannot change',
            OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER claims_freeze_anchored_text
    BEFORE UPDATE OF text ON annotations_document
    FOR EACH ROW EXECUTE FUNCTION claims_freeze_anchored_text();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("annotations", "0002_database_invariants"),
    ]

    operations = [
        migrations.RunSQL(CLAIM_ANCHOR_TRIGGER,
                          "DROP TRIGGER claims_claim_check_anchor ON claims_claim;"),
        migrations.RunSQL(
            FREEZE_ANCHORED_TEXT,
            "DROP TRIGGER claims_freeze_anchored_text ON annotations_document;"
            "DROP FUNCTION claims_freeze_anchored_text();",
        ),
    ]
