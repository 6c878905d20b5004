"""`manage.py backup [--output FILE]`: dump the whole database (pg_dump, custom format)."""

from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinic import backups


class Command(BaseCommand):
    help = "Back up the whole database to a file (pg_dump's custom format)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="the file to write (default: backups/kneadly-<UTC time>.dump)",
        )

    def handle(self, *args, output, **options):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = Path(output or f"backups/kneadly-{stamp}.dump")
        try:
            backups.backup(path)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size} bytes)")
