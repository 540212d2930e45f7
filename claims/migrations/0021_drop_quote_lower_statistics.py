from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("claims", "0020_gold_defaults_to_false")]

    # q no longer asks `lower(quote) LIKE` (claims/search.py: strpos, whose estimate
    # is left to the grams index), so nothing reads these statistics any more.
    operations = [
        migrations.RunSQL(
            "DROP STATISTICS IF EXISTS claim_quote_lower",
            "CREATE STATISTICS claim_quote_lower ON (lower(quote)) FROM claims_claim",
        ),
    ]
