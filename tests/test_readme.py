"""Both operator manuals list every setting with its default in their settings section; the
README opens with the two commands and points to those sections."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Each manual: the heading of its settings section, and how it writes an empty default.
MANUALS = {
    "operator.en.md": ("## Settings", "(empty)"),
    "operator.zh-CN.md": ("## 配置项", "（空）"),
}
# A table row `| `KEFU_NAME` | default | meaning |`: the name and the default cell.
_ROW = re.compile(r"^\|\s*`KEFU_([A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|", re.MULTILINE)


def settings_rows(manual: str) -> dict[str, list[str]]:
    """The default cells of the KEFU_ rows in the manual's settings section, by setting."""
    heading, _ = MANUALS[manual]
    text = (ROOT / "docs" / manual).read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    section = text[start:] if end == -1 else text[start:end]
    rows: dict[str, list[str]] = {}
    for match in _ROW.finditer(section):
        rows.setdefault(match[1].lower(), []).append(match[2])
    return rows


def code_default(name: str) -> Any:
    """The setting's default as the manuals write it: paths inside the checkout relative to it."""
    value = Settings.model_fields[name].get_default(call_default_factory=True)
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        value = value.replace(f"{ROOT}/", "")
    return value


def agrees(cell: str, default: Any, empty: str) -> bool:
    """Whether a default cell says ``default``: the empty marker for an empty value, otherwise
    the value in backticks (a list comma-separated, a map as JSON)."""
    if default == "" or default == []:
        return cell == empty
    if not (len(cell) > 2 and cell.startswith("`") and cell.endswith("`")):
        return False
    literal = cell[1:-1]
    if isinstance(default, bool):
        return literal == str(default).lower()
    if isinstance(default, int | float):
        try:
            return float(literal) == float(default)
        except ValueError:
            return False
    if isinstance(default, list):
        return literal == ",".join(default)
    if isinstance(default, dict):
        try:
            return bool(json.loads(literal) == default)
        except ValueError:
            return False
    return bool(literal == default)


@pytest.mark.parametrize("manual", MANUALS)
def test_every_setting_has_one_row_in_the_settings_section(manual: str) -> None:
    rows = settings_rows(manual)
    fields = set(Settings.model_fields)
    assert sorted(fields - set(rows)) == []  # missing
    assert sorted(set(rows) - fields) == []  # not a setting
    assert sorted(name for name, cells in rows.items() if len(cells) > 1) == []  # twice


@pytest.mark.parametrize("manual", MANUALS)
def test_each_row_gives_the_default_of_the_code(manual: str) -> None:
    _, empty = MANUALS[manual]
    rows = settings_rows(manual)
    wrong = [
        f"KEFU_{name.upper()}: the manual says {cells[0]}, the code {code_default(name)!r}"
        for name, cells in rows.items()
        if name in Settings.model_fields and not agrees(cells[0], code_default(name), empty)
    ]
    assert wrong == []


def test_readme_opens_with_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8")[:600]
    assert "make run" in head and "make test" in head


def test_readme_points_to_both_settings_sections() -> None:
    text = README.read_text(encoding="utf-8")
    assert "(docs/operator.en.md#settings)" in text
    assert "(docs/operator.zh-CN.md#配置项)" in text
