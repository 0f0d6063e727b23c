"""When a person must take over: the deterministic part of the hand-over policy.

The policy decides *whether* a turn escalates and how urgent it is at least; the model only
fills in the tool's arguments (summary, category, a higher priority if warranted).
"""

import re
from typing import Literal

from graphs.chat.state import ChatState

EscalationReason = Literal[
    "asked_for_person",  # the shopper asks for a person
    "accepted_offer",  # the assistant offered a person and the shopper said yes
    "complaint",
    "refund_dispute",  # a refund refused, disputed or long overdue
    "payment_problem",  # charged twice, charged but no order, unknown charge
    "unsolved_payment",  # a payment question the knowledge base does not answer
    "repeated_misses",  # the second unanswered question in a row
]

MIN_CONFIDENCE = 0.5
MISSES_BEFORE_ESCALATION = 2

_BY_INTENT: dict[str, EscalationReason] = {
    "contact_human_agent": "asked_for_person",
    "complaint": "complaint",
}

# Asking for a person in so many words, whatever the classifier makes of the rest.
_PERSON = re.compile(
    r"\b(?:real|live|human|actual)\s+(?:person|agent|being|human|support)\b|"
    r"\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:a|an|some|your)?\s*(?:person|human|agent|"
    r"representative|someone|manager|supervisor)\b|\bhuman agent\b|"
    r"转人工|人工客服|人工服务|真人|找人工|要人工|接人工|客服人员|找你们(?:经理|主管)",
    re.IGNORECASE,
)
# "How / when can I reach your agents?" asks for contact details, not for a hand-over.
_CONTACT_INFO = re.compile(
    r"\bhow (?:can|do) i (?:contact|reach|call|email)|\bwhat (?:are|is) your (?:hours|phone|"
    r"number|opening)|\bwhen (?:are|is) (?:you|your)|\bopening hours|\b(?:until|till) what time|"
    r"\bwhat time\b|\b(?:email|e-mail|address|phone|number|hotline) (?:for|to)\b|"
    r"怎么联系|如何联系|几点|什么时间|什么时候上班|电话是多少|联系方式|邮箱|热线",
    re.IGNORECASE,
)
# A question about the rules ("how long do I have to report it?") wants an answer first, even
# when it comes with a complaint; a person follows when the help centre has none.
_ASKS_RULE = re.compile(
    r"\b(?:how (?:long|much|many|soon)|is there a (?:time )?limit|by when|within how)\b|"
    r"多久|多长时间|几天|多少天|时限|期限|要多少",
    re.IGNORECASE,
)
_REFUND = re.compile(
    r"refund|money back|reimburs|the difference back|return (?:request|application)|"
    r"退款|退钱|退货|钱.{0,4}退|扣(?:了|我)|少了.{0,4}(?:块|元|钱)",
    re.IGNORECASE,
)
_DISPUTE = re.compile(
    r"refus|reject|declin|denied|deny|dispute|chargeback|unfair|instead of|"
    r"not what your (?:policy|website|terms)|nobody (?:told|explained)|"
    r"still (?:not|no|haven'?t|have not|hasn'?t|waiting)|never (?:got|received|arrived|came)|"
    r"weeks? (?:ago|now|later)|"
    r"拒绝|被拒|驳回|不给退|不退|不予|不同意|凭什么|不认|少了|还没(?:到|收到|退)|迟迟|"
    r"一直(?:没|不)|申诉|纠纷|不合理|(?:好几|两|三|多)(?:周|个星期|个月)",
    re.IGNORECASE,
)
_PAYMENT_PROBLEM = re.compile(
    r"charged (?:me )?(?:twice|two times|double|2 times)|double[- ]charged|deducted twice|"
    r"(?:charged|paid|debited|deducted)\b.{0,40}\b(?:but|yet)\b.{0,30}"
    r"(?:no|not|failed|never|didn'?t|cancel)|unauthori[sz]ed (?:charge|payment|transaction)|"
    r"(?:charge|payment|transaction)\b.{0,60}\b(?:don'?t|do not|didn'?t) recogni[sz]e|"
    r"(?:don'?t|do not) recogni[sz]e\b.{0,30}\b(?:charge|payment|transaction)|"
    r"扣了两次|扣款两次|重复扣款|多扣|被扣了?.{0,8}(?:没|未|失败)|(?:付了款|付了钱|已付款|已经付款|"
    r"扣款成功|钱扣了|扣钱了).{0,12}(?:没|未|失败|不显示)|盗刷|陌生扣款|不明扣款|"
    r"扣款.{0,20}(?:没买|没有买|没下单|没有下单|不是我)",
    re.IGNORECASE,
)
_YES = re.compile(
    r"^(?:yes|yeah|yep|yup|ok|okay|sure|please|go ahead|do it|i would like that|"
    r"that would be (?:great|good|nice)|好|好的|好啊|好吧|是|是的|对|要|需要|可以|行|嗯|嗯嗯|"
    r"麻烦了|麻烦你了|帮我转|转吧|转人工)(?![a-z])",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(?:no|nope|nah|not now|never mind|it'?s fine|no need|不用|不需要|不要|算了|不了|没事)"
    r"(?![a-z])|^哦?那?算了",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:no|not|don'?t|never)\b|不|别|没", re.IGNORECASE)
SHORT_REPLY_CHARS = 40


# The assistant's own words offering a person (rule 4 of the answer prompt).
def accepts_offer(text: str) -> bool:
    """A short yes to the offer of a person: "yes please", "yeah sure", "可以，帮我转吧"."""
    reply = text.strip()
    return (
        len(reply) <= SHORT_REPLY_CHARS
        and bool(_YES.match(reply))
        and not _NEGATION.search(reply)
        and "?" not in reply
        and "？" not in reply
    )


def declines_offer(text: str) -> bool:
    """A short no: "no thanks", "不用了". "算了，给我找个真人" is no decline but a request."""
    reply = text.strip()
    return len(reply) <= SHORT_REPLY_CHARS and bool(_NO.match(reply)) and not _PERSON.search(reply)


def before_retrieval(state: ChatState) -> EscalationReason | None:
    """Reasons that are clear from the message itself (and the offer made just before)."""
    question = state.get("question", "")
    if state.get("offered_handoff") and accepts_offer(question):
        return "accepted_offer"
    intent = state.get("intent") or {}
    reason = _BY_INTENT.get(str(intent.get("label")))
    asks_how_to_reach_us = bool(_CONTACT_INFO.search(question))
    if reason == "asked_for_person" and asks_how_to_reach_us:
        reason = None
    if reason == "complaint" and (asks_how_to_reach_us or _ASKS_RULE.search(question)):
        reason = None  # answered if the help centre can; see after_retrieval
    if reason and float(intent.get("confidence", 0.0)) >= MIN_CONFIDENCE:
        return reason
    if _PERSON.search(question) and not asks_how_to_reach_us:
        return "asked_for_person"
    if _REFUND.search(question) and _DISPUTE.search(question):
        return "refund_dispute"
    if _PAYMENT_PROBLEM.search(question):
        return "payment_problem"
    return None


def after_retrieval(
    state: ChatState, answerable: bool, confident: bool = True
) -> EscalationReason | None:
    """Reasons that show only once the knowledge base had nothing to say (no passage, or
    only a clarifying question to ask), or only a loose match right after a miss."""
    if answerable and confident:
        return None
    if answerable:  # a loose match: a second failed attempt when the last question was one
        miss = counts_as_miss(state) and state.get("misses", 0) + 1 >= MISSES_BEFORE_ESCALATION
        return "repeated_misses" if miss else None
    intent = state.get("intent") or {}
    confident = float(intent.get("confidence", 0.0)) >= MIN_CONFIDENCE
    if intent.get("label") == "payment_issue" and confident:
        return "unsolved_payment"
    if intent.get("label") == "complaint" and confident:
        return "complaint"
    if counts_as_miss(state) and state.get("misses", 0) + 1 >= MISSES_BEFORE_ESCALATION:
        return "repeated_misses"
    return None


def counts_as_miss(state: ChatState) -> bool:
    """An unanswered shop question is a miss; unanswered chit-chat (confident `oos`) is not."""
    intent = state.get("intent") or {}
    off_topic = intent.get("label") == "oos" and float(intent.get("confidence", 0)) >= 0.5
    return not off_topic


# The least priority each reason's ticket gets; the model may raise it, never lower it.
MIN_PRIORITY: dict[EscalationReason, Literal["normal", "high"]] = {
    "asked_for_person": "normal",
    "accepted_offer": "normal",
    "complaint": "high",
    "refund_dispute": "high",
    "payment_problem": "high",
    "unsolved_payment": "high",
    "repeated_misses": "normal",
}

# `request_human` when the shopper wants a person; `create_ticket` when a case needs follow-up.
TOOL_FOR: dict[EscalationReason, Literal["request_human", "create_ticket"]] = {
    "asked_for_person": "request_human",
    "accepted_offer": "request_human",
    "complaint": "create_ticket",
    "refund_dispute": "create_ticket",
    "payment_problem": "create_ticket",
    "unsolved_payment": "create_ticket",
    "repeated_misses": "request_human",
}
