"""Rows of several models read in one statement: the select list of a model's columns under
an alias, and its instance made from them as the ORM makes it (`Model.from_db`, with the
fields' database converters applied), for reads where one round trip instead of several is
worth a hand-written join."""

from functools import cache

from django.db import connection


def select_list(model, alias: str) -> str:
    """The model's concrete columns, qualified by `alias`, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


@cache
def _converters(model) -> list:
    """(column, its database converters) for each concrete field, as a queryset applies them."""
    columns = [field.get_col(model._meta.db_table) for field in model._meta.concrete_fields]
    return [
        (
            column,
            [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)],
        )
        for column in columns
    ]


def from_row(model, values):
    """An instance of `model` from the values of its `select_list`, as a queryset makes it."""
    converted = []
    for (column, converters), value in zip(_converters(model), values, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(
        connection.alias, [field.attname for field in model._meta.concrete_fields], converted
    )
