"""Answer quality on a shop's own documents, through the real chat service.

A QA line (CONTRACT.md): ``{"id", "lang", "question", "history": [{"role", "content"}],
"answerable", "key_facts": [...], "source"}``. A key fact may list alternatives split by "|";
an answer states it when it contains one of them after normalisation (NFKC, lower case, no
whitespace, no thousands commas), not inside a longer number ("¥20" is not in "¥200").

- retrieval hit@3: an answerable question whose source document is among the first three
  passages retrieved for it (a document's other-language twin, ``x.zh.md`` for ``x.en.md``,
  counts: both state the same facts);
- key-fact rate: answerable questions whose answer states every key fact;
- abstention accuracy: questions where the bot answered if and only if it could: it abstains
  when it gives no answer from a source (it offers a person, asks what is meant, or hands
  over); an answer that cites a source and also offers a person is an answer;
- faithfulness: answers whose every number occurs in the documents they cite.
"""

import html
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from typing import Any, Protocol

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage

from app.services.chat import ChatService, TurnRequest
from evals.records import quantile, read_jsonl
from graphs.chat.grounding import numbers
from graphs.chat.nodes import retrieval_query
from ingest.lexical import normalise


@dataclass(frozen=True)
class QA:
    id: str
    lang: str
    question: str
    history: list[tuple[str, str]]
    answerable: bool
    key_facts: list[str]
    source: str


@dataclass
class QAResult:
    qa: QA
    answer: str
    abstained: bool
    retrieved: list[str]
    cited: list[str]
    facts_found: list[bool]
    unsupported_numbers: list[str]
    seconds: float
    first_token_seconds: float | None
    ticket: bool = False

    @property
    def hit(self) -> bool:
        return any(same_document(doc, self.qa.source) for doc in self.retrieved[:3])

    @property
    def key_fact(self) -> bool:
        return bool(self.facts_found) and all(self.facts_found)

    @property
    def abstention_right(self) -> bool:
        return self.abstained != self.qa.answerable


class PassageSearch(Protocol):
    def search(self, query: str, k: int) -> Any: ...


def read_qa(path: Path) -> list[QA]:
    def make(row: dict[str, Any], _: int) -> QA:
        return QA(
            id=str(row["id"]),
            lang=str(row.get("lang", "")),
            question=str(row["question"]),
            history=[(str(h["role"]), str(h["content"])) for h in row.get("history", [])],
            answerable=bool(row["answerable"]),
            key_facts=[str(f) for f in row.get("key_facts", [])],
            source=str(row.get("source", "")),
        )

    rows = read_jsonl(path, make, "a QA line")
    if not rows:
        raise ValueError(f"{path} has no QA lines")
    return rows


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", normalise(text))


def states_fact(answer: str, fact: str) -> bool:
    """Whether the answer contains one of the fact's "|"-separated forms, a number not being
    part of a longer one."""
    flat = _flat(answer)
    for form in (_flat(f) for f in fact.split("|")):
        if not form:
            continue
        for match in re.finditer(re.escape(form), flat):
            before = flat[match.start() - 1] if match.start() else ""
            if form[0].isdigit() and before.isdigit():
                continue
            if form[-1].isdigit() and re.match(r"\.?\d", flat[match.end() :]):
                continue
            return True
    return False


def _topic(document: str) -> str:
    stem = PurePath(document).stem.lower()
    return re.sub(r"[._-](en|zh|zh-cn|cn)$", "", stem)


def same_document(document: str, source: str) -> bool:
    return bool(source) and (document == source or _topic(document) == _topic(source))


@dataclass
class RagReport:
    results: list[QAResult] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    # The language of each document, to tell cross-lingual questions apart.
    document_languages: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        answerable = [r for r in self.results if r.qa.answerable]
        answered = [r for r in self.results if not r.abstained]
        seconds = [r.seconds for r in self.results]
        first = [r.first_token_seconds for r in self.results if r.first_token_seconds is not None]
        kinds: dict[str, list[QAResult]] = {}
        for r in self.results:
            kinds.setdefault(kind_of(r.qa, self.document_languages), []).append(r)
        return {
            "n": len(self.results),
            "answerable": len(answerable),
            "retrieval_hit_at_3": _rate(r.hit for r in answerable),
            "key_fact_rate": _rate(r.key_fact for r in answerable),
            "abstention_accuracy": _rate(r.abstention_right for r in self.results),
            "answered_when_answerable": _rate(not r.abstained for r in answerable),
            "abstained_when_unanswerable": _rate(
                r.abstained for r in self.results if not r.qa.answerable
            ),
            "faithful_answers": _rate(not r.unsupported_numbers for r in answered),
            "cited_answers": _rate(bool(r.cited) for r in answered),
            "by_kind": {
                kind: {
                    "n": len(part),
                    "retrieval_hit_at_3": _rate(r.hit for r in part if r.qa.answerable),
                    "key_fact_rate": _rate(r.key_fact for r in part if r.qa.answerable),
                    "abstention_accuracy": _rate(r.abstention_right for r in part),
                }
                for kind, part in sorted(kinds.items())
            },
            "turn_seconds_p50": quantile(seconds, 0.5),
            "turn_seconds_p95": quantile(seconds, 0.95),
            "first_token_seconds_p50": quantile(first, 0.5),
            "first_token_seconds_p95": quantile(first, 0.95),
            "misses": [
                {
                    "id": r.qa.id,
                    "question": r.qa.question,
                    "answerable": r.qa.answerable,
                    "key_facts": r.qa.key_facts,
                    "answer": r.answer,
                    "hit": r.hit,
                    "retrieved": r.retrieved[:3],
                }
                for r in self.results
                if not r.abstention_right or (r.qa.answerable and not r.key_fact)
            ],
            **self.meta,
        }


def kind_of(qa: QA, doc_langs: dict[str, str]) -> str:
    """unanswerable, follow-up, cross-lingual (the source is in the other language) or plain."""
    if not qa.answerable:
        return "unanswerable"
    if qa.history:
        return "follow-up"
    source_lang = doc_langs.get(qa.source)
    if source_lang and qa.lang and source_lang != qa.lang:
        return "cross-lingual"
    return f"single-{qa.lang or 'any'}"


def _rate(values: Any) -> float | None:
    items = list(values)
    return round(sum(items) / len(items), 4) if items else None


def _history_messages(qa: QA) -> list[AnyMessage]:
    messages: list[AnyMessage] = [
        HumanMessage(text) if role == "user" else AIMessage(text) for role, text in qa.history
    ]
    return [*messages, HumanMessage(qa.question)]


async def evaluate(
    chat: ChatService, retriever: PassageSearch, questions: list[QA], documents: dict[str, str]
) -> RagReport:
    """Each question in a session of its own, its history seeded first. ``documents`` maps a
    file name to its text, for the faithfulness check of cited answers."""
    report = RagReport()
    for qa in questions:
        session_id = f"rag-{qa.id}-{uuid.uuid4().hex[:8]}"
        if qa.history:
            await chat.seed_history(session_id, qa.history)
        query = retrieval_query(qa.question, _history_messages(qa))
        retrieved = [p.document for p in retriever.search(query, 3)]
        started = time.perf_counter()
        first: float | None = None
        done: dict[str, Any] = {}
        ticket = False
        async for event in chat.run_turn(
            TurnRequest(message=qa.question, session_id=session_id, locale=qa.lang or None)
        ):
            if event.event == "token" and first is None:
                first = time.perf_counter() - started
            elif event.event == "ticket":
                ticket = True
            elif event.event == "done":
                done = event.data
        seconds = time.perf_counter() - started
        answer = str(done.get("answer", ""))
        cited_docs = [str(s["document"]) for s in done.get("sources") or []]
        # An answer with its sources is an answer, even when it also offers a person.
        abstained = not cited_docs
        support = " ".join(documents.get(doc, "") for doc in cited_docs)
        unsupported = (
            sorted(numbers(answer) - numbers(support) - numbers(qa.question))
            if not abstained
            else []
        )
        report.results.append(
            QAResult(
                qa=qa,
                answer=answer,
                abstained=abstained,
                retrieved=retrieved,
                cited=cited_docs,
                facts_found=[states_fact(answer, fact) for fact in qa.key_facts],
                unsupported_numbers=unsupported,
                seconds=seconds,
                first_token_seconds=first,
                ticket=ticket,
            )
        )
    return report


def write_html(report: RagReport, summary: dict[str, Any], path: Path) -> Path:
    """A self-contained page: the figures, then every question with its answer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figures = "".join(
        f"<tr><th>{html.escape(key)}</th><td>{html.escape(str(value))}</td></tr>"
        for key, value in summary.items()
        if key not in {"misses", "by_kind"}
    )
    kinds = "".join(
        f"<tr><th>{html.escape(kind)}</th><td>{v['n']}</td><td>{v['retrieval_hit_at_3']}</td>"
        f"<td>{v['key_fact_rate']}</td><td>{v['abstention_accuracy']}</td></tr>"
        for kind, v in summary["by_kind"].items()
    )
    rows = []
    for r in report.results:
        good = r.abstention_right and (r.key_fact or not r.qa.answerable)
        history = "<br>".join(
            f"{html.escape(role)}: {html.escape(text)}" for role, text in r.qa.history
        )
        rows.append(
            f"<tr class={'ok' if good else 'bad'}><td>{html.escape(r.qa.id)}</td>"
            f"<td>{html.escape(kind_of(r.qa, report.document_languages))}</td>"
            f"<td>{history + '<br>' if history else ''}<b>{html.escape(r.qa.question)}</b></td>"
            f"<td>{html.escape(r.answer)}</td>"
            f"<td>{html.escape(' / '.join(r.qa.key_facts)) or '(none)'}</td>"
            f"<td>{'yes' if r.hit else 'no' if r.qa.answerable else ''}</td>"
            f"<td>{'abstained' if r.abstained else 'answered'}</td>"
            f"<td>{r.seconds:.1f}</td></tr>"
        )
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Kefu RAG evaluation</title><style>
body{{font-family:system-ui,sans-serif;margin:2rem}} table{{border-collapse:collapse;margin:1rem 0}}
td,th{{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}}
tr.bad{{background:#fde8e8}} tr.ok{{background:#eefbea}}</style></head><body>
<h1>Kefu RAG evaluation</h1><table>{figures}</table>
<h2>By kind</h2><table><tr><th>kind</th><th>n</th><th>hit@3</th><th>key facts</th>
<th>abstention</th></tr>{kinds}</table>
<h2>Questions</h2><table><tr><th>id</th><th>kind</th><th>question</th><th>answer</th>
<th>key facts</th><th>hit@3</th><th>decision</th><th>s</th></tr>{"".join(rows)}</table>
</body></html>"""
    path.write_text(page, encoding="utf-8")
    return path


def result_rows(report: RagReport) -> list[dict[str, Any]]:
    return [{**asdict(r), "hit": r.hit, "key_fact": r.key_fact} for r in report.results]
