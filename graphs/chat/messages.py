"""What the assistant says by itself, in each language it speaks."""

from models.language import Language

ANSWER_LEAD: dict[Language, str] = {
    "en": "Here is what our help centre says:",
    "zh": "帮助中心是这样说明的：",
}

# After a translation that could not be trusted: the passage in its own words.
ORIGINAL_WORDING: dict[Language, str] = {
    "en": ' (in the original, {title}: "{text}")',
    "zh": "（{title}原文：“{text}”）",
}

# After an answer from a passage that is not a close match.
OFFER_AFTER_ANSWER: dict[Language, str] = {
    "en": "If this does not answer your question, I can connect you with a colleague.",
    "zh": "如果这没有解答您的问题，我可以为您转接人工客服。",
}

NO_SOURCE: dict[Language, str] = {
    "en": (
        "I'm sorry, I couldn't find this in our help centre, so I don't want to guess. "
        "Would you like me to connect you with a human colleague?"
    ),
    "zh": "抱歉，我在帮助中心里没有找到相关内容，不想随意猜测。需要为您转接人工客服吗？",
}

SMALL_TALK: dict[str, dict[Language, str]] = {
    "greeting": {
        "en": "Hello! How can I help you today? You can ask about orders, delivery, returns, "
        "payment, invoices or your account.",
        "zh": "您好！请问有什么可以帮您？订单、配送、退换货、支付、发票或账户问题都可以问我。",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can help with?",
        "zh": "不客气！还有其他可以帮您的吗？",
    },
    "acknowledged": {
        "en": "Glad to help. Is there anything else I can do for you?",
        "zh": "好的。请问还有其他可以帮您的吗？",
    },
    "goodbye": {
        "en": "Thank you for contacting us. Have a nice day!",
        "zh": "感谢您的咨询，祝您生活愉快！",
    },
    "declined": {
        "en": "All right. Is there anything else I can help you with?",
        "zh": "好的。还有其他可以帮您的吗？",
    },
}

# Said at once when a hand-over starts; the ticket's number follows once the ticket exists.
HANDING_OVER: dict[Language, str] = {
    "en": "One moment, I'm passing this to a colleague.",
    "zh": "请稍等，正在为您转接人工客服。",
}

TICKET_OPENED: dict[Language, str] = {
    "en": (
        " Your ticket is #{id}. They will reply to you here in this chat; please keep the "
        "ticket number for reference."
    ),
    "zh": "工单号 #{id}。同事会在这里回复您，请留意消息并保留工单号。",
}

TICKET_ADDED_TO: dict[Language, str] = {
    "en": " I've added it to your open ticket #{id}; they will reply to you here in this chat.",
    "zh": "已将情况补充到您正在处理的工单 #{id}，同事会在这里回复您。",
}

ASK_ORDER_ID: dict[Language, str] = {
    "en": (
        "I can check that for you. What is your order number? You'll find it in your order "
        "confirmation or under My orders."
    ),
    "zh": "我来帮您查询。请告诉我您的订单号，可以在下单确认信息或“我的订单”中找到。",
}

ORDER_NOT_FOUND: dict[Language, str] = {
    "en": (
        "I couldn't find an order with the number {order_id} for you. Could you check the "
        "number and send it again?"
    ),
    "zh": "没有查到订单号为 {order_id} 的订单，请核对订单号后再发给我。",
}

ORDER_SERVICE_DOWN: dict[Language, str] = {
    "en": (
        "I can't reach our order system right now, so I can't see order {order_id}. Please try "
        "again in a few minutes, or I can connect you with a human colleague."
    ),
    "zh": (
        "订单系统暂时无法访问，查不到订单 {order_id} 的状态。"
        "请稍后再试，或者我可以为您转接人工客服。"
    ),
}

HANDOVER_UNAVAILABLE: dict[Language, str] = {
    "en": "I can't open a ticket right now. Please contact our customer service team directly.",
    "zh": "暂时无法为您创建工单，请直接联系我们的人工客服。",
}

CLARIFY: dict[Language, str] = {
    "en": "Just to be sure I understand: is your question about {first} or {second}?",
    "zh": "想确认一下我理解得对不对：您是想咨询{first}，还是{second}？",
}

INTENT_NAMES: dict[str, dict[Language, str]] = {
    "cancel_order": {"en": "cancelling an order", "zh": "取消订单"},
    "change_order": {"en": "changing an order", "zh": "修改订单"},
    "change_shipping_address": {"en": "changing a delivery address", "zh": "修改收货地址"},
    "check_cancellation_fee": {"en": "cancellation fees", "zh": "取消订单的费用"},
    "check_invoice": {"en": "checking an invoice", "zh": "查看发票"},
    "check_payment_methods": {"en": "payment methods", "zh": "支付方式"},
    "check_refund_policy": {"en": "the refund policy", "zh": "退款政策"},
    "complaint": {"en": "making a complaint", "zh": "投诉"},
    "contact_customer_service": {"en": "how to contact us", "zh": "联系客服的方式"},
    "contact_human_agent": {"en": "talking to a person", "zh": "转人工客服"},
    "create_account": {"en": "opening an account", "zh": "注册账户"},
    "delete_account": {"en": "closing your account", "zh": "注销账户"},
    "delivery_options": {"en": "delivery options", "zh": "配送方式"},
    "delivery_period": {"en": "delivery times", "zh": "配送时效"},
    "edit_account": {"en": "editing your account details", "zh": "修改账户信息"},
    "get_invoice": {"en": "getting an invoice", "zh": "开具发票"},
    "get_refund": {"en": "getting a refund", "zh": "申请退款"},
    "newsletter_subscription": {"en": "the newsletter", "zh": "订阅或退订消息"},
    "payment_issue": {"en": "a payment problem", "zh": "支付问题"},
    "place_order": {"en": "placing an order", "zh": "下单购买"},
    "product_info": {"en": "a question about a product", "zh": "商品咨询"},
    "recover_password": {"en": "resetting your password", "zh": "找回密码"},
    "registration_problems": {"en": "a problem signing up", "zh": "注册遇到的问题"},
    "review": {"en": "leaving a review", "zh": "评价商品或服务"},
    "set_up_shipping_address": {"en": "adding a delivery address", "zh": "新增收货地址"},
    "switch_account": {"en": "switching accounts", "zh": "切换账户"},
    "track_order": {"en": "where your order is", "zh": "查询订单物流"},
    "track_refund": {"en": "the status of a refund", "zh": "退款进度"},
    "oos": {"en": "something else", "zh": "其他问题"},
}

# Why a colleague takes over, as told to the model that writes the ticket.
ESCALATION_REASONS: dict[str, dict[Language, str]] = {
    "asked_for_person": {
        "en": "the customer asked to talk to a person",
        "zh": "顾客要求转人工",
    },
    "accepted_offer": {
        "en": "the assistant could not answer and the customer accepted a human colleague",
        "zh": "助手无法回答，顾客同意转人工",
    },
    "complaint": {"en": "the customer is making a complaint", "zh": "顾客在投诉"},
    "refund_dispute": {
        "en": "a refund was refused, is disputed or is overdue",
        "zh": "退款被拒、有争议或迟迟未到账",
    },
    "payment_problem": {
        "en": "a payment went wrong (charged twice, charged without an order, an unknown charge)",
        "zh": "支付出现问题（重复扣款、扣款但订单未成功、不明扣款）",
    },
    "unsolved_payment": {
        "en": "a payment question the help centre does not answer",
        "zh": "帮助中心无法解答的支付问题",
    },
    "repeated_misses": {
        "en": "the assistant could not answer two questions in a row",
        "zh": "助手连续两次无法回答顾客的问题",
    },
}
