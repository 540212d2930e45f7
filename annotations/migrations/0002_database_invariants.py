from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Any table with document_id, start, "end" and quote columns (an AnchoredSpan)
# attaches this as a BEFORE INSERT OR UPDATE trigger. It is the database's
# copy of AnchoredSpan.clean(): PostgreSQL's substr() and char_length() count
# code points, exactly like Python str indices.
CHECK_ANCHOR = """
CREATE FUNCTION annotations_check_anchor() RETURNS trigger AS $$
DECLARE
    doc_text text;
BEGIN
    SELECT text INTO doc_text FROM annotations_document WHERE id = NEW.document_id;
    IF NEW."end" > char_length(doc_text) THEN
        RAISE EXCEPTION 'span end % is beyond the document (% characters)',
            NEW."end", char_length(doc_text) USING ERRCODE = 'check_violation';
    END IF;
    IF substr(doc_text, NEW.start + 1, NEW."end" - NEW.start) IS DISTINCT FROM NEW.quote THEN
        RAISE EXCEPTION 'quote differs from the document text at %-%', NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(CHECK_ANCHOR, "DROP FUNCTION annotations_check_anchor();"),
    ]
