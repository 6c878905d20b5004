from django.db import models


class Memo(models.Model):
    """One table, no relations: what a trivial create writes and a trivial task updates."""

    text = models.CharField(max_length=200)
    touched = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.text
