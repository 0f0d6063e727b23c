"""Orders as the chat sees them: what an order lookup returns, how order numbers are found in a
message, and how an order's status is told to the shopper."""

import re
from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from models.language import Language

OrderState = Literal[
    "pending_payment", "processing", "shipped", "delivered", "cancelled", "returned"
]

# The demo shop's order numbers: two letters and 8 to 14 digits (LM20261002). A shop sets its
# own with KEFU_ORDER_ID_PATTERN; it must not match personal data such as card numbers.
# (Not \b: Chinese characters are word characters, so "订单LM20261002" has no boundary.)
DEFAULT_ORDER_ID_PATTERN = r"(?<![A-Za-z0-9])[A-Za-z]{2}-?\d{8,14}(?![0-9])"


class OrderInfo(BaseModel):
    """What the shopper may be told about an order: no names, addresses or payment data."""

    model_config = ConfigDict(extra="ignore")

    order_id: str = Field(min_length=1, max_length=64)
    status: OrderState
    placed_on: date
    items: int = Field(1, ge=0)
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_on: date | None = None
    estimated_delivery: date | None = None
    delivered_on: date | None = None


class OrderServiceUnavailable(RuntimeError):
    """The shop's order system could not be reached or gave a broken answer."""


class OrderLookup(Protocol):
    """The shop's order system (the demo store by default, or the shop's own over HTTP)."""

    def get_order(self, order_id: str, customer_id: str | None = None) -> OrderInfo | None:
        """The order, or None when there is none by that number for this customer."""
        ...


def find_order_ids(text: str, pattern: str = DEFAULT_ORDER_ID_PATTERN) -> list[str]:
    """Order numbers in a message, normalised (upper case, no hyphen), in order of mention."""
    found: list[str] = []
    for order_id, _, _ in order_id_spans(text, pattern):
        if order_id not in found:
            found.append(order_id)
    return found


def order_id_spans(
    text: str, pattern: str = DEFAULT_ORDER_ID_PATTERN
) -> list[tuple[str, int, int]]:
    """Each order number with where it stands in the text."""
    return [
        (normalise_order_id(m.group(0)), m.start(), m.end()) for m in re.finditer(pattern, text)
    ]


def normalise_order_id(raw: str) -> str:
    return raw.strip().upper().replace("-", "")


def _day(value: date, lang: Language) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh" else value.isoformat()


def describe_order(order: OrderInfo, lang: Language) -> str:
    """One or two sentences on where the order is, in the shopper's language."""
    zh = lang == "zh"
    head = f"订单 {order.order_id}" if zh else f"Order {order.order_id}"
    shipping = ""
    if order.carrier and order.tracking_number:
        shipping = (
            f"，承运商{order.carrier}，运单号 {order.tracking_number}"
            if zh
            else f" with {order.carrier}, tracking number {order.tracking_number}"
        )
    eta = ""
    if order.estimated_delivery:
        eta = (
            f"预计 {_day(order.estimated_delivery, lang)} 送达。"
            if zh
            else f" Expected delivery: {_day(order.estimated_delivery, lang)}."
        )
    placed = _day(order.placed_on, lang)
    if order.status == "pending_payment":
        return (
            f"{head}（{placed} 下单）尚未付款，付款后我们会尽快发货。"
            if zh
            else f"{head} (placed {placed}) is waiting for payment; it ships once paid."
        )
    if order.status == "processing":
        return (
            f"{head}（{placed} 下单）正在备货，尚未发出。" + eta
            if zh
            else f"{head} (placed {placed}) is being prepared and has not shipped yet." + eta
        )
    if order.status == "shipped":
        shipped = _day(order.shipped_on or order.placed_on, lang)
        return (
            f"{head} 已于 {shipped} 发货{shipping}。" + eta
            if zh
            else f"{head} was shipped on {shipped}{shipping}." + eta
        )
    if order.status == "delivered":
        delivered = _day(order.delivered_on or order.placed_on, lang)
        return (
            f"{head} 已于 {delivered} 签收{shipping}。如未收到，请告诉我，我为您转人工处理。"
            if zh
            else f"{head} was delivered on {delivered}{shipping}. If you did not receive it, "
            "tell me and I will pass it to a colleague."
        )
    if order.status == "cancelled":
        return (
            f"{head}（{placed} 下单）已取消。" if zh else f"{head} (placed {placed}) was cancelled."
        )
    return (
        f"{head} 已退货，退款进度可以在“我的订单”中查看。"
        if zh
        else f"{head} was returned; you can follow the refund under My orders."
    )
