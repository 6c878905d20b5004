"""Dates and times as the clinic reads them: a datetime always says its zone's abbreviation
("Tue 5 May 2026, 10:00 EDT"), since the clinic's zone is not the server's. Only the formats
named here change; the rest are Django's own for the language."""

DATETIME_FORMAT = "D j M Y, H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i"
