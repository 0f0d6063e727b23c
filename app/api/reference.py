"""The API reference, written from the app's OpenAPI schema into docs/api-reference.<lang>.md:

    .venv/bin/python -m app.api.reference

tests/docs/test_api_reference.py fails when the files differ from what the schema gives, so the
reference changes with the code. The schema's own texts (summaries, field descriptions) are in
English; the reference's headings and labels are in each language.
"""

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from app.main import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs"
LANGUAGES = {"en": "en", "zh": "zh-CN"}
NO_NUL = "^[^\\x00]*$"  # the pattern of most text fields: not worth a mention each time

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "API reference",
        "intro": (
            "Written from the OpenAPI schema of this version by `python -m app.api.reference`; "
            "a test fails when it differs from the code. A running server serves the same "
            "schema at `/openapi.json` and as pages at `/docs`. Keys go in "
            "`Authorization: Bearer <key>`; a role admits the roles above it "
            "(agent < staff < admin). Errors have the body "
            '`{"error": {"code": ..., "message": ...}}`.'
        ),
        "summary": "{summary}. Role: {role}.",
        "public": "none (shoppers, probes)",
        "at_least": "{role} or above",
        "parameters": "Parameters",
        "body": "Request body",
        "responses": "Responses",
        "name": "name",
        "in": "in",
        "required": "required",
        "type": "type",
        "description": "description",
        "status": "status",
        "yes": "yes",
        "no": "no",
        "contents": "Contents",
    },
    "zh": {
        "title": "API 参考",
        "intro": (
            "由 `python -m app.api.reference` 根据本版本的 OpenAPI 模式生成；"
            "与代码不一致时测试会失败。"
            "运行中的服务在 `/openapi.json` 提供同一模式，在 `/docs` 提供网页版。"
            "密钥放在 `Authorization: Bearer <密钥>` 中；高一级的角色包含低一级的权限"
            "（agent < staff < admin）。错误的响应体为 "
            '`{"error": {"code": ..., "message": ...}}`。字段说明沿用模式中的英文原文。'
        ),
        "summary": "{summary}。角色：{role}。",
        "public": "无需密钥（顾客、探针）",
        "at_least": "{role} 或更高",
        "parameters": "参数",
        "body": "请求体",
        "responses": "响应",
        "name": "名称",
        "in": "位置",
        "required": "必填",
        "type": "类型",
        "description": "说明",
        "status": "状态码",
        "yes": "是",
        "no": "否",
        "contents": "目录",
    },
}


def render(schema: Mapping[str, Any], lang: str) -> str:
    labels = LABELS[lang]
    groups: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            tag = (operation.get("tags") or ["service"])[0]
            groups.setdefault(tag, []).append((method.upper(), path, operation))
    lines = [f"# {labels['title']}", "", labels["intro"], "", f"## {labels['contents']}", ""]
    for tag, operations in groups.items():
        calls = ", ".join(f"`{method} {path}`" for method, path, _ in operations)
        lines.append(f"- **{tag}**: {calls}")
    for tag, operations in groups.items():
        lines += ["", f"## {tag}"]
        for method, path, operation in operations:
            lines += ["", *_operation(schema, method, path, operation, labels)]
    return "\n".join(lines) + "\n"


def _operation(
    schema: Mapping[str, Any],
    method: str,
    path: str,
    operation: Mapping[str, Any],
    labels: Mapping[str, str],
) -> Iterator[str]:
    yield f"### `{method} {path}`"
    yield ""
    roles = [
        role for need in operation.get("security", []) for roles in need.values() for role in roles
    ]
    summary = operation.get("summary", "")
    role = labels["at_least"].format(role=roles[0]) if roles else labels["public"]
    yield labels["summary"].format(summary=summary, role=role)
    if operation.get("description"):
        yield ""
        yield " ".join(operation["description"].split())
    parameters = operation.get("parameters", [])
    if parameters:
        yield ""
        yield f"{labels['parameters']}:"
        yield ""
        yield _row(
            labels["name"], labels["in"], labels["required"], labels["type"], labels["description"]
        )
        yield "|---|---|---|---|---|"
        for parameter in parameters:
            yield _row(
                f"`{parameter['name']}`",
                parameter["in"],
                labels["yes"] if parameter.get("required") else labels["no"],
                _type(schema, parameter.get("schema", {})),
                parameter.get("description", ""),
            )
    body = operation.get("requestBody")
    if body:
        for content_type, content in body["content"].items():
            yield ""
            yield f"{labels['body']} (`{content_type}`):"
            yield ""
            yield _row(labels["name"], labels["required"], labels["type"], labels["description"])
            yield "|---|---|---|---|"
            target = _resolve(schema, content.get("schema", {}))
            required = set(target.get("required", []))
            for name, field in target.get("properties", {}).items():
                yield _row(
                    f"`{name}`",
                    labels["yes"] if name in required else labels["no"],
                    _type(schema, field),
                    _resolve(schema, field).get("description", field.get("description", "")),
                )
    yield ""
    yield f"{labels['responses']}:"
    yield ""
    yield _row(labels["status"], labels["description"])
    yield "|---|---|"
    for status, response in sorted(operation.get("responses", {}).items()):
        types = ", ".join(f"`{kind}`" for kind in response.get("content", {}))
        text = response.get("description", "")
        yield _row(status, f"{text} {types}".strip())


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    reference = node.get("$ref")
    if not reference:
        return node
    name = reference.rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]  # type: ignore[no-any-return]


def _type(schema: Mapping[str, Any], node: Mapping[str, Any]) -> str:
    if "$ref" in node:
        target = _resolve(schema, node)
        if "enum" in target:
            return " or ".join(f"`{value}`" for value in target["enum"])
        return str(node["$ref"].rsplit("/", 1)[-1])
    if "anyOf" in node:
        return " or ".join(_type(schema, option) for option in node["anyOf"])
    if "enum" in node:
        return " or ".join(f"`{value}`" for value in node["enum"])
    kind = str(node.get("type", "any"))
    if kind == "array":
        return f"array of {_type(schema, node.get('items', {}))}"
    limits = [
        f"{label} `{node[key]}`" if key == "pattern" else f"{label} {node[key]}"
        for key, label in (
            ("minLength", "≥"),
            ("maxLength", "≤"),
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("pattern", "matching"),
        )
        if key in node and node[key] != NO_NUL
    ]
    if "format" in node:
        kind = f"{kind} ({node['format']})"
    return f"{kind}, {', '.join(limits)}" if limits else kind


def _row(*cells: str) -> str:
    return "| " + " | ".join(cell.replace("\n", " ").replace("|", "\\|") for cell in cells) + " |"


def reference_files() -> dict[Path, str]:
    """Each language's file and the text it should hold."""
    schema = json.loads(json.dumps(create_app().openapi()))
    return {
        DOCS / f"api-reference.{suffix}.md": render(schema, lang)
        for lang, suffix in LANGUAGES.items()
    }


def main() -> int:
    for path, text in reference_files().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
