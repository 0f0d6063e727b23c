"""The API reference in docs/ is what the code's OpenAPI schema gives, in both languages."""

from app.api.reference import LABELS, reference_files


def test_the_api_reference_is_written_from_the_current_schema() -> None:
    stale = [
        path.name
        for path, text in reference_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run: .venv/bin/python -m app.api.reference"


def test_the_reference_lists_every_route_with_its_role() -> None:
    for path, text in reference_files().items():
        assert (
            "### `POST /v1/chat/stream`" in text and "### `PATCH /v1/tickets/{ticket_id}`" in text
        )
        lang = "zh" if "zh-CN" in path.name else "en"
        assert LABELS[lang]["at_least"].format(role="admin") in text  # GET /v1/audit
