"""Every word of the analytics reports, in English and Chinese.

``TEXTS`` maps a text id to its two versions; some are templates with ``{named}`` fields.
Intents (``intent.<id>``), turn outcomes (``outcome.<value>``), ticket categories
(``category.<id>``) and languages (``language.<code>``) are named here too; ``name_of`` falls
back to the raw id for one it does not know.
"""

from typing import Literal

Lang = Literal["en", "zh"]

TEXTS: dict[str, dict[Lang, str]] = {
    # The report's head.
    "product": {"en": "Kefu", "zh": "Kefu"},
    "report.month": {"en": "Monthly report {key}", "zh": "{year}年{month}月 月度报告"},
    "report.quarter": {
        "en": "Quarterly report {key}",
        "zh": "{year}年第{quarter}季度 季度报告",
    },
    "meta.period": {
        "en": "Period: {start} to {end} ({timezone})",
        "zh": "统计周期：{start} 至 {end}（{timezone}）",
    },
    "meta.generated": {"en": "Generated {at}", "zh": "生成时间：{at}"},
    "meta.compared": {
        "en": "Compared with the previous period, {key}",
        "zh": "对比上一周期：{key}",
    },
    "meta.no_previous": {
        "en": "There are no figures of the previous period to compare with.",
        "zh": "没有上一周期的数据可供对比。",
    },
    "meta.privacy": {
        "en": "Counted from pseudonymous, redacted records: no customer can be identified.",
        "zh": "数据来自已假名化、已脱敏的记录，无法识别任何顾客。",
    },
    "footer.page": {"en": "Page {page}", "zh": "第 {page} 页"},
    # Sections.
    "section.key_figures": {"en": "Key figures", "zh": "关键指标"},
    "section.charts": {"en": "Activity", "zh": "服务概况"},
    "section.knowledge_gaps": {"en": "Knowledge gaps", "zh": "知识缺口"},
    "section.knowledge_gaps.intro": {
        "en": (
            "The questions the assistant most often could not answer from the knowledge base."
            " Adding their answers closes the gaps."
        ),
        "zh": "助手最常无法根据知识库回答的问题。为这些问题补充答案即可填补缺口。",
    },
    "section.knowledge_gaps.empty": {
        "en": "No unanswered questions were recorded in this period.",
        "zh": "本期没有记录到无法回答的问题。",
    },
    "section.ticket_categories": {"en": "Tickets by category", "zh": "工单分类"},
    "section.intent_categories": {"en": "What customers ask about", "zh": "咨询主题分布"},
    "section.intent_categories.empty": {
        "en": "No questions in this period.",
        "zh": "本期没有咨询。",
    },
    "section.ticket_categories.empty": {
        "en": "No tickets were created in this period.",
        "zh": "本期没有新建工单。",
    },
    "section.intent_accuracy": {
        "en": "Intent recognition accuracy",
        "zh": "意图识别准确率",
    },
    "section.intent_accuracy.intro": {
        "en": (
            "The intent classifier evaluated on held-out test sets."
            " Requirement: an accuracy of at least 90% in each language."
        ),
        "zh": "意图分类器在预留测试集上的评估结果。要求：每种语言的准确率不低于 90%。",
    },
    "accuracy.met": {
        "en": "The requirement is met in every language.",
        "zh": "所有语言均达到要求。",
    },
    "accuracy.not_met": {
        "en": "The requirement is not met for: {languages}.",
        "zh": "以下语言未达到要求：{languages}。",
    },
    # Table columns.
    "column.metric": {"en": "Metric", "zh": "指标"},
    "column.current": {"en": "This period", "zh": "本期"},
    "column.previous": {"en": "Previous ({key})", "zh": "上期（{key}）"},
    "column.change": {"en": "Change", "zh": "变化"},
    "column.rank": {"en": "#", "zh": "序号"},
    "column.question": {"en": "Question", "zh": "问题"},
    "column.language": {"en": "Language", "zh": "语言"},
    "column.times_asked": {"en": "Times asked", "zh": "提问次数"},
    "column.category": {"en": "Category", "zh": "分类"},
    "column.tickets": {"en": "Tickets", "zh": "工单数"},
    "column.turns": {"en": "Questions", "zh": "提问数"},
    "column.share": {"en": "Share", "zh": "占比"},
    "column.accuracy": {"en": "Accuracy", "zh": "准确率"},
    "column.macro_f1": {"en": "Macro F1", "zh": "宏平均 F1"},
    "column.test_items": {"en": "Test items", "zh": "测试样本数"},
    "column.meets_requirement": {"en": "Meets 90%", "zh": "达到 90%"},
    # Key figures.
    "metric.conversations": {"en": "Conversations", "zh": "咨询会话数"},
    "metric.messages": {"en": "Messages", "zh": "消息数"},
    "metric.resolution_rate": {"en": "Resolution rate", "zh": "解决率"},
    "metric.escalation_rate": {
        "en": "Escalation rate (ticket opened)",
        "zh": "转人工率（创建工单）",
    },
    "metric.abstention_rate": {
        "en": "Abstention rate (no answer in the knowledge base)",
        "zh": "未能回答率（知识库无答案）",
    },
    "metric.csat": {
        "en": "Customer satisfaction (CSAT, 1-5)",
        "zh": "客户满意度（CSAT，1-5 分）",
    },
    "metric.session_duration": {
        "en": "Average conversation duration",
        "zh": "平均会话时长",
    },
    "metric.first_token": {
        "en": "Average time to the first word of a reply",
        "zh": "平均首字响应时间",
    },
    "metric.tickets_created": {"en": "Tickets created", "zh": "新建工单数"},
    "metric.tickets_resolved": {
        "en": "Tickets resolved (of those created)",
        "zh": "已解决工单（本期新建）",
    },
    "metric.tickets_open": {
        "en": "Tickets still open (of those created)",
        "zh": "未结工单（本期新建）",
    },
    "metric.first_response": {
        "en": "Average first response time (tickets)",
        "zh": "工单平均首次响应时间",
    },
    "metric.resolution_time": {
        "en": "Average resolution time (tickets)",
        "zh": "工单平均解决时长",
    },
    "metric.first_response_breaches": {
        "en": "SLA breaches: first response",
        "zh": "超出服务时限：首次响应",
    },
    "metric.resolution_breaches": {
        "en": "SLA breaches: resolution",
        "zh": "超出服务时限：解决",
    },
    # Charts.
    "chart.no_data": {"en": "No data for this period", "zh": "本期无数据"},
    "chart.by_day": {"en": "Conversations per day", "zh": "每日咨询会话数"},
    "chart.by_day.x_month": {"en": "Day of the month", "zh": "日期（日）"},
    "chart.by_day.x_quarter": {"en": "Date (month-day)", "zh": "日期（月-日）"},
    "chart.by_day.y": {"en": "Conversations", "zh": "会话数"},
    "chart.by_hour": {"en": "Turns by hour of day", "zh": "各时段对话轮次"},
    "chart.by_hour.x": {
        "en": "Hour of day ({timezone})",
        "zh": "时段（{timezone}，时）",
    },
    "chart.turns": {"en": "Turns", "zh": "对话轮次"},
    "chart.by_intent": {"en": "Turns by intent (top 10)", "zh": "各意图对话轮次（前 10 位）"},
    "chart.csat": {"en": "Satisfaction ratings", "zh": "满意度评分分布"},
    "chart.csat.summary": {
        "en": "Satisfaction ratings: average {average} from {count} ratings",
        "zh": "满意度评分分布：平均 {average} 分，共 {count} 条评价",
    },
    "chart.csat.x": {
        "en": "Rating (1 = very unhappy, 5 = very happy)",
        "zh": "评分（1 = 非常不满意，5 = 非常满意）",
    },
    "chart.csat.y": {"en": "Ratings", "zh": "评价数"},
    "chart.outcomes": {"en": "How turns ended", "zh": "对话轮次结果"},
    # Values.
    "value.none": {"en": "—", "zh": "—"},
    "value.yes": {"en": "Yes", "zh": "是"},
    "value.no": {"en": "No", "zh": "否"},
    "value.csat": {"en": "{average} ({count} ratings)", "zh": "{average}（{count} 条评价）"},
    "value.points": {"en": "{value} pp", "zh": "{value} 个百分点"},
    "unit.ms": {"en": "{value} ms", "zh": "{value} 毫秒"},
    "unit.s": {"en": "{value} s", "zh": "{value}秒"},
    "unit.min": {"en": "{value} min", "zh": "{value}分"},
    "unit.h": {"en": "{value} h", "zh": "{value}小时"},
    "unit.d": {"en": "{value} d", "zh": "{value}天"},
    "unit.join": {"en": " ", "zh": ""},
    "list.separator": {"en": ", ", "zh": "、"},
    # Languages.
    "language.en": {"en": "English", "zh": "英文"},
    "language.zh": {"en": "Chinese", "zh": "中文"},
    # Turn outcomes (app.analytics.model.Outcome).
    "outcome.answered": {"en": "Answered", "zh": "已解答"},
    "outcome.abstained": {"en": "Could not answer", "zh": "无法回答"},
    "outcome.clarified": {"en": "Asked to clarify", "zh": "澄清追问"},
    "outcome.escalated": {"en": "Handed to a person", "zh": "转人工"},
    "outcome.order": {"en": "Order look-up", "zh": "订单查询"},
    "outcome.smalltalk": {"en": "Small talk", "zh": "寒暄"},
    "outcome.error": {"en": "Error", "zh": "出错"},
    # Intents: the shop's taxonomy (models.intents), small talk and a few older ids.
    "intent.cancel_order": {"en": "Cancel order", "zh": "取消订单"},
    "intent.change_order": {"en": "Change order", "zh": "修改订单"},
    "intent.place_order": {"en": "Place order", "zh": "下单购买"},
    "intent.track_order": {"en": "Track order", "zh": "查询订单物流"},
    "intent.change_shipping_address": {"en": "Change delivery address", "zh": "修改收货地址"},
    "intent.set_up_shipping_address": {"en": "Add delivery address", "zh": "新增收货地址"},
    "intent.check_cancellation_fee": {"en": "Cancellation fee", "zh": "取消订单费用"},
    "intent.check_invoice": {"en": "Check invoice", "zh": "查看发票"},
    "intent.get_invoice": {"en": "Get invoice", "zh": "开具发票"},
    "intent.check_payment_methods": {"en": "Payment methods", "zh": "支付方式"},
    "intent.payment_issue": {"en": "Payment issue", "zh": "支付问题"},
    "intent.product_info": {"en": "Product question", "zh": "商品咨询"},
    "intent.check_refund_policy": {"en": "Refund policy", "zh": "退款政策"},
    "intent.get_refund": {"en": "Get refund", "zh": "申请退款"},
    "intent.track_refund": {"en": "Track refund", "zh": "退款进度"},
    "intent.refund_dispute": {"en": "Refund dispute", "zh": "退款纠纷"},
    "intent.return_request": {"en": "Return request", "zh": "退货申请"},
    "intent.shipping_info": {"en": "Shipping information", "zh": "物流信息"},
    "intent.delivery_options": {"en": "Delivery options", "zh": "配送方式"},
    "intent.delivery_period": {"en": "Delivery time", "zh": "配送时效"},
    "intent.complaint": {"en": "Complaint", "zh": "投诉"},
    "intent.review": {"en": "Review", "zh": "评价"},
    "intent.contact_customer_service": {"en": "Contact details", "zh": "联系客服方式"},
    "intent.contact_human_agent": {"en": "Ask for a person", "zh": "转人工客服"},
    "intent.human_agent": {"en": "Ask for a person", "zh": "转人工客服"},
    "intent.create_account": {"en": "Create account", "zh": "注册账户"},
    "intent.delete_account": {"en": "Delete account", "zh": "注销账户"},
    "intent.edit_account": {"en": "Edit account", "zh": "修改账户信息"},
    "intent.recover_password": {"en": "Recover password", "zh": "找回密码"},
    "intent.registration_problems": {"en": "Sign-up problems", "zh": "注册问题"},
    "intent.switch_account": {"en": "Switch account", "zh": "切换账户"},
    "intent.newsletter_subscription": {"en": "Newsletter", "zh": "订阅消息"},
    "intent.greeting": {"en": "Greeting", "zh": "问候"},
    "intent.thanks": {"en": "Thanks", "zh": "致谢"},
    "intent.goodbye": {"en": "Goodbye", "zh": "告别"},
    "intent.oos": {"en": "Not about the shop", "zh": "与店铺无关"},
    "intent.unknown": {"en": "Not recognised", "zh": "未识别"},
    # Ticket categories (graphs.chat.tools.TicketCategory, and the desk's default).
    "category.ACCOUNT": {"en": "Account", "zh": "账户"},
    "category.CANCELLATION_FEE": {"en": "Cancellation fee", "zh": "取消费用"},
    "category.CONTACT": {"en": "Contact", "zh": "联系客服"},
    "category.DELIVERY": {"en": "Delivery", "zh": "配送"},
    "category.FEEDBACK": {"en": "Feedback and complaints", "zh": "反馈与投诉"},
    "category.INVOICE": {"en": "Invoice", "zh": "发票"},
    "category.NEWSLETTER": {"en": "Newsletter", "zh": "订阅消息"},
    "category.ORDER": {"en": "Order", "zh": "订单"},
    "category.PAYMENT": {"en": "Payment", "zh": "支付"},
    "category.PRODUCT": {"en": "Products", "zh": "商品咨询"},
    "category.OUT_OF_SCOPE": {"en": "Not about the shop", "zh": "与店铺无关"},
    "category.REFUND": {"en": "Refund", "zh": "退款"},
    "category.SHIPPING_ADDRESS": {"en": "Shipping address", "zh": "收货地址"},
    "category.OTHER": {"en": "Other", "zh": "其他"},
    "category.general": {"en": "General", "zh": "一般"},
}


def report_lang(lang: str) -> Lang:
    """The report language for a code: Chinese for ``zh`` (``zh-CN``, ...), else English."""
    return "zh" if lang.lower().startswith("zh") else "en"


def label(key: str, lang: str) -> str:
    """The text ``key`` in ``lang``; an unknown key is a bug and raises ``KeyError``."""
    return TEXTS[key][report_lang(lang)]


def name_of(kind: str, value: str, lang: str) -> str:
    """The name of an intent, outcome, category or language (``kind``), or ``value`` itself
    when there is none."""
    texts = TEXTS.get(f"{kind}.{value}")
    return texts[report_lang(lang)] if texts else value
