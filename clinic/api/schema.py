"""The OpenAPI contract's conventions, applied to every operation in one place.

- operationId: the path's resource words and the action, `bookings_list`, `bookings_cancel`,
  `clients_intakes_create`, `therapists_calendar_ics_retrieve` (no version prefix, no dots or
  dashes); an extra action with one method is named by the action alone (`bookings_cancel`).
- One tag per resource (the collection a viewset serves; the first path word for plain views,
  unless the view names its tag with `extend_schema(tags=...)`).
- A summary on every operation.
- Every status an operation can answer, each with a body in the contract's error shape: 400
  `{"field": [...]}` (or `{"detail": ...}` for a refusal as a whole), `{"detail": ...}` for
  401/403/404/415/422/429, and 409 `{"detail": ..., "conflict": ...}` naming the collision.
- `Location` is documented on every 201.
"""

import re

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions

STANDARD_ACTIONS = {
    "list": "List",
    "create": "Create",
    "retrieve": "Read",
    "update": "Replace",
    "partial_update": "Update",
    "destroy": "Delete",
}

ERROR = {
    "type": "object",
    "description": "A request refused as a whole.",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for people."}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "Invalid input: each field that was refused, with its messages (a nested object for a "
        "nested field); `non_field_errors` for the body as a whole. A request refused as a "
        "whole (an illegal transition, say) answers `detail` instead."
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {}}, {"type": "object", "additionalProperties": {}}]
    },
}
CONFLICT = {
    "type": "object",
    "description": "The request collides with the state of things.",
    "properties": {
        "detail": {"type": "string", "description": "The collision, for people."},
        "conflict": {
            "type": "string",
            "description": (
                "The collision, for programs: the database constraint that refused it "
                "(`booking_therapist_no_overlap`, ...) or `conflict`."
            ),
        },
    },
    "required": ["detail", "conflict"],
}

ERROR_RESPONSES = {
    "400": ("ValidationError", "Invalid input, or a request the rules refuse."),
    "401": ("Error", "No valid credentials: send `Authorization: Token <key>`."),
    "403": ("Error", "Signed in, but not allowed to do this."),
    "404": ("Error", "No such object among those you may see (or no such page)."),
    "409": ("Conflict", "Collides with another booking or the state of the object."),
    "415": ("Error", "The body is not JSON: every request body is `application/json`."),
    "422": ("Error", "This `Idempotency-Key` was already used with another request body."),
    "429": ("Error", "Too many requests: slow down (the message says when to try again)."),
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Any unique string (a UUID) to make retries safe: the same key with the same body "
        "within 24 hours replays the first successful answer (status and body, with "
        "`Idempotent-Replayed: true`) and does nothing again; the same key with another body "
        "is a 422. A refused request keeps no answer: its retry is tried afresh."
    ),
}
COMPONENTS = {"Error": ERROR, "ValidationError": VALIDATION_ERROR, "Conflict": CONFLICT}


def non_empty(schema: dict) -> None:
    """A query parameter's value is never empty (clinic.middleware.QueryParameterMiddleware
    refuses `?name=` with a 400): its schema says so."""
    if schema.get("type") == "string" and "enum" not in schema:
        schema.setdefault("minLength", 1)
    if schema.get("type") == "array":
        schema.setdefault("minItems", 1)
        non_empty(schema.get("items", {}))


def words(token: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", token).strip("_")


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema with Kneadly's conventions (see the module docstring)."""

    def _action(self):
        return getattr(self.view, "action", None)

    def _extra_action(self):
        """The viewset's extra action (`@action`) serving this operation, or None."""
        name = self._action()
        if name is None or name in STANDARD_ACTIONS:
            return None
        return getattr(self.view, name, None)

    def _handler(self):
        return getattr(self.view, self._action() or self.method.lower(), None)

    def _resource_tokens(self) -> list[str]:
        tokens = self._tokenize_path()
        extra = self._extra_action()
        if extra is not None and tokens and tokens[-1] == extra.url_path:
            tokens = tokens[:-1]
        return tokens

    def _method_action(self) -> str:
        if self._action() in STANDARD_ACTIONS:
            return self._action()
        if self.method == "GET" and self._is_list_view():
            return "list"
        return self.method_mapping[self.method.lower()]

    def get_operation_id(self) -> str:
        tokens = [words(token) for token in self._tokenize_path()] or ["root"]
        extra = self._extra_action()
        if extra is not None and len(extra.mapping) == 1:
            return "_".join(tokens)
        return "_".join([*tokens, self._method_action()])

    def get_tags(self) -> list[str]:
        if getattr(self.view, "action_map", None) is None:  # a plain view: its first path word
            return self._tokenize_path()[:1] or ["api"]
        return self._resource_tokens()[-1:] or ["api"]

    def get_summary(self) -> str | None:
        summary = super().get_summary()
        if summary:
            return summary
        doc = (getattr(self._handler(), "__doc__", None) or "").strip()
        extra = self._extra_action()
        if doc and not (extra is not None and len(extra.mapping) > 1):
            # the handler's own docstring: its first sentence
            first = re.split(r"(?<=\.)\s", " ".join(doc.split()), maxsplit=1)[0]
            if len(first) <= 100:
                return first.rstrip(".:")
        resource = " ".join(self._resource_tokens()).replace("-", " ").replace(".", " ")
        if extra is not None:
            verb = extra.__name__.replace("_", " ").capitalize()
            if len(extra.mapping) > 1:
                verb = f"{STANDARD_ACTIONS[self._method_action()]} {verb.lower()}"
            return f"{verb} ({resource})"
        return f"{STANDARD_ACTIONS[self._method_action()]} {resource}"

    # --- statuses ------------------------------------------------------------------------

    def _requires_login(self) -> bool:
        return not all(
            isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )

    def _text_formats(self) -> list[str]:
        """Media types besides JSON (and the browsable API) this view renders, errors too."""
        renderers = getattr(self.view, "renderer_classes", [])
        skip = ("application/json", "text/html")
        return [r.media_type for r in renderers if r.media_type not in skip and r.format]

    def _throttled(self) -> bool:
        return bool(getattr(self.view, "throttle_scope", None))

    def error_statuses(self, operation: dict) -> set[str]:
        statuses = set()
        has_body = "requestBody" in operation
        parameters = operation.get("parameters", [])
        if has_body or self.method == "POST" or any(p["in"] == "query" for p in parameters):
            statuses.add("400")
        if getattr(self.view, "authentication_classes", None):
            statuses.add("401")
        if self._requires_login():
            statuses.add("403")
        if any(p["in"] == "path" for p in parameters) or self._is_list_view():
            statuses.add("404")  # no such object, or no such page of a list
        if has_body:
            statuses.add("415")
        if self._throttled():
            statuses.add("429")
        return statuses

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for name, schema in COMPONENTS.items():
            registry.register_on_missing(
                ResolvedComponent(
                    name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
                )
            )
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                non_empty(parameter.get("schema", {}))
        responses = operation["responses"]
        statuses = self.error_statuses(operation)
        if getattr(self._handler(), "idempotent", False):
            operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            statuses |= {"400", "422"}
        for status in sorted(statuses | set(responses)):
            if status not in ERROR_RESPONSES:
                continue
            component, description = ERROR_RESPONSES[status]
            response = responses.setdefault(status, {"description": description})
            if response.get("description") in ("", "No response body", None):
                response["description"] = description
            if not response.get("content"):
                ref = {"$ref": f"#/components/schemas/{component}"}
                response["content"] = {"application/json": {"schema": ref}}
            for media_type in self._text_formats():  # `?format=csv` answers errors in CSV too
                response["content"].setdefault(media_type, {"schema": {"type": "string"}})
        if "201" in responses:
            responses["201"].setdefault("headers", {})["Location"] = {
                "description": "The URL of what was created.",
                "schema": {"type": "string", "format": "uri-reference"},
            }
        operation["responses"] = dict(sorted(responses.items()))
        return operation


class TokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <key>`, described so Swagger UI's Authorize and generated clients
    send the prefix (DRF's TokenAuthentication is not a bearer scheme)."""

    target_class = "clinic.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An API token from `POST /api/v1/auth/token/`, sent as the header "
                "`Authorization: Token <key>` (the word `Token`, a space, the key). In Swagger "
                "UI's Authorize, type `Token ` and then the key. A generated client takes the "
                "key with the prefix `Token` (openapi-python-client: "
                '`AuthenticatedClient(base_url, token=key, prefix="Token")`).'
            ),
        }


class LocalTimeField(OpenApiSerializerFieldExtension):
    """A wall-clock time is sent as `08:00:00`, no offset: JSON Schema's `time` format demands
    one, so times are declared by pattern instead."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "description": "A local wall-clock time, `HH:MM[:SS]` (the clinic's time zone).",
            "example": "09:00:00",
        }
