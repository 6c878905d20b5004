from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`page` and `page_size` must be whole numbers from 1: anything else is a 400 naming the
    parameter. A page past the last is a 404 ("Invalid page."); a page_size above 100 is 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    @staticmethod
    def _whole_number(request, name: str) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({name: ["Give a whole number from 1."]})
        return int(raw)

    def get_page_size(self, request):
        size = self._whole_number(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return self._whole_number(request, self.page_query_param) or 1

    def get_paginated_response_schema(self, schema):
        """DRF's page schema, in OpenAPI 3.1's words: `next` and `previous` are a URL or null
        (3.1 has no `nullable`), and every page carries all four keys."""

        def link(page: int) -> dict:
            return {
                "type": ["string", "null"],
                "format": "uri",
                "example": f"https://clinic.example/api/v1/bookings/?{self.page_query_param}={page}",
            }

        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": link(4),
                "previous": link(2),
                "results": schema,
            },
        }
