"""The RAG evaluation's scoring rules, and a short run through the real stack."""

import json
from pathlib import Path

import pytest

from app.cli import main
from evals.rag import read_qa, same_document, states_fact


@pytest.mark.parametrize(
    ("answer", "fact", "found"),
    [
        ("Returns are accepted within 30 days [1].", "30 days|30天", True),
        ("30 天内可以退货", "30 days|30天", True),
        ("Orders over ¥199 ship free.", "¥19|19元", False),  # part of a longer number
        ("It costs ¥200.", "¥20", False),
        ("It costs ¥20.", "¥20", True),
        ("It costs ¥2.5 more", "¥2", False),
        ("ＳＦ Express", "sf express", True),
        ("We accept Alipay.", "支付宝|alipay", True),
        ("", "x", False),
    ],
)
def test_states_fact(answer: str, fact: str, found: bool) -> None:
    assert states_fact(answer, fact) is found


def test_a_documents_language_twin_is_the_same_source() -> None:
    assert same_document("returns.zh.md", "returns.en.md")
    assert same_document("faq.csv", "faq.csv")
    assert not same_document("returns.en.md", "shipping.en.md")
    assert not same_document("returns.en.md", "")


def test_bad_qa_lines_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps({"id": "1", "question": "q"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"qa.jsonl:1"):
        read_qa(path)


def test_the_shipped_sets_are_well_formed() -> None:
    data = Path(__file__).resolve().parents[2] / "evals" / "data"
    for name in ("rag_demo.jsonl", "rag_northwind.jsonl"):
        rows = read_qa(data / name)
        assert len(rows) >= 60
        assert {r.lang for r in rows} == {"en", "zh"}
        assert any(r.history for r in rows) and any(not r.answerable for r in rows)
        assert all(r.key_facts and r.source for r in rows if r.answerable)


def test_kefu_eval_rag_through_the_real_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {
            "id": "t1",
            "lang": "en",
            "question": "How many days do I have to return an item?",
            "history": [],
            "answerable": True,
            "key_facts": ["30 days|30-day"],
            "source": "returns.en.md",
        },
        {
            "id": "t2",
            "lang": "zh",
            "question": "那拆开用过的空气炸锅呢？",
            "history": [
                {"role": "user", "content": "退货期限是多久？"},
                {"role": "assistant", "content": "大部分商品签收后30天内可以退货。"},
            ],
            "answerable": True,
            "key_facts": ["15天|十五天"],
            "source": "returns.zh.md",
        },
        {
            "id": "t3",
            "lang": "en",
            "question": "Do you sell second-hand tractors?",
            "history": [],
            "answerable": False,
            "key_facts": [],
            "source": "",
        },
    ]
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert main(["eval", "rag", "--qa", str(qa), "--json", "--report", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["n"] == 3 and summary["retrieval_hit_at_3"] == 1.0
    assert summary["abstained_when_unanswerable"] == 1.0
    assert summary["key_fact_rate"] >= 0.5
    assert set(summary["by_kind"]) == {"single-en", "follow-up", "unanswerable"}
    page = (tmp_path / "rag.html").read_text(encoding="utf-8")
    assert "那拆开用过的空气炸锅呢？" in page and "Do you sell second-hand tractors?" in page
    assert json.loads((tmp_path / "rag.json").read_text(encoding="utf-8"))["results"]


def test_kefu_eval_rag_refuses_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    assert main(["eval", "rag", "--qa", str(bad)]) == 2
