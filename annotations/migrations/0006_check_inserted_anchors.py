from django.db import migrations

# The statement-level twin of annotations_check_anchor (0002): an AFTER INSERT ...
# REFERENCING NEW TABLE AS inserted trigger checks every span a statement inserted in
# one query, with the same result. Finding a code-point offset means counting every
# character before it, so substr() on the whole text costs about 0.1 ms a span in a
# 17,000-character text, and the row-level function also decompresses the text for
# every row. Here each text is read once per statement and cut into pieces of 64
# characters (one regular-expression pass); a span's pieces are found by skipping whole
# pieces, and only they are counted through. A span whose document does not exist
# fails here too, as it does there.
CHECK_INSERTED_ANCHORS = """
CREATE FUNCTION annotations_check_inserted_anchors() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    WITH texts AS MATERIALIZED (
        SELECT id, char_length(text) AS length,
               ARRAY(SELECT piece[1]
                     FROM regexp_matches(text, '(.{1,64})', 'g') WITH ORDINALITY AS p(piece, n)
                     ORDER BY n) AS pieces
        FROM annotations_document
        WHERE id IN (SELECT document_id FROM inserted)
    )
    SELECT s.start, s."end", t.length INTO bad
    FROM inserted s LEFT JOIN texts t ON t.id = s.document_id
    WHERE t.length IS NULL
       OR s."end" > t.length
       OR substr(
              array_to_string(t.pieces[s.start / 64 + 1 : (s."end" - 1) / 64 + 1], ''),
              s.start % 64 + 1,
              s."end" - s.start
          ) IS DISTINCT FROM s.quote
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF bad."end" > bad.length THEN
        RAISE EXCEPTION 'span end % is beyond the document (% characters)',
            bad."end", bad.length USING ERRCODE = 'check_violation';
    END IF;
    RAISE EXCEPTION 'quote differs from the document text at %-%', bad.start, bad."end"
        USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_history_per_statement")]

    operations = [
        migrations.RunSQL(
            CHECK_INSERTED_ANCHORS, "DROP FUNCTION annotations_check_inserted_anchors();"
        ),
    ]
