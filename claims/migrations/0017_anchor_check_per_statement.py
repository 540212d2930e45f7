from django.db import migrations

# Inserted claims are checked per statement (annotations 0006), so a bulk import reads
# each document text once; an update of a span is still checked row by row, before it
# is written. Same guarantee: no claim is stored whose quote is not the text at its
# offsets.
PER_STATEMENT = """
DROP TRIGGER claims_claim_check_anchor ON claims_claim;
CREATE TRIGGER claims_claim_check_anchor
    BEFORE UPDATE OF document_id, start, "end", quote ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION annotations_check_anchor();
CREATE TRIGGER claims_claim_check_inserted_anchors
    AFTER INSERT ON claims_claim REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_check_inserted_anchors();
"""

PER_ROW = """
DROP TRIGGER claims_claim_check_inserted_anchors ON claims_claim;
DROP TRIGGER claims_claim_check_anchor ON claims_claim;
CREATE TRIGGER claims_claim_check_anchor
    BEFORE INSERT OR UPDATE OF document_id, start, "end", quote ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION annotations_check_anchor();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0016_history_per_statement"),
        ("annotations", "0007_check_inserted_anchors"),
    ]

    operations = [migrations.RunSQL(PER_STATEMENT, PER_ROW)]
