"""The ledger is append-only: a trigger refuses UPDATE and DELETE on stock moves.

Corrections are compensating moves. TRUNCATE (used by test teardown) is not row-level and
stays allowed.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION warehouse_stockmove_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'warehouse_stockmove is append-only: % refused; post a compensating move',
        TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER warehouse_stockmove_append_only
BEFORE UPDATE OR DELETE ON warehouse_stockmove
FOR EACH ROW EXECUTE FUNCTION warehouse_stockmove_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS warehouse_stockmove_append_only ON warehouse_stockmove;
DROP FUNCTION IF EXISTS warehouse_stockmove_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
