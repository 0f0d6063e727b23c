"""What a chat turn runs with: its services and the shopper's raw message.

The raw message travels in the run context, never in the state, so it is not checkpointed:
only its redacted form enters the state.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol

from graphs.chat.evidence import Relevance
from graphs.chat.orders import DEFAULT_ORDER_ID_PATTERN, OrderLookup
from graphs.redaction.engine import Redactor
from models.intents import IntentClassifier
from models.llm import ChatModel


class PassageLike(Protocol):
    """A retrieved passage, read-only."""

    @property
    def chunk_id(self) -> str: ...
    @property
    def document_id(self) -> str: ...
    @property
    def document(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...


class Retriever(Relevance, Protocol):
    """Finds the knowledge-base passages nearest to a query and judges how well a text
    matches it (the app passes its hybrid retriever)."""

    def search(self, query: str, k: int) -> Sequence[PassageLike]: ...


@dataclass(frozen=True)
class OpenedTicket:
    id: int
    status: str
    created: bool = True


class TicketDesk(Protocol):
    """Where hand-overs to people go (the app passes its ticket service).

    A session has at most one active ticket: while one is open or pending, a new hand-over
    adds to it (and may raise its priority) instead of opening a second one.
    """

    def open_ticket(
        self,
        *,
        session_id: str,
        summary: str,
        category: str,
        priority: str,
        idempotency_key: str,
        customer_id: str | None = None,
        order_id: str | None = None,
    ) -> OpenedTicket: ...


class Pseudonymizer(Protocol):
    """Turns a personal value into a reversible token (the app passes its vault)."""

    def pseudonymise(
        self, entity: str, value: str, session_id: str, customer_id: str | None = None
    ) -> str: ...


PiiAction = Literal["keep", "mask", "pseudonymise"]
# What happens to each kind of personal data in the shopper's message. `mask`: a [TYPE]
# placeholder; `pseudonymise`: a token whose original the vault keeps encrypted; `keep`: as is.
DEFAULT_PII_POLICY: Mapping[str, PiiAction] = MappingProxyType(
    {
        "PHONE": "pseudonymise",
        "EMAIL": "pseudonymise",
        "ADDRESS": "pseudonymise",
        "PERSON": "mask",
        "ID_CARD": "mask",
        "BANK_CARD": "mask",
        "IP": "mask",
    }
)


@dataclass(frozen=True)
class ChatConfig:
    top_k: int = 6
    clarify_below: float = 0.4
    passage_tokens: int = 300
    # Below this cosine similarity of the question and its best passage, the knowledge base is
    # taken not to cover the question.
    answer_min_similarity: float = 0.28
    # ... unless a passage holds this share of the question's word weight ("包邮吗").
    answer_min_coverage: float = 0.8
    # Below this similarity an answer is given, but ends with the offer of a person.
    answer_offer_below: float = 0.4
    max_answer_tokens: int = 320
    temperature: float = 0.1
    order_id_pattern: str = DEFAULT_ORDER_ID_PATTERN
    pii_policy: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PII_POLICY))


@dataclass(frozen=True)
class ChatServices:
    llm: ChatModel
    retriever: Retriever
    redactor: Redactor
    intents: IntentClassifier
    config: ChatConfig
    tickets: TicketDesk | None = None
    orders: OrderLookup | None = None
    vault: Pseudonymizer | None = None


@dataclass(frozen=True)
class TurnContext:
    services: ChatServices
    message: str
    locale: str | None = None
    session_id: str = ""
    customer_id: str | None = None
