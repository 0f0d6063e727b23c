"""Reading the API as a client does: SSE bodies and bearer headers."""

import json
from typing import Any


def sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a whole ``text/event-stream`` body."""
    events: list[tuple[str, dict[str, Any]]] = []
    name = ""
    for line in text.splitlines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            events.append((name, json.loads(line[5:])))
    return events


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
