"""Error reports to Sentry (settings call `init_sentry` when SENTRY_DSN is set), with what a
clinic must not send away kept out of every event:

- no personal data from the SDK (send_default_pii off: no user IP, email, cookies);
- no request bodies (max_request_body_size "never", and `scrub` drops any that appear), no
  cookies, and only harmless headers; secret query parameters redacted from URLs;
- no local variables of stack frames (they hold intakes and notes);
- health fields (an intake's conditions, a note's SOAP text, trigger points...) filtered out
  wherever they appear as keys: extra data, contexts, breadcrumbs.
"""

from clinic.redaction import redact

FILTERED = "[Filtered]"
SAFE_HEADERS = frozenset({"accept", "content-type", "content-length", "host", "user-agent"})
HEALTH_FIELDS = frozenset(
    {
        # clients: intake and record
        "conditions",
        "medications",
        "allergies",
        "recent_injuries",
        "recent_surgery",
        "areas_of_concern",
        "pressure_preference",
        "reported_trigger_points",
        "contraindications",
        "flags",
        "date_of_birth",
        "staff_notes",
        "emergency_contact_name",
        "emergency_contact_phone",
        # treatments: notes, amendments, trigger point progress
        "subjective",
        "objective",
        "assessment",
        "plan",
        "text",
        "note",
        "notes",
        "trigger_points",
        "findings",
    }
)


def _filter_keys(value):
    if isinstance(value, dict):
        return {
            key: FILTERED if str(key).lower() in HEALTH_FIELDS else _filter_keys(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_filter_keys(item) for item in value]
    return value


def scrub(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send (and before_send_transaction): the event, fit to leave."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {
            name: value for name, value in headers.items() if name.lower() in SAFE_HEADERS
        }
        for key in ("url", "query_string"):
            if isinstance(request.get(key), str):
                request[key] = redact(request[key])
    for key in ("extra", "contexts", "tags"):
        if key in event:
            event[key] = _filter_keys(event[key])
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and isinstance(breadcrumbs.get("values"), list):
        for crumb in breadcrumbs["values"]:
            if isinstance(crumb, dict) and "data" in crumb:
                crumb["data"] = _filter_keys(crumb["data"])
    return event


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float, **options) -> None:
    # Imported here, when a DSN is set: the SDK and its integrations are some 4 MB in every
    # process (web, worker, beat, each command) that would never report anything.
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub,
        before_send_transaction=scrub,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        **options,
    )
