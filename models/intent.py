"""Intent recognition. A keyword classifier stands in until the trained model lands."""

import re
from dataclasses import dataclass, field
from typing import Protocol


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


# Bitext categories and a few intents, by the words shoppers use for them.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "get_refund": ("refund", "money back", "退款", "退钱"),
    "return_item": ("return", "send back", "退货", "退回", "退换"),
    "delivery_period": ("deliver", "arrive", "how long", "到货", "多久", "几天"),
    "delivery_options": ("shipping", "express", "courier", "运费", "快递", "包邮", "配送"),
    "track_order": ("track", "where is my order", "物流", "查件", "到哪"),
    "cancel_order": ("cancel", "取消"),
    "payment_issue": ("payment", "pay", "alipay", "wechat", "card", "支付", "付款", "花呗"),
    "get_invoice": ("invoice", "receipt", "fapiao", "发票", "开票"),
    "recover_password": ("password", "reset", "密码"),
    "delete_account": ("delete my account", "close my account", "注销"),
    "edit_account": ("account", "profile", "账号", "账户"),
    "contact_human_agent": ("human", "agent", "person", "人工", "真人", "客服"),
    "contact_customer_service": ("contact", "phone", "hotline", "email", "联系", "电话"),
    "complaint": ("complain", "terrible", "投诉", "差评"),
    "newsletter_subscription": ("newsletter", "subscribe", "订阅"),
    "check_cancellation_fee": ("cancellation fee", "违约金", "手续费"),
    "place_order": ("buy", "order", "purchase", "下单", "购买"),
}


class KeywordIntentClassifier:
    """Counts keyword hits per intent; confidence grows with hits and is low on no hit."""

    def classify(self, text: str) -> IntentResult:
        lowered = text.lower()
        scores = []
        for label, words in _KEYWORDS.items():
            hits = sum(1 for w in words if re.search(re.escape(w), lowered))
            if hits:
                scores.append(IntentScore(label, min(0.9, 0.5 + 0.2 * hits)))
        scores.sort(key=lambda s: -s.score)
        if not scores:
            return IntentResult("oos", 0.3, [IntentScore("oos", 0.3)])
        return IntentResult(scores[0].label, scores[0].score, scores[:3])
