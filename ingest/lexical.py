"""Words for lexical search: jieba-segmented Chinese and stemmed English, and rank fusion.

Dense vectors find paraphrases and the other language; BM25 (``ingest.bm25``) finds the rare
exact word (a product name, 发票, "fapiao", "SF Express") that a small embedding model blurs.
Both are used, fused by rank (see ``ingest.hybrid``).
"""

import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH_STOPWORDS = _words(
    "a about above after again all also am an and any are as at be been before being below "
    "between both but by can could did do does doing done down during each few for from "
    "further get got had has have having he her here hers him his how i if in into is it its "
    "itself just me more most my no nor not now of off on once only or other our ours out over "
    "own please same she should so some such than that the their them then there these they "
    "this those through to too under until up very was we were what when where which while "
    "who whom why will with would you your yours hi hello thanks thank want need know tell "
    "im ive id dont doesnt cant"
)
CHINESE_STOPWORDS = _words(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 你 您 他 她 它 我们 你们 他们 是 在 有 和 与 或 及 就 都 也 "
    "还 要 会 能 可以 可 怎么 怎样 怎么样 如何 什么 哪 哪里 哪些 多少 几 吗? 请问 请 一下 一个 "
    "这 那 这个 那个 这些 那些 个 把 被 给 让 对 从 到 为 为什么 如果 的话 想 问 问下 谢谢 你好 "
    "现在 已经 还是 不 没 没有 呢? 么? 需要 得 地 着 过 上 下 里 中 后 前 吗？"
)

# Shop words jieba's general dictionary lacks or splits the wrong way ("满多少钱包邮" would
# otherwise yield 钱包, "wallet").
SHOP_WORDS = _words(
    "包邮 免邮 免运费 运费险 次日达 当日达 隔日达 专票 普票 电子发票 开票 抬头 税号 "
    "花呗 免息 七天无理由 无理由退货 退货 退款 换货 退差价 价保 价格保护 优惠券 满减 "
    "积分 会员 签收 拒收 揽收 快递员 驿站 快递柜 售后 保修 质保 人工客服 工单 订单号 "
    "运单号 发货 到货 预售 定金 尾款 礼品卡 注销 解绑 验证码 偏远地区 以旧换新 上门安装"
)

_jieba_lock = threading.Lock()
_jieba: Any = None


def _segmenter() -> Any:
    global _jieba
    with _jieba_lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            # jieba's one dictionary is shared with the name recognizer: shop words are no names.
            for word in SHOP_WORDS:
                jieba.suggest_freq(word, tune=True)
            _jieba = jieba
    return _jieba


def _stem(word: str) -> str:
    """A light English stemmer, so "returns", "returned" and "returning" meet at "return":
    plural and verb endings, a final e, and a doubled final consonant ("shipping" -> "ship")."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, and digit groups joined ("1,000" -> "1000")."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def terms(text: str) -> list[str]:
    """The searchable terms of a text, in order: Chinese words (jieba's search mode, which
    also yields the parts of long words) and stemmed English words, without stopwords."""
    return list(_terms(text))


def document_terms(text: str) -> tuple[str, ...]:
    """The terms of a text to index, not cached: indexing a store would only push the
    questions and passages of recent turns out of the cache."""
    text = normalise(text)
    found: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(text):
        found.extend(_latin_terms(text[position : run.start()]))
        for word in _segmenter().cut_for_search(run.group()):
            if word not in CHINESE_STOPWORDS and (len(word) > 1 or word not in "的了吗呢吧"):
                found.append(word)
        position = run.end()
    found.extend(_latin_terms(text[position:]))
    return tuple(found)


# Cached: a turn weighs the same question against many sentences, and the same passages come
# back turn after turn.
_terms = lru_cache(maxsize=8192)(document_terms)


def _latin_terms(text: str) -> list[str]:
    return [
        _stem(word)
        for word in _LATIN_WORD.findall(text)
        if word not in ENGLISH_STOPWORDS and (len(word) > 1 or word.isdigit())
    ]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[str]:
    """Ids ordered by the sum of 1/(k + rank) over the rankings they appear in."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(fused, key=lambda item: (-fused[item], item))
