"""`manage.py restore FILE [--noinput]`: replace the database with a backup (pg_restore)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clinic import backups


class Command(BaseCommand):
    help = "Replace the whole database with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", default=True
        )

    def handle(self, *args, file, interactive, **options):
        path = Path(file)
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(f"This replaces everything in database {name!r} with {path}. "
                           "Type 'yes' to go on: ")  # fmt: skip
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            backups.restore(path)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {name} from {path}")
