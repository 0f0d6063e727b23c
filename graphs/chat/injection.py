"""Text that talks to the assistant instead of the shopper: "ignore the previous instructions",
"you are now...", "忽略以上指令". In the help centre's documents such a sentence is never an
answer, and the model is told that what it reads is data, never orders."""

import re

_ADDRESSES_THE_ASSISTANT = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,30}\b(?:previous|prior|above|earlier|all|"
    r"your|system)\b.{0,20}\b(?:instructions?|prompts?|rules?|directions?|guidelines?)\b|"
    r"\byou are (?:now|no longer)\b|\bact as (?:an?|the) (?:ai|assistant|chatbot|model)\b|"
    r"\b(?:system|developer) (?:prompt|message|instructions?)\b|"
    r"\b(?:as an ai|language model)\b.{0,40}\b(?:must|should|will|shall)\b|"
    r"(?:忽略|无视|忘记|忘掉|不要理会)(?:掉)?.{0,8}(?:之前|以上|上面|前面|先前|所有|系统)?的?(?:指令|指示|提示词?|规则|设定)|"
    r"你现在(?:是|扮演)|扮演.{0,6}(?:助手|机器人|AI)|系统提示词?",
    re.IGNORECASE,
)


def addresses_the_assistant(text: str) -> bool:
    """Whether ``text`` gives orders to an AI assistant (a prompt injection)."""
    return bool(_ADDRESSES_THE_ASSISTANT.search(text))
