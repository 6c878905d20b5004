# The lock of a signed note, in the database itself (the services enforce it first, with a
# message a person understands): a signed note, its treated trigger points and any amendment are
# never updated or deleted; amendments are added to signed notes only.

from django.db import migrations

LOCKS = """
CREATE FUNCTION treatments_refuse_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: % refused, a signed treatment note is locked', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER treatments_note_locked
    BEFORE UPDATE OR DELETE ON treatments_treatmentnote
    FOR EACH ROW WHEN (OLD.signed_at IS NOT NULL)
    EXECUTE FUNCTION treatments_refuse_locked();

CREATE FUNCTION treatments_treated_point_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM treatments_treatmentnote
        WHERE signed_at IS NOT NULL AND id IN (
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.treatment_note_id END,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.treatment_note_id END
        )
    ) THEN
        RAISE EXCEPTION 'treatments_treatedtriggerpoint: % refused, a signed treatment note is locked',
            TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER treatments_treated_point_locked
    BEFORE INSERT OR UPDATE OR DELETE ON treatments_treatedtriggerpoint
    FOR EACH ROW EXECUTE FUNCTION treatments_treated_point_locked();

CREATE TRIGGER treatments_amendment_append_only
    BEFORE UPDATE OR DELETE ON treatments_amendment
    FOR EACH ROW EXECUTE FUNCTION treatments_refuse_locked();

CREATE FUNCTION treatments_amendment_needs_signed_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM treatments_treatmentnote WHERE id = NEW.note_id AND signed_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'treatments_amendment: only a signed treatment note takes amendments'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER treatments_amendment_needs_signed_note
    BEFORE INSERT ON treatments_amendment
    FOR EACH ROW EXECUTE FUNCTION treatments_amendment_needs_signed_note();
"""

DROP_LOCKS = """
DROP TRIGGER IF EXISTS treatments_amendment_needs_signed_note ON treatments_amendment;
DROP TRIGGER IF EXISTS treatments_amendment_append_only ON treatments_amendment;
DROP TRIGGER IF EXISTS treatments_treated_point_locked ON treatments_treatedtriggerpoint;
DROP TRIGGER IF EXISTS treatments_note_locked ON treatments_treatmentnote;
DROP FUNCTION IF EXISTS treatments_amendment_needs_signed_note();
DROP FUNCTION IF EXISTS treatments_treated_point_locked();
DROP FUNCTION IF EXISTS treatments_refuse_locked();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(LOCKS, DROP_LOCKS),
    ]
