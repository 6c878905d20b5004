"""The API's parsers: a body is refused whole, before any view reads it, when it is too big
(413), nested too deeply or holds a control character in any text (400 naming the field)."""

from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions, parsers
from rest_framework.utils import json

from clinic.api.exceptions import PayloadTooLarge
from clinic.api.fields import control_problem

MAX_JSON_DEPTH = 32


def _read(stream) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(raw) > limit:
        raise PayloadTooLarge()
    return raw


def _control_errors(data) -> dict:
    """{field: [message]} for every top-level field whose value (at any depth) or name holds
    a control character; the message says where."""
    errors: dict = {}

    def walk(value, top: str, where: str) -> None:
        if isinstance(value, str):
            if control_problem(value):
                errors.setdefault(
                    top, [f"Control characters (such as NUL) are not allowed (at {where})."]
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key, top, where)
                walk(
                    item, top, f"{where}.{key!r}" if control_problem(str(key)) else f"{where}.{key}"
                )
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(item, top, f"{where}[{index}]")

    if isinstance(data, dict):
        for key, value in data.items():
            name = key if not control_problem(str(key)) else repr(key)
            if name != key:
                errors.setdefault(name, [f"A field name holds a control character: {name}."])
            walk(value, name, name)
    else:
        walk(data, "non_field_errors", "the body")
    return errors


def _depth(value, limit: int) -> bool:
    """True when `value` nests deeper than `limit` (stops looking past it)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _refuse_control(data) -> None:
    errors = _control_errors(data)
    if errors:
        raise exceptions.ValidationError(errors)


class JSONParser(parsers.JSONParser):
    """JSON at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413) and MAX_JSON_DEPTH levels deep."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = _read(stream)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        too_deep = exceptions.ParseError(
            f"The JSON is nested too deeply: at most {MAX_JSON_DEPTH} levels."
        )
        try:
            text = raw.decode(encoding)
            constant = json.strict_constant if self.strict else None  # NaN, Infinity
            data = json.loads(text, parse_constant=constant)
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        if _depth(data, MAX_JSON_DEPTH):
            raise too_deep
        _refuse_control(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        data = QueryDict(_read(stream), encoding=encoding)
        _refuse_control({key: data.getlist(key) for key in data})
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        data = result.data
        _refuse_control({key: data.getlist(key) for key in data})
        return result
