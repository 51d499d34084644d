"""The measure's status, deadline, long-term flag and sign-off time on its membership rows.

A liaison's 我的整改任务 counts its tabs and sorts the open ones by urgency. Over the measures
that is one visit of each of a unit's ten thousand measures per request; over the membership
rows it is one range of the index `measure_unit_tasks`, which holds all that the page needs.

The triggers of migration 0013 are replaced by ones that also copy these four columns, on
every write of them (services, admin, imports, QuerySet.update, bulk_create, COPY). On SQLite
the triggers are dropped before the table changes and created again after it.
"""

from django.db import migrations, models

MU = "rectification_measureunit"
MEASURE = "rectification_measure"
COOPERATING = "rectification_measure_cooperating_units"

COPIED = ("status", "deadline", "is_long_term", "closed_at")

FILL_POSTGRESQL = f"""
UPDATE {MU} AS mu SET status = m.status, deadline = m.deadline,
    is_long_term = m.is_long_term, closed_at = m.closed_at
FROM {MEASURE} m WHERE m.id = mu.measure_id
"""
FILL_SQLITE = f"""
UPDATE {MU} SET (status, deadline, is_long_term, closed_at) = (
    SELECT m.status, m.deadline, m.is_long_term, m.closed_at FROM {MEASURE} m
    WHERE m.id = {MU}.measure_id)
"""

POSTGRESQL = [
    f"DROP TRIGGER IF EXISTS rectification_measure_units ON {MEASURE}",
    f"""
CREATE OR REPLACE FUNCTION rectification_measure_units_of_measure() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {MU} WHERE measure_id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.problem_id IS DISTINCT FROM OLD.problem_id
            OR NEW.status IS DISTINCT FROM OLD.status
            OR NEW.deadline IS DISTINCT FROM OLD.deadline
            OR NEW.is_long_term IS DISTINCT FROM OLD.is_long_term
            OR NEW.closed_at IS DISTINCT FROM OLD.closed_at THEN
            UPDATE {MU} SET problem_id = NEW.problem_id, status = NEW.status,
                deadline = NEW.deadline, is_long_term = NEW.is_long_term,
                closed_at = NEW.closed_at
            WHERE measure_id = NEW.id;
        END IF;
        IF NEW.lead_unit_id IS NOT DISTINCT FROM OLD.lead_unit_id THEN
            RETURN NULL;
        END IF;
        DELETE FROM {MU} WHERE measure_id = OLD.id AND is_lead;
    END IF;
    IF NEW.lead_unit_id IS NOT NULL THEN
        INSERT INTO {MU} (measure_id, unit_id, problem_id, is_lead,
            status, deadline, is_long_term, closed_at)
        VALUES (NEW.id, NEW.lead_unit_id, NEW.problem_id, true,
            NEW.status, NEW.deadline, NEW.is_long_term, NEW.closed_at);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    f"""
CREATE OR REPLACE FUNCTION rectification_measure_units_of_cooperation() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM {MU}
        WHERE measure_id = OLD.measure_id AND unit_id = OLD.unit_id AND NOT is_lead;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {MU} (measure_id, unit_id, problem_id, is_lead,
            status, deadline, is_long_term, closed_at)
        SELECT NEW.measure_id, NEW.unit_id, m.problem_id, false,
            m.status, m.deadline, m.is_long_term, m.closed_at
        FROM {MEASURE} m WHERE m.id = NEW.measure_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER rectification_measure_units AFTER INSERT OR DELETE
    OR UPDATE OF lead_unit_id, problem_id, status, deadline, is_long_term, closed_at
    ON {MEASURE}
    FOR EACH ROW EXECUTE FUNCTION rectification_measure_units_of_measure()
""",
]


def _before():
    """Migration 0013, whose functions and triggers going back restores."""
    from importlib import import_module

    return import_module("rectification.migrations.0013_measure_units")


_COLUMNS = "measure_id, unit_id, problem_id, is_lead, status, deadline, is_long_term, closed_at"
_LEAD_ROW = f"""INSERT INTO {MU} ({_COLUMNS})
        SELECT NEW.id, NEW.lead_unit_id, NEW.problem_id, 1,
            NEW.status, NEW.deadline, NEW.is_long_term, NEW.closed_at
        WHERE NEW.lead_unit_id IS NOT NULL;"""
_COOPERATING_ROW = f"""INSERT INTO {MU} ({_COLUMNS})
        SELECT NEW.measure_id, NEW.unit_id, m.problem_id, 0,
            m.status, m.deadline, m.is_long_term, m.closed_at
        FROM {MEASURE} m WHERE m.id = NEW.measure_id;"""
_NO_COOPERATING_ROW = f"""DELETE FROM {MU}
        WHERE measure_id = OLD.measure_id AND unit_id = OLD.unit_id AND NOT is_lead;"""

SQLITE_TRIGGERS = (
    "rectification_mu_measure_insert",
    "rectification_mu_measure_lead",
    "rectification_mu_measure_problem",
    "rectification_mu_measure_copied",
    "rectification_mu_measure_delete",
    "rectification_mu_cooperating_insert",
    "rectification_mu_cooperating_update",
    "rectification_mu_cooperating_delete",
)
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]

SQLITE = [
    f"""CREATE TRIGGER rectification_mu_measure_insert AFTER INSERT ON {MEASURE}
    BEGIN {_LEAD_ROW} END""",
    f"""CREATE TRIGGER rectification_mu_measure_lead AFTER UPDATE OF lead_unit_id ON {MEASURE}
    WHEN NEW.lead_unit_id IS NOT OLD.lead_unit_id
    BEGIN DELETE FROM {MU} WHERE measure_id = OLD.id AND is_lead; {_LEAD_ROW} END""",
    f"""CREATE TRIGGER rectification_mu_measure_problem AFTER UPDATE OF problem_id ON {MEASURE}
    WHEN NEW.problem_id IS NOT OLD.problem_id
    BEGIN UPDATE {MU} SET problem_id = NEW.problem_id WHERE measure_id = NEW.id; END""",
    f"""CREATE TRIGGER rectification_mu_measure_copied
    AFTER UPDATE OF status, deadline, is_long_term, closed_at ON {MEASURE}
    WHEN NEW.status IS NOT OLD.status OR NEW.deadline IS NOT OLD.deadline
        OR NEW.is_long_term IS NOT OLD.is_long_term OR NEW.closed_at IS NOT OLD.closed_at
    BEGIN UPDATE {MU} SET status = NEW.status, deadline = NEW.deadline,
        is_long_term = NEW.is_long_term, closed_at = NEW.closed_at
        WHERE measure_id = NEW.id; END""",
    f"""CREATE TRIGGER rectification_mu_measure_delete AFTER DELETE ON {MEASURE}
    BEGIN DELETE FROM {MU} WHERE measure_id = OLD.id; END""",
    f"""CREATE TRIGGER rectification_mu_cooperating_insert AFTER INSERT ON {COOPERATING}
    BEGIN {_COOPERATING_ROW} END""",
    f"""CREATE TRIGGER rectification_mu_cooperating_update AFTER UPDATE ON {COOPERATING}
    BEGIN {_NO_COOPERATING_ROW} {_COOPERATING_ROW} END""",
    f"""CREATE TRIGGER rectification_mu_cooperating_delete AFTER DELETE ON {COOPERATING}
    BEGIN {_NO_COOPERATING_ROW} END""",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def stop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


def fill_and_keep(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [FILL_POSTGRESQL, *POSTGRESQL])
    elif vendor == "sqlite":
        _run(schema_editor, [FILL_SQLITE, *SQLITE])
    else:
        raise NotImplementedError(f"No measure-unit triggers for {vendor}")


def keep_as_before(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # 0013's two functions and its trigger on the measures (the cooperating units' one
        # is unchanged).
        functions_and_trigger = _before().POSTGRESQL[:3]
        _run(schema_editor, [f"DROP TRIGGER IF EXISTS rectification_measure_units ON {MEASURE}",
                             *functions_and_trigger])
    elif vendor == "sqlite":
        _run(schema_editor, [*SQLITE_DROP, *_before().SQLITE])


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0019_pending_extension_queue"),
    ]

    operations = [
        migrations.RunPython(stop_sqlite_triggers, keep_as_before),
        migrations.AddField(
            model_name="measureunit",
            name="status",
            field=models.CharField(
                choices=[
                    ("not_started", "Not started"),
                    ("in_progress", "In progress"),
                    ("endorsing", "Waiting for the head's endorsement"),
                    ("reviewing", "Waiting for the superior's review"),
                    ("submitted", "Submitted for sign-off"),
                    ("closed", "Signed off"),
                ],
                default="not_started",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="measureunit",
            name="deadline",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="measureunit",
            name="is_long_term",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="measureunit",
            name="closed_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddIndex(
            model_name="measureunit",
            index=models.Index(
                fields=["unit", "status"],
                include=("deadline", "is_long_term", "closed_at", "measure"),
                name="measure_unit_tasks",
            ),
        ),
        migrations.RunPython(fill_and_keep, stop_sqlite_triggers),
    ]
