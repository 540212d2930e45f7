from django.db import migrations

# A document's two texts are compressed with lz4 rather than pglz where the server has
# lz4 (PostgreSQL's Debian and Ubuntu builds do; the embedded server of `make run` does
# not, and keeps pglz). Compressing was the largest part of storing a document once the
# trigram index was gone: 2,000 documents of 2,000 characters COPYed in 0.48-0.58 s
# with lz4 where pglz took 0.87-0.89 s on the same loaded machine (bench/README.md,
# "Import"). Texts stored before stay as they are: each value records its own method.
SET_LZ4 = """
DO $$
BEGIN
    ALTER TABLE annotations_document
        ALTER COLUMN text SET COMPRESSION lz4,
        ALTER COLUMN raw_text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4: document texts stay compressed with pglz';
END $$;
"""
SET_DEFAULT = """
ALTER TABLE annotations_document
    ALTER COLUMN text SET COMPRESSION default,
    ALTER COLUMN raw_text SET COMPRESSION default;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_drop_unused_document_text_trgm"),
    ]

    operations = [migrations.RunSQL(SET_LZ4, reverse_sql=SET_DEFAULT)]
