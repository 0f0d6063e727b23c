"""The leak test: chats seeded with personal data, then every store searched for the raw
values (database, checkpoints, Chroma, the vault, logs, files under the data folder)."""

import json
import logging
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI

SEEDED = {
    "PHONE": "13987654321",
    "EMAIL": "wang.fang.leak@example.com",
    "ID_CARD": "110101199003074514",
    "BANK_CARD": "6222021234567890128",
    "PERSON": "欧阳娜娜",
    "ADDRESS": "张江路100弄3号602室",
    "IP": "223.104.3.12",
}
MESSAGES = [
    f"我叫{SEEDED['PERSON']}，手机{SEEDED['PHONE']}，邮箱{SEEDED['EMAIL']}，我要投诉",
    f"身份证{SEEDED['ID_CARD']}，银行卡{SEEDED['BANK_CARD']}，退款退到这张卡",
    f"地址上海市浦东新区{SEEDED['ADDRESS']}，登录IP是{SEEDED['IP']}，订单LM20261002到哪了",
    f"Please call {SEEDED['PHONE']} or mail {SEEDED['EMAIL']} about my refund",
]


def _postgres_values(url: str) -> list[tuple[str, bytes]]:
    """Every value of every table (LangGraph's checkpoint blobs included), as bytes."""
    found: list[tuple[str, bytes]] = []
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        assert "checkpoints" in tables and "session_messages" in tables
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        found.append((table, bytes(value)))
                    elif value is not None:
                        found.append(
                            (table, json.dumps(value, default=str, ensure_ascii=False).encode())
                        )
    return found


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_no_raw_personal_data_in_any_store(
    api: httpx.AsyncClient,
    api_app: FastAPI,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    session_id = None
    for message in MESSAGES:
        body = {"message": message, "customer_id": "cust-leak-1"}
        if session_id:
            body["session_id"] = session_id
        done = (await api.post("/v1/chat", json=body)).json()
        session_id = done["session_id"]
        assert not any(value in done["answer"] for value in SEEDED.values())

    # What agents and admins read holds no raw value either (the vault reveals on request).
    tickets = (await api.get("/v1/tickets", headers=admin_headers)).json()["items"]
    for ticket in tickets:
        detail = (await api.get(f"/v1/tickets/{ticket['id']}", headers=admin_headers)).text
        assert not any(value in detail for value in SEEDED.values())
    transcript = (await api.get(f"/v1/sessions/{session_id}/messages")).text
    assert not any(value in transcript for value in SEEDED.values())

    container = api_app.state.container
    container.engine.dispose()  # SQLite writes everything back from its WAL on close
    data_dir = container.settings.data_dir
    stored = _files(data_dir)
    assert any("chroma" in str(p) for p in stored)
    database_url = container.settings.database_url
    if database_url.startswith("postgresql"):  # tables and checkpoints are in PostgreSQL
        for table, value in _postgres_values(database_url):
            for entity, raw in SEEDED.items():
                assert raw.encode() not in value, f"{entity} found in table {table}"
    else:
        assert any(p.name == "checkpoints.db" for p in stored)
    for path in stored:
        content = path.read_bytes()
        for entity, value in SEEDED.items():
            assert value.encode() not in content, f"{entity} found in {path}"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(value in logged for value in SEEDED.values())
