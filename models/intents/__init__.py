"""Intent recognition: the shop's taxonomy and the classifier interface."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

SHIPPED_MODEL = Path(__file__).resolve().parent / "artifacts" / "intent-model.npz"

# Bitext's 27 customer-support intents, by category, the shop's own `product_info` (pre-sales
# questions about products and the catalogue, which Bitext lacks), plus `oos` (not about the shop).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "ACCOUNT": (
        "create_account",
        "delete_account",
        "edit_account",
        "recover_password",
        "registration_problems",
        "switch_account",
    ),
    "CANCELLATION_FEE": ("check_cancellation_fee",),
    "CONTACT": ("contact_customer_service", "contact_human_agent"),
    "DELIVERY": ("delivery_options", "delivery_period"),
    "FEEDBACK": ("complaint", "review"),
    "INVOICE": ("check_invoice", "get_invoice"),
    "NEWSLETTER": ("newsletter_subscription",),
    "ORDER": ("cancel_order", "change_order", "place_order", "track_order"),
    "PAYMENT": ("check_payment_methods", "payment_issue"),
    "PRODUCT": ("product_info",),
    "REFUND": ("check_refund_policy", "get_refund", "track_refund"),
    "SHIPPING_ADDRESS": ("change_shipping_address", "set_up_shipping_address"),
}
OUT_OF_SCOPE = "oos"
INTENTS: tuple[str, ...] = tuple(sorted(i for group in CATEGORIES.values() for i in group))
LABELS: tuple[str, ...] = (*INTENTS, OUT_OF_SCOPE)


def category_of(label: str) -> str:
    """The category of an intent (``OUT_OF_SCOPE`` for anything else)."""
    for category, intents in CATEGORIES.items():
        if label in intents:
            return category
    return "OUT_OF_SCOPE"


@dataclass(frozen=True)
class IntentScore:
    label: str
    score: float


@dataclass(frozen=True)
class IntentResult:
    label: str
    confidence: float
    top: list[IntentScore] = field(default_factory=list)


class IntentClassifier(Protocol):
    def classify(self, text: str) -> IntentResult: ...
