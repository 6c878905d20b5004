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


@cache
def _written_fields(model) -> tuple:
    return tuple(field for field in model._meta.concrete_fields if not field.primary_key)


def insert_parts(instance, *, leave_out: tuple[str, ...] = ()) -> tuple[list[str], list]:
    """The quoted columns and the values of a new `instance` as `Model.save()` would insert
    them (defaults, auto_now fields set on the instance, values prepared for the database),
    less the fields named in `leave_out` (which the statement fills itself)."""
    columns, values = [], []
    for field in _written_fields(type(instance)):
        if field.name in leave_out:
            continue
        columns.append(f'"{field.column}"')
        values.append(field.get_db_prep_save(field.pre_save(instance, True), connection))
    return columns, values


def insert_statement(instances, *, ignore_conflicts: bool = False) -> tuple[str, list]:
    """One INSERT of new `instances` of one model (SQL and parameters), optionally ON CONFLICT
    DO NOTHING (as `bulk_create(ignore_conflicts=True)`), to run alone or in a WITH clause."""
    rows, params = [], []
    for instance in instances:
        columns, values = insert_parts(instance)
        rows.append(f"({', '.join(['%s'] * len(values))})")
        params += values
    model = type(instances[0])
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) VALUES {", ".join(rows)}'
    return sql + (" ON CONFLICT DO NOTHING" if ignore_conflicts else ""), params


def saved(instance, pk=None) -> None:
    """Mark a new instance written by one of these statements as a saved row."""
    if pk is not None:
        instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
