"""Database guards of the append-only record (rule 7 of the silence procedure).

The models refuse to change or delete these rows; these triggers refuse it too when something
bypasses the models (raw SQL, `QuerySet.update`). Versions, dispatches, answers, results,
positions and circulars never change; a round changes once, from open to closed; a
consultation's settings never change (only the publication of its result may).

On PostgreSQL, deleting those rows is refused as well. SQLite gets no delete triggers: its
test databases are emptied row by row between tests (PostgreSQL's are truncated, which row
triggers do not see), and the models and PROTECT foreign keys already refuse deletion.
"""

from django.db import migrations

FINAL_TABLES = [
    "consultations_version",
    "consultations_dispatch",
    "consultations_answer",
    "consultations_result",
    "consultations_stateposition",
    "consultations_circular",
]
ROUND_FROZEN = [
    "id", "consultation_id", "number", "version_id", "circulated_by_id", "circulated_at",
    "deadline", "time_zone", "deadline_text", "deadline_computed_local", "deadline_adjustment",
    "deadline_moved_off_weekend",
]
CONSULTATION_FROZEN = [
    "id", "title", "body_id", "outcome_id", "comment_breaks_silence", "objection_breaks_silence",
    "amendment_breaks_silence", "close_on_break", "move_off_weekend", "created_by_id",
    "created_at",
]


def _changed(columns, differs):
    return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in columns)


def _sqlite():
    statements = []
    for table in FINAL_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_final BEFORE UPDATE ON {table} FOR EACH ROW "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
        )
    round_when = "OLD.closed_at IS NOT NULL OR " + _changed(ROUND_FROZEN, "IS NOT")
    statements.append(
        "CREATE TRIGGER consultations_round_final BEFORE UPDATE ON consultations_round "
        f"FOR EACH ROW WHEN {round_when} "
        "BEGIN SELECT RAISE(ABORT, 'a round changes only once, when it closes'); END"
    )
    statements.append(
        "CREATE TRIGGER consultations_consultation_frozen BEFORE UPDATE ON "
        f"consultations_consultation FOR EACH ROW WHEN {_changed(CONSULTATION_FROZEN, 'IS NOT')} "
        "BEGIN SELECT RAISE(ABORT, 'a consultation''s settings are frozen'); END"
    )
    return statements


def _postgresql():
    statements = [
        "CREATE OR REPLACE FUNCTION consultations_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
        "'% of % refused: the consultation record is append-only', TG_OP, TG_TABLE_NAME "
        "USING ERRCODE = 'integrity_constraint_violation'; END $$"
    ]
    for table in FINAL_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_final BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION consultations_refuse_change()"
        )
    round_when = "OLD.closed_at IS NOT NULL OR " + _changed(ROUND_FROZEN, "IS DISTINCT FROM")
    statements += [
        "CREATE TRIGGER consultations_round_final BEFORE UPDATE ON consultations_round "
        f"FOR EACH ROW WHEN ({round_when}) EXECUTE FUNCTION consultations_refuse_change()",
        "CREATE TRIGGER consultations_round_kept BEFORE DELETE ON consultations_round "
        "FOR EACH ROW EXECUTE FUNCTION consultations_refuse_change()",
        "CREATE TRIGGER consultations_consultation_frozen BEFORE UPDATE ON "
        "consultations_consultation FOR EACH ROW WHEN "
        f"({_changed(CONSULTATION_FROZEN, 'IS DISTINCT FROM')}) "
        "EXECUTE FUNCTION consultations_refuse_change()",
        "CREATE TRIGGER consultations_consultation_kept BEFORE DELETE ON "
        "consultations_consultation FOR EACH ROW EXECUTE FUNCTION consultations_refuse_change()",
    ]
    return statements


TRIGGERS = [f"{t}_final" for t in FINAL_TABLES] + [
    "consultations_round_final", "consultations_round_kept",
    "consultations_consultation_frozen", "consultations_consultation_kept",
]
TABLE_OF = {f"{t}_final": t for t in FINAL_TABLES} | {
    "consultations_round_final": "consultations_round",
    "consultations_round_kept": "consultations_round",
    "consultations_consultation_frozen": "consultations_consultation",
    "consultations_consultation_kept": "consultations_consultation",
}


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor, list)()
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for trigger in TRIGGERS:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {TABLE_OF[trigger]}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS consultations_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_record")]

    operations = [migrations.RunPython(install, uninstall)]
