"""The waitlist moves from the bookings app; its tables (bookings_waitlistentry,
bookings_waitlistoffer) and every row stay as they are."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('bookings', '0005_waitlist'),
        ('clients', '0002_intake_recorded_by_and_pregnancy_constraints'),
        ('clinic', '0004_waitlist_hold_minutes'),
        ('therapists', '0002_constraints'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are: only Django's idea of which app owns them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='WaitlistEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('earliest_date', models.DateField()),
                        ('latest_date', models.DateField()),
                        ('weekdays', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(), blank=True, default=list, size=7)),
                        ('time_from', models.TimeField()),
                        ('time_to', models.TimeField()),
                        ('status', models.CharField(choices=[('waiting', 'Waiting'), ('offered', 'Offered'), ('booked', 'Booked'), ('cancelled', 'Cancelled'), ('expired', 'Expired')], default='waiting', max_length=12)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='waitlist_entries', to='clients.client')),
                        ('service', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.service')),
                        ('therapist', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='therapists.therapist')),
                    ],
                    options={
                        'verbose_name_plural': 'waitlist entries',
                        'db_table': 'bookings_waitlistentry',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='WaitlistOffer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('start', models.DateTimeField()),
                        ('blocks_until', models.DateTimeField()),
                        ('hold_until', models.DateTimeField()),
                        ('status', models.CharField(choices=[('offered', 'Offered'), ('accepted', 'Accepted'), ('expired', 'Expired'), ('declined', 'Declined')], default='offered', max_length=12)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('booking', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='waitlist_offer', to='bookings.booking')),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='waitlist.waitlistentry')),
                        ('therapist', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='therapists.therapist')),
                    ],
                    options={
                        'db_table': 'bookings_waitlistoffer',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='waitlistentry',
                    index=models.Index(fields=['status', 'created_at'], name='bookings_wa_status_a35556_idx'),
                ),
                migrations.AddConstraint(
                    model_name='waitlistentry',
                    constraint=models.CheckConstraint(condition=models.Q(('latest_date__gte', models.F('earliest_date'))), name='waitlist_dates_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='waitlistentry',
                    constraint=models.CheckConstraint(condition=models.Q(('time_to__gt', models.F('time_from'))), name='waitlist_times_ordered'),
                ),
                migrations.AddIndex(
                    model_name='waitlistoffer',
                    index=models.Index(fields=['status', 'hold_until'], name='bookings_wa_status_dafb35_idx'),
                ),
                migrations.AddConstraint(
                    model_name='waitlistoffer',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'offered')), fields=('entry',), name='waitlist_one_open_offer_per_entry'),
                ),
                migrations.AddConstraint(
                    model_name='waitlistoffer',
                    constraint=models.CheckConstraint(condition=models.Q(('blocks_until__gt', models.F('start'))), name='waitlist_offer_times_ordered'),
                ),
            ],
        ),
    ]
