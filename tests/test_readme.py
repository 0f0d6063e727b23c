"""The README's configuration table lists every setting."""

from pathlib import Path

from app.core.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`KEFU_{name.upper()}`" not in text]
    assert missing == []


def test_readme_opens_with_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8")[:600]
    assert "make run" in head and "make test" in head
