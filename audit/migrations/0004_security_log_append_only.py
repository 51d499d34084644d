"""On PostgreSQL, the security log refuses every UPDATE, and any DELETE of a row younger than
180 days: only the pruning of rows past their retention removes anything. As for the audit
trail, a database owner can disable the trigger; the digests in the chain show what they did.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_security_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'security log rows are never changed';
    END IF;
    IF OLD.at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'security log rows are kept 180 days';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_security_log_append_only BEFORE UPDATE OR DELETE ON audit_securityevent
    FOR EACH ROW EXECUTE FUNCTION audit_security_log_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_security_log_append_only ON audit_securityevent;
DROP FUNCTION IF EXISTS audit_security_log_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_security_log")]

    operations = [migrations.RunPython(create, drop)]
