"""The API's search and ordering: documented only where a view offers them, and strict.

- `search` exists on a list only when its view names `search_fields`.
- `ordering` takes the view's `ordering_fields` (each also with `-` for descending, several
  comma-separated); anything else is a 400 naming the parameter, never silently ignored.
"""

from rest_framework import filters
from rest_framework.exceptions import ValidationError


class SearchFilter(filters.SearchFilter):
    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            fields = ", ".join(f.lstrip("^=@$").replace("__", " ") for f in view.search_fields)
            parameter["description"] = (
                f"Words to find (every word must match one of: {fields}; case-insensitive)."
            )
        return parameters


class OrderingFilter(filters.OrderingFilter):
    def allowed(self, view) -> list[str]:
        fields = getattr(view, "ordering_fields", None) or []
        return [value for field in fields for value in (field, f"-{field}")]

    def get_ordering(self, request, queryset, view):
        given = request.query_params.get(self.ordering_param)
        if given is None:
            return self.get_default_ordering(view)
        terms = [term.strip() for term in given.split(",") if term.strip()]
        allowed = self.allowed(view)
        unknown = [term for term in terms if term not in allowed]
        if unknown:
            choices = ", ".join(allowed) or "none here"
            raise ValidationError(
                {self.ordering_param: [f"Cannot order by {', '.join(unknown)}. Choose: {choices}."]}
            )
        return terms or self.get_default_ordering(view)

    def get_schema_operation_parameters(self, view):
        allowed = self.allowed(view)
        if not allowed:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Order by these fields (`-` for descending), comma-separated.",
                "schema": {"type": "array", "items": {"type": "string", "enum": allowed}},
                "style": "form",
                "explode": False,
            }
        ]
