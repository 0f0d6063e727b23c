"""User-facing texts of the API in English and Chinese, picked by locale or Accept-Language."""

from models.language import Language, normalise_locale

MESSAGES: dict[str, dict[Language, str]] = {
    "unauthorized": {
        "en": "An API key is required: send 'Authorization: Bearer <key>'.",
        "zh": "需要 API 密钥：请在请求头中发送 'Authorization: Bearer <密钥>'。",
    },
    "invalid_api_key": {"en": "This API key is not valid.", "zh": "该 API 密钥无效。"},
    "forbidden": {
        "en": "Your role ({role}) may not do this; it needs {required}.",
        "zh": "您的角色（{role}）无权执行此操作，需要 {required} 权限。",
    },
    "not_found": {"en": "Not found.", "zh": "未找到。"},
    "invalid_date_range": {
        "en": "The date range is empty: 'from' ({start}) must not be after 'to' ({end}).",
        "zh": "日期范围无效：开始日期（{start}）不能晚于结束日期（{end}）。",
    },
    "date_range_too_long": {
        "en": "The date range spans {days} days; at most {limit} are allowed.",
        "zh": "日期范围共 {days} 天，最多允许 {limit} 天。",
    },
    "invalid_period": {
        "en": "'{period}' is not a report period: use a month (2026-11) or a quarter (2026-Q4).",
        "zh": "“{period}”不是有效的报告周期：请使用月份（如 2026-11）或季度（如 2026-Q4）。",
    },
    "future_period": {
        "en": "The period {period} has not started yet.",
        "zh": "报告周期 {period} 尚未开始。",
    },
    "invalid_rating": {
        "en": "The rating must be a whole number from 1 to 5.",
        "zh": "评分必须是 1 到 5 之间的整数。",
    },
    "rating_prompt": {
        "en": "How did we do? Please rate this conversation from 1 (poor) to 5 (excellent).",
        "zh": "请为本次服务打分：1 分（很差）到 5 分（很好）。",
    },
    "feedback_thanks": {
        "en": "Thank you for your feedback.",
        "zh": "感谢您的评价。",
    },
    "rate_limited": {
        "en": "Too many requests: please wait {seconds} seconds and try again.",
        "zh": "请求过于频繁，请 {seconds} 秒后再试。",
    },
    "server_busy": {
        "en": "Many shoppers are chatting right now: please try again in {seconds} seconds.",
        "zh": "当前咨询的顾客较多，请 {seconds} 秒后再试。",
    },
    "request_too_large": {
        "en": "The request is too large ({length} bytes); the limit is {limit}.",
        "zh": "请求过大（{length} 字节），上限为 {limit} 字节。",
    },
    "web_not_built": {
        "en": "The web front end is not built: run 'make install' (or 'npm run build' in web/).",
        "zh": "网页前端尚未构建：请运行 'make install'（或在 web/ 目录中运行 'npm run build'）。",
    },
    "source_page": {"en": "Help centre", "zh": "帮助中心"},
    "source_from": {
        "en": "From the help-centre document {document}",
        "zh": "摘自帮助中心文档 {document}",
    },
    "source_links": {"en": "Links in this passage", "zh": "本段中的链接"},
    "source_gone": {
        "en": "This passage is no longer in the help centre: it has been edited or removed.",
        "zh": "该段内容已不在帮助中心：它已被修改或删除。",
    },
    "document_not_found": {"en": "No document with id {id}.", "zh": "找不到 ID 为 {id} 的文档。"},
    "session_not_found": {"en": "No session with id {id}.", "zh": "找不到 ID 为 {id} 的会话。"},
    "invalid_request": {"en": "The request is invalid: {detail}", "zh": "请求无效：{detail}"},
    "malformed_json": {
        "en": "The request body is not valid JSON.",
        "zh": "请求体不是有效的 JSON。",
    },
    "empty_message": {"en": "The message is empty.", "zh": "消息不能为空。"},
    "message_too_long": {
        "en": "The message is too long ({length} characters); the limit is {limit}.",
        "zh": "消息过长（{length} 个字符），上限为 {limit} 个字符。",
    },
    "missing_file": {
        "en": "Send the document as a multipart form field named 'file'.",
        "zh": "请以名为 'file' 的 multipart 表单字段上传文档。",
    },
    "unsupported_file_type": {
        "en": "This file type is not supported: {detail}",
        "zh": "不支持该文件类型：{detail}",
    },
    "unreadable_document": {
        "en": "The document cannot be read: {detail}",
        "zh": "无法读取该文档：{detail}",
    },
    "encrypted_document": {
        "en": "The document is password-protected: {detail}",
        "zh": "该文档有密码保护：{detail}",
    },
    "empty_document": {
        "en": "The document has no text to answer from.",
        "zh": "该文档没有可用于回答的文字内容。",
    },
    "no_text_layer": {
        "en": "The PDF has no text layer (scanned pages?): {detail}",
        "zh": "该 PDF 没有文字层（可能是扫描件），请上传可选中文字的 PDF "
        "或先做文字识别（OCR）：{detail}",
    },
    "document_too_large": {
        "en": "The document is too large: {detail}",
        "zh": "文档过大：{detail}",
    },
    "search_unavailable": {
        "en": "The knowledge base is not ready yet. Please try again in a moment.",
        "zh": "知识库尚未就绪，请稍后再试。",
    },
    "llm_unavailable": {
        "en": "Sorry, I can't answer right now. Please try again in a moment.",
        "zh": "抱歉，我暂时无法回答，请稍后再试。",
    },
    "turn_timeout": {
        "en": "Sorry, this answer is taking too long. Please ask again in a moment, or ask for "
        "a person.",
        "zh": "抱歉，这次回答用时太长。请稍后再问一次，或者转人工客服。",
    },
    "intent_model_unavailable": {
        "en": "The intent model is not loaded.",
        "zh": "意图识别模型尚未加载。",
    },
    "ticket_not_found": {"en": "No ticket with id {id}.", "zh": "找不到编号为 {id} 的工单。"},
    "invalid_transition": {
        "en": "A ticket cannot go from {current} to {wanted}.",
        "zh": "工单不能从 {current} 状态变为 {wanted}。",
    },
    "delivery_not_found": {
        "en": "No webhook delivery with id {id}.",
        "zh": "找不到编号为 {id} 的 Webhook 投递记录。",
    },
    "delivery_already_delivered": {
        "en": "Webhook delivery {id} was already delivered.",
        "zh": "编号为 {id} 的 Webhook 已投递成功，无需重试。",
    },
    "customer_not_found": {
        "en": "Nothing is held about customer {id}.",
        "zh": "没有关于客户 {id} 的任何数据。",
    },
    "token_not_found": {
        "en": "No personal data is kept under token {token}.",
        "zh": "令牌 {token} 下没有保存任何个人信息。",
    },
    "internal_error": {
        "en": "Something went wrong on our side. Please try again.",
        "zh": "服务器出了点问题，请稍后再试。",
    },
}


def language_from_header(accept_language: str | None) -> Language:
    """The first supported language in an Accept-Language header; English otherwise."""
    for part in (accept_language or "").split(","):
        if lang := normalise_locale(part.split(";")[0].strip()):
            return lang
    return "en"


def message(code: str, lang: Language, **params: object) -> str:
    texts = MESSAGES.get(code) or MESSAGES["internal_error"]
    return texts[lang].format(**params)
