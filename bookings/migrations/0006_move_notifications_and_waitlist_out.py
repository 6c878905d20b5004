"""Reminders, notices and the waitlist leave the bookings app for their own apps (notifications,
waitlist). Nothing moves in the database: the tables keep their names and rows; only the
migration state changes, and the content types (so admin permissions stay attached)."""

from django.db import migrations

MOVED = {"reminder": "notifications", "notice": "notifications"}
MOVED |= {"waitlistentry": "waitlist", "waitlistoffer": "waitlist"}


def move_content_types(apps, schema_editor, *, back=False):
    """The old content type (with the permissions groups and users hold) takes the new label.
    One made meanwhile under the new label (post_migrate after a partial migrate) holds only
    auto-created permissions: it gives way."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app in MOVED.items():
        old, new = (app, "bookings") if back else ("bookings", app)
        existing = ContentType.objects.filter(app_label=old, model=model).first()
        if existing is None:
            continue
        ContentType.objects.filter(app_label=new, model=model).delete()
        existing.app_label = new
        existing.save(update_fields=["app_label"])


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, back=True)



class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0005_waitlist'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('notifications', '0001_initial'),
        ('waitlist', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are: only Django's idea of which app owns them moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='reminder',
                    name='booking',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='client',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='therapist',
                ),
                migrations.RemoveField(
                    model_name='waitlistoffer',
                    name='entry',
                ),
                migrations.RemoveField(
                    model_name='waitlistoffer',
                    name='booking',
                ),
                migrations.RemoveField(
                    model_name='waitlistoffer',
                    name='therapist',
                ),
                migrations.DeleteModel(
                    name='Notice',
                ),
                migrations.DeleteModel(
                    name='Reminder',
                ),
                migrations.DeleteModel(
                    name='WaitlistEntry',
                ),
                migrations.DeleteModel(
                    name='WaitlistOffer',
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
