"""Analytics through the real app: turns counted as they happen, the shopper's rating, the
summary and its CSV, and the reports, with roles and bad input."""

import csv
import io
import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.analytics.model import Outcome
from app.analytics.periods import parse_period
from app.analytics.reports import ReportArchive, Reports
from app.core.i18n import message
from app.db.models import Role
from app.services.keys import create_api_key
from tests.api.streams import bearer, sse

ROOT = Path(__file__).resolve().parents[2]


async def test_turns_are_counted_and_a_thank_you_asks_for_a_rating(
    api: httpx.AsyncClient, api_app: FastAPI
) -> None:
    analytics = api_app.state.container.analytics
    first = (await api.post("/v1/chat", json={"message": "退货运费谁出？"})).json()
    session_id = first["session_id"]
    events = sse(
        (await api.post("/v1/chat/stream", json={"message": "谢谢", "session_id": session_id})).text
    )
    names = [name for name, _ in events]
    assert names[-2:] == ["rating", "done"]
    rating = events[-2][1]
    assert rating["prompt"] == message("rating_prompt", "zh") and rating["scale"] == [1, 2, 3, 4, 5]
    assert rating["feedback_url"] == f"/v1/sessions/{session_id}/feedback"

    turns = analytics.turns_of(session_id)
    assert [t.outcome for t in turns] == [Outcome.answered, Outcome.smalltalk]
    assert turns[0].opening and not turns[1].opening
    assert turns[0].first_token_ms is not None and turns[0].first_token_ms > 0
    assert turns[0].question is None  # answered: no text kept
    assert session_id not in {t.session for t in turns}  # pseudonymous

    given = await api.post(f"/v1/sessions/{session_id}/feedback", json={"rating": 5})
    assert given.status_code == 201 and given.json()["rating"] == 5
    assert given.json()["message"] == message("feedback_thanks", "zh")  # the conversation's
    again = sse(
        (await api.post("/v1/chat/stream", json={"message": "再见", "session_id": session_id})).text
    )
    assert "rating" not in [name for name, _ in again]  # asked once, answered


async def test_feedback_is_validated_and_its_comment_redacted(api: httpx.AsyncClient) -> None:
    session_id = (
        await api.post("/v1/chat", json={"message": "How do I reset my password?"})
    ).json()["session_id"]
    url = f"/v1/sessions/{session_id}/feedback"
    for bad in (
        {"rating": 0},
        {"rating": 6},
        {"rating": "good"},
        {},
        {"rating": 3, "comment": "x" * 2001},
    ):
        response = await api.post(url, json=bad)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "invalid_request"
    assert (
        await api.post("/v1/sessions/no-such-session/feedback", json={"rating": 4})
    ).status_code == 404
    given = await api.post(url, json={"rating": 2, "comment": "Too slow, call me on 13912345678"})
    assert given.status_code == 201
    assert "13912345678" not in given.json()["comment"]
    assert given.json()["message"] == message("feedback_thanks", "en")


async def test_the_summary_and_its_csv_need_staff_and_follow_the_record(
    api: httpx.AsyncClient, api_app: FastAPI, admin_headers: dict[str, str]
) -> None:
    container = api_app.state.container
    agent = bearer(create_api_key(container.engine, Role.agent))
    staff = bearer(create_api_key(container.engine, Role.staff))
    assert (await api.get("/v1/analytics/summary")).status_code == 401
    assert (await api.get("/v1/analytics/summary", headers=agent)).status_code == 403

    before = (await api.get("/v1/analytics/summary", headers=staff)).json()
    chat = (await api.post("/v1/chat", json={"message": "Can you gift wrap a blender?"})).json()
    await api.post(
        "/v1/chat", json={"message": "Do you gift wrap?", "session_id": chat["session_id"]}
    )
    await api.post(f"/v1/sessions/{chat['session_id']}/feedback", json={"rating": 1})
    after = (await api.get("/v1/analytics/summary", headers=staff)).json()

    assert set(after) >= {
        "conversations",
        "messages",
        "by_intent",
        "resolution_rate",
        "escalation_rate",
        "csat_avg",
        "avg_session_seconds",
    }
    assert after["conversations"] == before["conversations"] + 1
    assert after["turns"] == before["turns"] + 2
    assert after["messages"] == before["messages"] + 4
    assert after["csat_distribution"]["1"] == before["csat_distribution"]["1"] + 1
    assert sum(after["outcomes"].values()) == after["turns"]
    assert len(after["by_day"]) == 30  # by default the last 30 days, today included

    exported = await api.get("/v1/analytics/export", headers=staff)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert sum(int(r["turns"]) for r in rows) == after["turns"]
    assert sum(int(r["conversations_started"]) for r in rows) == after["conversations"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-11-30&to=2026-11-01", "invalid_date_range"),
        ("from=2020-01-01&to=2026-11-01", "date_range_too_long"),
        ("from=yesterday", "invalid_request"),
    ],
)
async def test_bad_date_ranges_are_refused(
    api: httpx.AsyncClient, admin_headers: dict[str, str], query: str, code: str
) -> None:
    response = await api.get(f"/v1/analytics/summary?{query}", headers=admin_headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == code


async def test_reports_in_three_formats_and_bad_periods(
    api: httpx.AsyncClient, api_app: FastAPI, admin_headers: dict[str, str]
) -> None:
    container = api_app.state.container
    agent = bearer(create_api_key(container.engine, Role.agent))
    month = container.today().strftime("%Y-%m")
    assert (await api.get(f"/v1/reports/{month}", headers=agent)).status_code == 403
    as_json = await api.get(f"/v1/reports/{month}?format=json&lang=en", headers=admin_headers)
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["period"]["key"] == month and body["lang"] == "en"
    assert body["summary"]["conversations"] >= 1 and body["intent_accuracy"] is None
    html = await api.get(f"/v1/reports/{month}?format=html", headers=admin_headers)
    assert html.headers["content-type"].startswith("text/html") and "<svg" in html.text
    pdf = await api.get(f"/v1/reports/{month}?format=pdf", headers=admin_headers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    for bad, code in (
        ("2026-13", "invalid_period"),
        ("2026-Q5", "invalid_period"),
        ("2999-01", "future_period"),
    ):
        response = await api.get(f"/v1/reports/{bad}", headers=admin_headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == code
    wrong_format = await api.get(f"/v1/reports/{month}?format=docx", headers=admin_headers)
    assert wrong_format.status_code == 422


def test_a_finished_period_is_made_once_on_schedule_and_kept(
    api_app: FastAPI, tmp_path: Path
) -> None:
    container = api_app.state.container
    evaluations: list[int] = []

    def evaluate() -> dict[str, dict[str, float]]:
        evaluations.append(1)
        return {"en": {"accuracy": 0.93, "macro_f1": 0.92, "n": 300}}

    reports = Reports(
        container.engine,
        ReportArchive(tmp_path),
        container.settings.zone,
        evaluate_intents=evaluate,
    )
    now = datetime(2027, 1, 2, 3, 0, tzinfo=UTC)  # 2 January: December and Q4 have ended
    made = reports.make_due("zh", now=now)
    assert sorted(p.name for p in made) == sorted(
        f"kefu-report-{key}.zh.{form}"
        for key in ("2026-12", "2026-Q4")
        for form in ("json", "html", "pdf")
    )
    assert evaluations == [1]  # the quarter's report evaluates the intent model, the month's not
    kept = json.loads((tmp_path / "kefu-report-2026-Q4.zh.json").read_text())
    assert kept["intent_accuracy"]["en"]["accuracy"] == 0.93
    assert reports.make_due("zh", now=now) == []  # kept: not made again
    quarter = parse_period("2026-Q4")
    assert (
        reports.get(quarter, "zh", "json", now=now)
        == (tmp_path / "kefu-report-2026-Q4.zh.json").read_bytes()
    )
    assert evaluations == [1]
    later = reports.make_due("zh", now=datetime(2027, 2, 10, tzinfo=UTC))
    assert sorted(p.name for p in later) == [
        f"kefu-report-2027-01.zh.{f}" for f in ("html", "json", "pdf")
    ]


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed"
)
def test_kefu_report_writes_a_pdf_that_renders(tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    env = {**os.environ, "KEFU_DATA_DIR": str(tmp_path / "data")}
    last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    done = subprocess.run(
        [
            str(ROOT / ".venv/bin/kefu"),
            "report",
            "--period",
            last_month,
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")],
        check=True,
    )
    assert list(tmp_path.glob("page*.png"))
    bad = subprocess.run(
        [str(ROOT / ".venv/bin/kefu"), "report", "--period", "November"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2
