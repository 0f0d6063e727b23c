"""FAQ spreadsheets saved as CSV: one question and its answer per row, one chunk per pair."""

import csv
import io

from ingest.document import ParsedDocument, Section, bare_urls, stem_title, unique_urls
from ingest.errors import UnreadableDocument

QUESTION_COLUMNS = ("question", "问题")
ANSWER_COLUMNS = ("answer", "答案")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for index, cell in enumerate(header):
        if cell.strip().strip("\ufeff").lower() in names:
            return index
    return None


def parse_faq_csv(text: str, filename: str) -> ParsedDocument:
    """Rows under a ``question,answer`` (or ``问题,答案``) header; other columns are ignored.

    Each pair is an atomic section, "Q: ...\\nA: ...", headed by its question, so a question
    is never cut off from its answer.
    """
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UnreadableDocument(f"{filename}: not a valid CSV file ({exc})") from exc
    header = rows[0] if rows else []
    question = _column(header, QUESTION_COLUMNS)
    answer = _column(header, ANSWER_COLUMNS)
    if question is None or answer is None:
        found = ",".join(cell.strip() for cell in header)[:120] or "(nothing)"
        raise UnreadableDocument(
            f"{filename}: a CSV file is read as an FAQ and needs a header row with the columns "
            f"question,answer (or 问题,答案); its first row is: {found}"
        )
    sections: list[Section] = []
    for number, row in enumerate(rows[1:], start=2):
        asked = row[question].strip() if question < len(row) else ""
        answered = row[answer].strip() if answer < len(row) else ""
        if not asked and not answered:
            continue  # a blank row
        if not asked or not answered:
            has, lacks = ("a question", "answer") if asked else ("an answer", "question")
            raise UnreadableDocument(f"{filename}: row {number} has {has} but no {lacks}")
        sections.append(
            Section(
                heading=asked,
                text=f"Q: {asked}\nA: {answered}",
                links=unique_urls(bare_urls(answered)),
                atomic=True,
            )
        )
    return ParsedDocument(title=stem_title(filename), sections=sections)
