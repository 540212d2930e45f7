from django.db import migrations

# The statement-level twin of annotations_check_anchor (0002): an AFTER INSERT ...
# REFERENCING NEW TABLE AS inserted trigger checks every span a statement inserted in
# one query, with the same result. Finding a code-point offset means counting every
# character before it, so substr() on the whole text costs about 0.1 ms a span in a
# 17,000-character text, and the row-level function also decompresses the text for
# every row. Here each text is read once per statement; a text with more than four
# spans in the statement is cut into pieces of 64 characters (one regular-expression
# pass, about the cost of counting through the text twice), and a span's pieces are
# found by skipping whole pieces, so only they are counted through. A span whose
# document does not exist fails here too, as it does there.
CHECK_INSERTED_ANCHORS = """
CREATE FUNCTION annotations_check_inserted_anchors() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    WITH texts AS MATERIALIZED (
        SELECT d.id, char_length(d.text) AS length,
               CASE WHEN n.spans > 4 THEN ARRAY(
                   SELECT piece[1]
                   FROM regexp_matches(d.text, '(.{1,64})', 'g') WITH ORDINALITY AS p(piece, i)
                   ORDER BY i
               ) END AS pieces,
               CASE WHEN n.spans <= 4 THEN d.text END AS text
        FROM (SELECT document_id, count(*) AS spans FROM inserted GROUP BY document_id) n
        JOIN annotations_document d ON d.id = n.document_id
    )
    SELECT s.start, s."end", t.length INTO bad
    FROM inserted s LEFT JOIN texts t ON t.id = s.document_id
    WHERE t.length IS NULL
       OR s."end" > t.length
       OR COALESCE(
              substr(
                  array_to_string(t.pieces[s.start / 64 + 1 : (s."end" - 1) / 64 + 1], ''),
                  s.start % 64 + 1,
                  s."end" - s.start
              ),
              substr(t.text, s.start + 1, s."end" - s.start)
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
$$ LANGUAGE plpgsql
-- The planner cannot estimate a transition table: with a nested loop it would rescan
-- the texts once per inserted row (from disk, once they exceed work_mem). A hash join
-- reads each once.
SET enable_nestloop = off
SET work_mem = '64MB';
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0006_history_per_statement")]

    operations = [
        migrations.RunSQL(
            CHECK_INSERTED_ANCHORS, "DROP FUNCTION annotations_check_inserted_anchors();"
        ),
    ]
