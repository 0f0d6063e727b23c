"""The tools a chat turn can call, as LangChain tools with pydantic argument schemas.

`create_ticket` and `request_human` take arguments written by the model (under constrained
decoding, then validated here again); `get_order_status` takes the order number the shopper
gave. Each turn builds its own tools, bound to its session, so the model never chooses whose
ticket or order it touches.
"""

from typing import Any, Literal

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict, Field

from graphs.chat.context import TicketDesk
from graphs.chat.orders import OrderLookup, normalise_order_id
from models.intents import CATEGORIES, category_of

Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
TicketCategory = Literal[
    "ACCOUNT",
    "CANCELLATION_FEE",
    "CONTACT",
    "DELIVERY",
    "FEEDBACK",
    "INVOICE",
    "NEWSLETTER",
    "ORDER",
    "PAYMENT",
    "PRODUCT",
    "REFUND",
    "SHIPPING_ADDRESS",
    "OTHER",
]
assert set(CATEGORIES) | {"OTHER"} == set(TicketCategory.__args__)  # type: ignore[attr-defined]


class CreateTicketArgs(BaseModel):
    """Open a ticket for a human colleague."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(
        min_length=8, max_length=160, description="what the customer needs, from the conversation"
    )
    category: TicketCategory = Field(description="the topic of the request")
    priority: Priority = Field(description="urgent only for money lost or safety")
    order_id: str | None = Field(
        default=None, max_length=32, description="the order number the customer gave, or null"
    )


class RequestHumanArgs(BaseModel):
    """Hand the conversation to a human colleague."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=8, max_length=160, description="why a person should take over, briefly"
    )


class GetOrderStatusArgs(BaseModel):
    """Look up where an order is."""

    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=4, max_length=32)


def ticket_category(intent_label: str) -> str:
    """The ticket category of an intent: its category in the taxonomy, or OTHER."""
    category = category_of(intent_label)
    return category if category in CATEGORIES else "OTHER"


def higher_priority(first: str, second: str) -> Priority:
    rank: dict[str, int] = {p: i for i, p in enumerate(PRIORITIES)}
    return PRIORITIES[max(rank.get(first, 1), rank.get(second, 1))]


def build_tools(
    *,
    desk: TicketDesk | None,
    orders: OrderLookup | None,
    session_id: str,
    customer_id: str | None,
    turn_key: str,
    fallback_category: str,
    min_priority: Priority,
    known_order_id: str | None,
) -> dict[str, BaseTool]:
    """This turn's tools. The policy's minimum priority and the session's order number are
    bound here; a retried turn reuses `turn_key`, so it never opens a second ticket."""
    tools: dict[str, BaseTool] = {}

    if desk is not None:
        ticket_desk = desk

        def create_ticket(
            summary: str, category: str, priority: str, order_id: str | None = None
        ) -> dict[str, Any]:
            opened = ticket_desk.open_ticket(
                session_id=session_id,
                customer_id=customer_id,
                summary=summary,
                category=category,
                priority=higher_priority(priority, min_priority),
                order_id=normalise_order_id(order_id) if order_id else known_order_id,
                idempotency_key=turn_key,
            )
            return {"id": opened.id, "status": opened.status, "created": opened.created}

        def request_human(reason: str) -> dict[str, Any]:
            return create_ticket(reason, fallback_category, min_priority, None)

        tools["create_ticket"] = StructuredTool.from_function(
            func=create_ticket,
            name="create_ticket",
            description="Open a ticket so that a human colleague follows the request up.",
            args_schema=CreateTicketArgs,
        )
        tools["request_human"] = StructuredTool.from_function(
            func=request_human,
            name="request_human",
            description="Hand the conversation over to a human colleague now.",
            args_schema=RequestHumanArgs,
        )

    if orders is not None:
        order_system = orders

        def get_order_status(order_id: str) -> dict[str, Any] | None:
            order = order_system.get_order(normalise_order_id(order_id), customer_id)
            return None if order is None else order.model_dump(mode="json")

        tools["get_order_status"] = StructuredTool.from_function(
            func=get_order_status,
            name="get_order_status",
            description="Where an order is: status, carrier, tracking number, expected delivery.",
            args_schema=GetOrderStatusArgs,
        )
    return tools
