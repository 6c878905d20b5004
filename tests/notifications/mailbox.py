"""Reading the test outbox: the clients' messages apart from the therapists'."""


def delivery_of(message) -> str:
    """`<model>:<pk>` of the row a message was sent for (its `X-Kneadly-Delivery` header)."""
    return message.extra_headers["X-Kneadly-Delivery"]


def to_clients(messages) -> list:
    return [m for m in messages if not delivery_of(m).startswith("therapistnotice:")]


def to_therapists(messages) -> list:
    return [m for m in messages if delivery_of(m).startswith("therapistnotice:")]


def leads(messages) -> list[str]:
    """Each subject up to its date (`Your appointment is confirmed on Tue ...`)."""
    return [m.subject.split(" on ")[0] for m in messages]
