# Rules the app held alone, now held by the database as well: a figure is of its claim's
# type; a gold claim and its sources stay in their document; a linked target statement
# is about its target; evidence runs from an observation to a target of its metric; a
# speaker's name is no other speaker's alias. Rows the app let break them (through paths
# that checked less) are repaired first, each named in the output of `migrate`; what it
# cannot decide for you stops it, naming every row: a figure of the wrong type (which no
# path wrote but a race), a gold claim moved away from its sources.
# Then the generated triggers, in one ReloadOnce (config/migration_operations.py).

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

from config.migration_operations import ReloadOnce, repaired

FIGURE_OF_ANOTHER_TYPE = """
DO $$
DECLARE bad text;
BEGIN
    SELECT string_agg(c.id::text, ', ' ORDER BY c.id) INTO bad FROM claims_claim c
    WHERE (c.claim_type <> 'target'
           AND EXISTS (SELECT 1 FROM claims_targetstatement WHERE claim_id = c.id))
       OR (c.claim_type <> 'observation'
           AND EXISTS (SELECT 1 FROM claims_observation WHERE claim_id = c.id));
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'claims % have a figure of another type than theirs: remove each'
            ' figure or change its claim''s type, then migrate again', bad;
    END IF;
END $$;
"""

GOLD_AWAY_FROM_SOURCES = """
DO $$
DECLARE bad text;
BEGIN
    SELECT string_agg(DISTINCT l.from_claim_id::text, ', ') INTO bad
    FROM claims_claim_curated_from l
    JOIN claims_claim g ON g.id = l.from_claim_id
    JOIN claims_claim s ON s.id = l.to_claim_id
    WHERE (g.project_id, g.document_id) IS DISTINCT FROM (s.project_id, s.document_id);
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'gold claims % are in another document than the claims they were'
            ' made from: move each back, or discard it, then migrate again', bad;
    END IF;
END $$;
"""

STATED_OTHERWISE = """
UPDATE claims_targetstatement s SET target_id = NULL
FROM claims_target t
WHERE t.id = s.target_id
  AND ((s.metric_id IS NOT NULL AND s.metric_id <> t.metric_id)
       OR (s.subject <> '' AND s.subject <> t.subject))
RETURNING 'claim ' || s.claim_id || ' from target ' || t.id
"""

NO_LONGER_EVIDENCE = """
DELETE FROM claims_claimrelation WHERE id IN (
    SELECT r.id FROM claims_claimrelation r
    JOIN claims_claim s ON s.id = r.source_id
    JOIN claims_claim t ON t.id = r.target_id
    LEFT JOIN claims_observation o ON o.claim_id = r.source_id
    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id
    WHERE r.kind = 'evidence_for'
      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'
           OR o.metric_id <> ts.metric_id))
RETURNING 'claim ' || source_id || ' for claim ' || target_id
"""

ALIAS_OF_ANOTHERS_NAME = """
DELETE FROM claims_speakeralias a USING claims_speaker s
WHERE s.name = a.name AND s.id <> a.speaker_id
RETURNING a.name || ' (of speaker ' || a.speaker_id || ', the name of speaker ' || s.id || ')'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0025_sessions_keep_their_login"),
    ]

    operations = [
        migrations.RunSQL(FIGURE_OF_ANOTHER_TYPE, migrations.RunSQL.noop),
        migrations.RunSQL(GOLD_AWAY_FROM_SOURCES, migrations.RunSQL.noop),
        repaired(
            STATED_OTHERWISE,
            "Target statements unlinked, about another metric or subject than their target",
        ),
        repaired(NO_LONGER_EVIDENCE, "Evidence relations deleted, no longer evidence"),
        repaired(ALIAS_OF_ANOTHERS_NAME, "Speaker aliases deleted, another speaker's name"),
        ReloadOnce(
            [
                pgtrigger.migrations.AddTrigger(
                    model_name='claim',
                    trigger=pgtrigger.compiler.Trigger(name='claim_figure_matches_type', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."claim_type" IS DISTINCT FROM (NEW."claim_type"))', constraint='CONSTRAINT', declare='DECLARE bad record;', func="\n        SELECT c.id, c.claim_type INTO bad FROM claims_claim c\n        WHERE c.id = NEW.id AND (\n            (c.claim_type <> 'target'\n             AND EXISTS (SELECT 1 FROM claims_targetstatement WHERE claim_id = c.id))\n            OR (c.claim_type <> 'observation'\n                AND EXISTS (SELECT 1 FROM claims_observation WHERE claim_id = c.id)));\n        IF FOUND THEN\n            RAISE EXCEPTION 'claim % is of type % and still has a figure of another type',\n                bad.id, bad.claim_type USING ERRCODE = 'check_violation';\n        END IF;\n        RETURN NULL;\n    ", hash='a45469e84405f20f1acec7ebd3fd54692249511c', operation='UPDATE OF "claim_type"', pgid='pgtrigger_claim_figure_matches_type_efbd6', table='claims_claim', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='claim',
                    trigger=pgtrigger.compiler.Trigger(name='claim_curation_links_stay', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."document_id" IS DISTINCT FROM (NEW."document_id") OR OLD."project_id" IS DISTINCT FROM (NEW."project_id"))', func="\n        IF EXISTS (SELECT 1 FROM claims_claim_curated_from\n                   WHERE from_claim_id = NEW.id OR to_claim_id = NEW.id) THEN\n            RAISE EXCEPTION 'claim % is linked by curation to claims of document %: it stays there',\n                NEW.id, OLD.document_id USING ERRCODE = 'check_violation';\n        END IF;\n        RETURN NEW;\n    ", hash='a4962fd918c20d93b10d8d249eb911cc4227b629', operation='UPDATE OF "document_id", "project_id"', pgid='pgtrigger_claim_curation_links_stay_948f9', table='claims_claim', when='BEFORE')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='claim',
                    trigger=pgtrigger.compiler.Trigger(name='claim_type_keeps_evidence', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."claim_type" IS DISTINCT FROM NEW."claim_type")', constraint='CONSTRAINT', declare='DECLARE bad record;', func="\n    SELECT r.id, r.source_id, r.target_id INTO bad\n    FROM (SELECT * FROM claims_claimrelation WHERE NEW.id IN (source_id, target_id)) r\n    JOIN claims_claim s ON s.id = r.source_id\n    JOIN claims_claim t ON t.id = r.target_id\n    LEFT JOIN claims_observation o ON o.claim_id = r.source_id\n    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id\n    WHERE r.kind = 'evidence_for'\n      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'\n           OR o.metric_id <> ts.metric_id)\n    LIMIT 1;\n    IF FOUND THEN\n        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'\n            ' to a target of its metric', bad.source_id, bad.target_id\n            USING ERRCODE = 'check_violation';\n    END IF;\nRETURN NULL;", hash='eeb4f18e1edcb7860eef392ab23c7924f5f8cdef', operation='UPDATE OF "claim_type"', pgid='pgtrigger_claim_type_keeps_evidence_54920', table='claims_claim', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='claimrelation',
                    trigger=pgtrigger.compiler.Trigger(name='relation_evidence_valid_on_insert', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n    SELECT r.id, r.source_id, r.target_id INTO bad\n    FROM written r\n    JOIN claims_claim s ON s.id = r.source_id\n    JOIN claims_claim t ON t.id = r.target_id\n    LEFT JOIN claims_observation o ON o.claim_id = r.source_id\n    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id\n    WHERE r.kind = 'evidence_for'\n      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'\n           OR o.metric_id <> ts.metric_id)\n    LIMIT 1;\n    IF FOUND THEN\n        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'\n            ' to a target of its metric', bad.source_id, bad.target_id\n            USING ERRCODE = 'check_violation';\n    END IF;\n\nRETURN NULL;", hash='dfb571cbc7414c44d7af55f9644987d59f04579a', level='STATEMENT', operation='INSERT', pgid='pgtrigger_relation_evidence_valid_on_insert_523f6', referencing='REFERENCING NEW TABLE AS written ', table='claims_claimrelation', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='claimrelation',
                    trigger=pgtrigger.compiler.Trigger(name='relation_evidence_valid_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n    SELECT r.id, r.source_id, r.target_id INTO bad\n    FROM written r\n    JOIN claims_claim s ON s.id = r.source_id\n    JOIN claims_claim t ON t.id = r.target_id\n    LEFT JOIN claims_observation o ON o.claim_id = r.source_id\n    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id\n    WHERE r.kind = 'evidence_for'\n      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'\n           OR o.metric_id <> ts.metric_id)\n    LIMIT 1;\n    IF FOUND THEN\n        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'\n            ' to a target of its metric', bad.source_id, bad.target_id\n            USING ERRCODE = 'check_violation';\n    END IF;\n\nRETURN NULL;", hash='5e476ff211f0dd0af4c1c626e98f33dba16f5bb4', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_relation_evidence_valid_on_update_fe46a', referencing='REFERENCING NEW TABLE AS written ', table='claims_claimrelation', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='observation',
                    trigger=pgtrigger.compiler.Trigger(name='observation_claim_type_on_insert', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n        SELECT w.claim_id, c.claim_type INTO bad\n        FROM written w LEFT JOIN claims_claim c ON c.id = w.claim_id\n        WHERE c.claim_type IS DISTINCT FROM 'observation'\n        LIMIT 1;\n        IF FOUND THEN\n            RAISE EXCEPTION 'claim % is of type %, and only a claim of type observation has'\n                ' this figure (written after its claim)', bad.claim_id,\n                coalesce(bad.claim_type, 'none yet') USING ERRCODE = 'check_violation';\n        END IF;\n        \nRETURN NULL;", hash='256ff15b30bfd6950c17f75d9693e04a970af098', level='STATEMENT', operation='INSERT', pgid='pgtrigger_observation_claim_type_on_insert_0617e', referencing='REFERENCING NEW TABLE AS written ', table='claims_observation', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='observation',
                    trigger=pgtrigger.compiler.Trigger(name='observation_claim_type_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n        SELECT w.claim_id, c.claim_type INTO bad\n        FROM written w LEFT JOIN claims_claim c ON c.id = w.claim_id\n        WHERE c.claim_type IS DISTINCT FROM 'observation'\n        LIMIT 1;\n        IF FOUND THEN\n            RAISE EXCEPTION 'claim % is of type %, and only a claim of type observation has'\n                ' this figure (written after its claim)', bad.claim_id,\n                coalesce(bad.claim_type, 'none yet') USING ERRCODE = 'check_violation';\n        END IF;\n        \nRETURN NULL;", hash='ff18b862acd332bdf81217b4bb4ac485d624c6a3', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_observation_claim_type_on_update_927bc', referencing='REFERENCING NEW TABLE AS written ', table='claims_observation', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='observation',
                    trigger=pgtrigger.compiler.Trigger(name='observation_metric_keeps_evidence', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."metric_id" IS DISTINCT FROM NEW."metric_id")', constraint='CONSTRAINT', declare='DECLARE bad record;', func="\n    SELECT r.id, r.source_id, r.target_id INTO bad\n    FROM (SELECT * FROM claims_claimrelation WHERE NEW.claim_id IN (source_id, target_id)) r\n    JOIN claims_claim s ON s.id = r.source_id\n    JOIN claims_claim t ON t.id = r.target_id\n    LEFT JOIN claims_observation o ON o.claim_id = r.source_id\n    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id\n    WHERE r.kind = 'evidence_for'\n      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'\n           OR o.metric_id <> ts.metric_id)\n    LIMIT 1;\n    IF FOUND THEN\n        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'\n            ' to a target of its metric', bad.source_id, bad.target_id\n            USING ERRCODE = 'check_violation';\n    END IF;\nRETURN NULL;", hash='83f44b40e85598db0d36f2204e15045ffe40fbef', operation='UPDATE OF "metric_id"', pgid='pgtrigger_observation_metric_keeps_evidence_70762', table='claims_observation', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='observation',
                    trigger=pgtrigger.compiler.Trigger(name='observation_written_keeps_evidence', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n    SELECT r.id, r.source_id, r.target_id INTO bad\n    FROM (SELECT r.* FROM claims_claimrelation r JOIN written w ON w.claim_id = r.source_id UNION ALL SELECT r.* FROM claims_claimrelation r JOIN written w ON w.claim_id = r.target_id) r\n    JOIN claims_claim s ON s.id = r.source_id\n    JOIN claims_claim t ON t.id = r.target_id\n    LEFT JOIN claims_observation o ON o.claim_id = r.source_id\n    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id\n    WHERE r.kind = 'evidence_for'\n      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'\n           OR o.metric_id <> ts.metric_id)\n    LIMIT 1;\n    IF FOUND THEN\n        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'\n            ' to a target of its metric', bad.source_id, bad.target_id\n            USING ERRCODE = 'check_violation';\n    END IF;\nRETURN NULL;", hash='8a01be8966a25c105f17a5a384ee7d677e7c5a9b', level='STATEMENT', operation='INSERT', pgid='pgtrigger_observation_written_keeps_evidence_d4e5a', referencing='REFERENCING NEW TABLE AS written ', table='claims_observation', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='speaker',
                    trigger=pgtrigger.compiler.Trigger(name='speaker_name_no_alias_on_insert', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n            SELECT w.name INTO bad FROM written w\n            JOIN claims_speakeralias a ON a.name = w.name AND a.speaker_id <> w.id\n            LIMIT 1;\n            IF FOUND THEN\n                RAISE EXCEPTION 'speaker name % is another speaker''s alias', bad.name\n                    USING ERRCODE = 'unique_violation';\n            END IF;\n            \nRETURN NULL;", hash='9a9a71f321acecded9139958ada2ed183c877659', level='STATEMENT', operation='INSERT', pgid='pgtrigger_speaker_name_no_alias_on_insert_b6a88', referencing='REFERENCING NEW TABLE AS written ', table='claims_speaker', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='speaker',
                    trigger=pgtrigger.compiler.Trigger(name='speaker_name_no_alias_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n            SELECT w.name INTO bad FROM written w\n            JOIN claims_speakeralias a ON a.name = w.name AND a.speaker_id <> w.id\n            LIMIT 1;\n            IF FOUND THEN\n                RAISE EXCEPTION 'speaker name % is another speaker''s alias', bad.name\n                    USING ERRCODE = 'unique_violation';\n            END IF;\n            \nRETURN NULL;", hash='38d4ef0e3b92979817b6d9b0b0392eb5cdb6ba78', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_speaker_name_no_alias_on_update_0ae65', referencing='REFERENCING NEW TABLE AS written ', table='claims_speaker', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='speakeralias',
                    trigger=pgtrigger.compiler.Trigger(name='alias_no_speaker_name_on_insert', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n            SELECT w.name INTO bad FROM written w\n            JOIN claims_speaker s ON s.name = w.name AND s.id <> w.speaker_id\n            LIMIT 1;\n            IF FOUND THEN\n                RAISE EXCEPTION 'alias % is another speaker''s name', bad.name\n                    USING ERRCODE = 'unique_violation';\n            END IF;\n            \nRETURN NULL;", hash='57b1c5cf35c5a1b5b1af658dc76985b54916a462', level='STATEMENT', operation='INSERT', pgid='pgtrigger_alias_no_speaker_name_on_insert_4d326', referencing='REFERENCING NEW TABLE AS written ', table='claims_speakeralias', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='speakeralias',
                    trigger=pgtrigger.compiler.Trigger(name='alias_no_speaker_name_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n            SELECT w.name INTO bad FROM written w\n            JOIN claims_speaker s ON s.name = w.name AND s.id <> w.speaker_id\n            LIMIT 1;\n            IF FOUND THEN\n                RAISE EXCEPTION 'alias % is another speaker''s name', bad.name\n                    USING ERRCODE = 'unique_violation';\n            END IF;\n            \nRETURN NULL;", hash='d0cbe30d14867046bd084bd171281180e70d2f63', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_alias_no_speaker_name_on_update_a9971', referencing='REFERENCING NEW TABLE AS written ', table='claims_speakeralias', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='target',
                    trigger=pgtrigger.compiler.Trigger(name='target_kept_by_statements', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."metric_id" IS DISTINCT FROM (NEW."metric_id") OR OLD."subject" IS DISTINCT FROM (NEW."subject"))', func="\n                    IF EXISTS (SELECT 1 FROM claims_targetstatement s\n                               WHERE s.target_id = NEW.id\n                                 AND ((s.metric_id IS NOT NULL AND s.metric_id <> NEW.metric_id)\n                                      OR (s.subject <> '' AND s.subject <> NEW.subject))) THEN\n                        RAISE EXCEPTION 'target % is stated with another metric or subject',\n                            NEW.id USING ERRCODE = 'check_violation';\n                    END IF;\n                    RETURN NEW;\n                ", hash='df701a4ad2f2cf0b28ab72bf2086f1fb6aeef9dc', operation='UPDATE', pgid='pgtrigger_target_kept_by_statements_355be', table='claims_target', when='BEFORE')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='targetstatement',
                    trigger=pgtrigger.compiler.Trigger(name='target_statement_claim_type_on_insert', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n        SELECT w.claim_id, c.claim_type INTO bad\n        FROM written w LEFT JOIN claims_claim c ON c.id = w.claim_id\n        WHERE c.claim_type IS DISTINCT FROM 'target'\n        LIMIT 1;\n        IF FOUND THEN\n            RAISE EXCEPTION 'claim % is of type %, and only a claim of type target has'\n                ' this figure (written after its claim)', bad.claim_id,\n                coalesce(bad.claim_type, 'none yet') USING ERRCODE = 'check_violation';\n        END IF;\n        \nRETURN NULL;", hash='ff6a7cbe78195d1639c282e4e4b8993a2fcafcfb', level='STATEMENT', operation='INSERT', pgid='pgtrigger_target_statement_claim_type_on_insert_f2414', referencing='REFERENCING NEW TABLE AS written ', table='claims_targetstatement', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='targetstatement',
                    trigger=pgtrigger.compiler.Trigger(name='target_statement_claim_type_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n        SELECT w.claim_id, c.claim_type INTO bad\n        FROM written w LEFT JOIN claims_claim c ON c.id = w.claim_id\n        WHERE c.claim_type IS DISTINCT FROM 'target'\n        LIMIT 1;\n        IF FOUND THEN\n            RAISE EXCEPTION 'claim % is of type %, and only a claim of type target has'\n                ' this figure (written after its claim)', bad.claim_id,\n                coalesce(bad.claim_type, 'none yet') USING ERRCODE = 'check_violation';\n        END IF;\n        \nRETURN NULL;", hash='021dc09943b4d8bd1beb7c06814f9674d2050327', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_target_statement_claim_type_on_update_97151', referencing='REFERENCING NEW TABLE AS written ', table='claims_targetstatement', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='targetstatement',
                    trigger=pgtrigger.compiler.Trigger(name='target_statement_metric_keeps_evidence', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."metric_id" IS DISTINCT FROM NEW."metric_id")', constraint='CONSTRAINT', declare='DECLARE bad record;', func="\n    SELECT r.id, r.source_id, r.target_id INTO bad\n    FROM (SELECT * FROM claims_claimrelation WHERE NEW.claim_id IN (source_id, target_id)) r\n    JOIN claims_claim s ON s.id = r.source_id\n    JOIN claims_claim t ON t.id = r.target_id\n    LEFT JOIN claims_observation o ON o.claim_id = r.source_id\n    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id\n    WHERE r.kind = 'evidence_for'\n      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'\n           OR o.metric_id <> ts.metric_id)\n    LIMIT 1;\n    IF FOUND THEN\n        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'\n            ' to a target of its metric', bad.source_id, bad.target_id\n            USING ERRCODE = 'check_violation';\n    END IF;\nRETURN NULL;", hash='ecdc0a819d1d2297e9e70d6cd9f97582430d720d', operation='UPDATE OF "metric_id"', pgid='pgtrigger_target_statement_metric_keeps_evidence_ec181', table='claims_targetstatement', timing='DEFERRABLE INITIALLY DEFERRED', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='targetstatement',
                    trigger=pgtrigger.compiler.Trigger(name='target_statement_written_keeps_evidence', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n    SELECT r.id, r.source_id, r.target_id INTO bad\n    FROM (SELECT r.* FROM claims_claimrelation r JOIN written w ON w.claim_id = r.source_id UNION ALL SELECT r.* FROM claims_claimrelation r JOIN written w ON w.claim_id = r.target_id) r\n    JOIN claims_claim s ON s.id = r.source_id\n    JOIN claims_claim t ON t.id = r.target_id\n    LEFT JOIN claims_observation o ON o.claim_id = r.source_id\n    LEFT JOIN claims_targetstatement ts ON ts.claim_id = r.target_id\n    WHERE r.kind = 'evidence_for'\n      AND (s.claim_type <> 'observation' OR t.claim_type <> 'target'\n           OR o.metric_id <> ts.metric_id)\n    LIMIT 1;\n    IF FOUND THEN\n        RAISE EXCEPTION 'claim % is no evidence for claim %: evidence runs from an observation'\n            ' to a target of its metric', bad.source_id, bad.target_id\n            USING ERRCODE = 'check_violation';\n    END IF;\nRETURN NULL;", hash='f9ced6a77598f7f10b3af786af4f4acdb0b5b788', level='STATEMENT', operation='INSERT', pgid='pgtrigger_target_statement_written_keeps_evidence_3da24', referencing='REFERENCING NEW TABLE AS written ', table='claims_targetstatement', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='targetstatement',
                    trigger=pgtrigger.compiler.Trigger(name='target_statement_states_its_target_on_insert', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n                SELECT w.claim_id, w.target_id INTO bad\n                FROM written w JOIN claims_target t ON t.id = w.target_id\n                WHERE (w.metric_id IS NOT NULL AND w.metric_id <> t.metric_id)\n                   OR (w.subject <> '' AND w.subject <> t.subject)\n                LIMIT 1;\n                IF FOUND THEN\n                    RAISE EXCEPTION 'claim % states target % with another metric or subject',\n                        bad.claim_id, bad.target_id USING ERRCODE = 'check_violation';\n                END IF;\n                \nRETURN NULL;", hash='99ee7c03df84dbf1c6779bb8e9338af310e55c02', level='STATEMENT', operation='INSERT', pgid='pgtrigger_target_statement_states_its_target_on_insert_2cfe1', referencing='REFERENCING NEW TABLE AS written ', table='claims_targetstatement', when='AFTER')),
                ),
                pgtrigger.migrations.AddTrigger(
                    model_name='targetstatement',
                    trigger=pgtrigger.compiler.Trigger(name='target_statement_states_its_target_on_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare='DECLARE bad record;', func="\n                SELECT w.claim_id, w.target_id INTO bad\n                FROM written w JOIN claims_target t ON t.id = w.target_id\n                WHERE (w.metric_id IS NOT NULL AND w.metric_id <> t.metric_id)\n                   OR (w.subject <> '' AND w.subject <> t.subject)\n                LIMIT 1;\n                IF FOUND THEN\n                    RAISE EXCEPTION 'claim % states target % with another metric or subject',\n                        bad.claim_id, bad.target_id USING ERRCODE = 'check_violation';\n                END IF;\n                \nRETURN NULL;", hash='5ee3836d30d69c26969bcb017ee0bf4e242883c8', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_target_statement_states_its_target_on_update_f3115', referencing='REFERENCING NEW TABLE AS written ', table='claims_targetstatement', when='AFTER')),
                ),
            ]
        ),
    ]
