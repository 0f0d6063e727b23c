"""What the assistant says by itself, in each language it speaks."""

from models.language import Language

NO_SOURCE: dict[Language, str] = {
    "en": (
        "I'm sorry, I couldn't find this in our help centre, so I don't want to guess. "
        "Would you like me to connect you with a human colleague?"
    ),
    "zh": "抱歉，我在帮助中心里没有找到相关内容，不想随意猜测。需要为您转接人工客服吗？",
}
