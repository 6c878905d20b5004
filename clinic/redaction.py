"""Secrets out of logs and error reports: values of query parameters whose name says token,
key, secret, password or signature (the therapists' private calendar links,
`calendar.ics?token=...`), in URLs, query strings and request lines."""

import re

REDACTED = "[redacted]"
_SECRET_NAME = r"[\w.\-]*(?:token|key|secret|password|passwd|signature|sig)[\w.\-]*"
_SECRET_PARAMETER = re.compile(rf"(?i)((?:^|[?&;]){_SECRET_NAME}=)[^&;#\s]*")
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-metrics-token"})


def redact(text: str) -> str:
    """`text` with the values of secret query parameters replaced by [redacted]."""
    return _SECRET_PARAMETER.sub(rf"\1{REDACTED}", text)
