"""What the assistant says by itself, in each language it speaks."""

from models.language import Language

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
    "goodbye": {
        "en": "Thank you for contacting us. Have a nice day!",
        "zh": "感谢您的咨询，祝您生活愉快！",
    },
}

HANDED_OVER: dict[Language, str] = {
    "en": (
        "I've passed this to a colleague: ticket #{id}. They will reply to you here in this "
        "chat; please keep the ticket number for reference."
    ),
    "zh": "已为您转接人工客服，工单号 #{id}。同事会在这里回复您，请留意消息并保留工单号。",
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
    "recover_password": {"en": "resetting your password", "zh": "找回密码"},
    "registration_problems": {"en": "a problem signing up", "zh": "注册遇到的问题"},
    "review": {"en": "leaving a review", "zh": "评价商品或服务"},
    "set_up_shipping_address": {"en": "adding a delivery address", "zh": "新增收货地址"},
    "switch_account": {"en": "switching accounts", "zh": "切换账户"},
    "track_order": {"en": "where your order is", "zh": "查询订单物流"},
    "track_refund": {"en": "the status of a refund", "zh": "退款进度"},
    "oos": {"en": "something else", "zh": "其他问题"},
}
