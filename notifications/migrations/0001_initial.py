"""Reminders and notices move from the bookings app; their tables (bookings_reminder,
bookings_notice) and every row stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('bookings', '0005_waitlist'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are: only Django's idea of which app owns them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Notice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'SMS')], default='email', max_length=8)),
                        ('due_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=8)),
                        ('claim_token', models.UUIDField(blank=True, editable=False, null=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('claimed_until', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('skip_reason', models.CharField(blank=True, max_length=200)),
                        ('error', models.TextField(blank=True, help_text='The last delivery error (staff only).')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('kind', models.CharField(choices=[('confirmation', 'Confirmation'), ('cancellation', 'Cancellation')], max_length=16)),
                        ('booking', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='bookings.booking')),
                    ],
                    options={
                        'db_table': 'bookings_notice',
                        'ordering': ['due_at', 'id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['due_at'], name='notice_due_idx')],
                        'constraints': [models.UniqueConstraint(fields=('booking', 'kind', 'channel'), name='notice_once_per_booking_kind_channel'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='notice_sent_has_sent_at')],
                    },
                ),
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'SMS')], default='email', max_length=8)),
                        ('due_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=8)),
                        ('claim_token', models.UUIDField(blank=True, editable=False, null=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('claimed_until', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('skip_reason', models.CharField(blank=True, max_length=200)),
                        ('error', models.TextField(blank=True, help_text='The last delivery error (staff only).')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('offset_hours', models.PositiveSmallIntegerField()),
                        ('appointment_start', models.DateTimeField()),
                        ('booking', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='bookings.booking')),
                    ],
                    options={
                        'db_table': 'bookings_reminder',
                        'ordering': ['due_at', 'channel', 'id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['due_at'], name='reminder_due_idx')],
                        'constraints': [models.UniqueConstraint(fields=('booking', 'offset_hours', 'channel', 'appointment_start'), name='reminder_once_per_booking_offset_channel'), models.CheckConstraint(condition=models.Q(('due_at__lt', models.F('appointment_start'))), name='reminder_due_before_appointment'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='reminder_sent_has_sent_at')],
                    },
                ),
            ],
        ),
    ]
