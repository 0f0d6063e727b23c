"""A synthetic shop knowledge base for the retrieval benchmark, as large as asked.

Chunks are recombined from the sentences of the demo shop (kb/demo) and the Northwind eval
shop, with product names, model codes and numbers varied per document, plus product sentences
and filler, about 100-220 tokens each (the chunker's budget), half Chinese and half English.
So the BM25 postings (common shop words in most chunks, a rare model code in a few) and the
vectors look like a real shop's. Document ``i`` depends only on the seed and ``i``: a smaller
store is the start of a larger one, and the same size is the same corpus on every run.
"""

import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.chunking import split_sentences
from ingest.parsers import parse_document
from ingest.pipeline import document_id_for
from ingest.store import StoredChunk
from models.language import Language, detect_language
from models.llm import estimate_tokens

CORPUS_VERSION = 1  # bump when the generator changes: cached stores are keyed by it
ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *(p for p in sorted((ROOT / "kb" / "demo").glob("*.md")) if p.stem != "README"),
    *sorted((ROOT / "evals" / "shops" / "northwind").iterdir()),
]
MIN_TOKENS, MAX_TOKENS = 100, 220  # KEFU_CHUNK_TOKENS is 220

BRANDS = ["Lumi", "Northwind", "Aster", "Kiri", "Solace", "Bramble", "Orchid", "Tallis"]
BRANDS_ZH = ["鹿米", "北风", "星野", "木几", "暖阳", "青禾", "云栖", "拾光"]
ADJECTIVES = [
    "Aurora",
    "Breeze",
    "Cedar",
    "Cloud",
    "Coral",
    "Dawn",
    "Drift",
    "Echo",
    "Ember",
    "Fern",
    "Frost",
    "Glow",
    "Harbor",
    "Haven",
    "Indigo",
    "Juniper",
    "Lark",
    "Linen",
    "Lotus",
    "Maple",
    "Meadow",
    "Mist",
    "Nova",
    "Opal",
    "Pebble",
    "Pine",
    "Quartz",
    "Rain",
    "Ridge",
    "Sage",
    "Sierra",
    "Slate",
    "Solstice",
    "Spruce",
    "Summit",
    "Terra",
    "Tide",
    "Velvet",
    "Willow",
    "Zephyr",
]
ADJECTIVES_ZH = [
    "极光",
    "微风",
    "雪松",
    "云朵",
    "珊瑚",
    "晨曦",
    "流沙",
    "回声",
    "余烬",
    "蕨叶",
    "霜雪",
    "萤火",
    "港湾",
    "栖息",
    "靛蓝",
    "杜松",
    "云雀",
    "亚麻",
    "莲花",
    "枫叶",
    "草甸",
    "薄雾",
    "新星",
    "蛋白石",
    "卵石",
    "松林",
    "石英",
    "春雨",
    "山脊",
    "鼠尾草",
    "远山",
    "青石",
    "夏至",
    "云杉",
    "峰顶",
    "大地",
    "潮汐",
    "丝绒",
    "垂柳",
    "和风",
]
PRODUCTS = [
    ("kettle", "电水壶"),
    ("desk lamp", "台灯"),
    ("floor lamp", "落地灯"),
    ("mattress", "床垫"),
    ("duvet", "羽绒被"),
    ("pillow", "枕头"),
    ("rice cooker", "电饭煲"),
    ("air purifier", "空气净化器"),
    ("humidifier", "加湿器"),
    ("backpack", "双肩包"),
    ("tent", "帐篷"),
    ("sleeping bag", "睡袋"),
    ("hiking boots", "登山鞋"),
    ("rain jacket", "冲锋衣"),
    ("coffee grinder", "磨豆机"),
    ("blender", "破壁机"),
    ("towel set", "毛巾套装"),
    ("sofa cover", "沙发套"),
    ("bookshelf", "书架"),
    ("office chair", "办公椅"),
]
TOPICS = [
    ("Warranty and care", "保修与保养", ["Warranty", "Care", "Repairs"], ["保修", "保养", "维修"]),
    ("Delivery", "配送说明", ["Shipping fees", "Delivery times"], ["运费", "配送时效"]),
    ("Returns", "退换货", ["Return window", "Refunds", "Exchanges"], ["退货期限", "退款", "换货"]),
    ("Specifications", "规格参数", ["Size", "Materials"], ["尺寸", "材质"]),
    ("Payment and invoices", "支付与发票", ["Payment", "Invoices"], ["支付方式", "发票"]),
    ("Membership offers", "会员权益", ["Points", "Coupons"], ["积分", "优惠券"]),
]
COLOURS = [
    "white",
    "black",
    "grey",
    "sand",
    "olive",
    "navy",
    "rose",
    "amber",
    "teal",
    "charcoal",
    "ivory",
]
COLOURS_ZH = [
    "白色",
    "黑色",
    "灰色",
    "沙色",
    "橄榄绿",
    "藏青",
    "玫瑰粉",
    "琥珀色",
    "青色",
    "炭灰",
    "象牙白",
]
PARTS = [
    "motor",
    "lid",
    "filter",
    "cable",
    "handle",
    "base",
    "shade",
    "strap",
    "zip",
    "frame",
    "cover",
]
PARTS_ZH = [
    "电机",
    "壶盖",
    "滤网",
    "电源线",
    "把手",
    "底座",
    "灯罩",
    "肩带",
    "拉链",
    "框架",
    "外罩",
]

PRODUCT_SENTENCES = {
    "en": [
        "The {product} comes in {colour} and {colour2}.",
        "The {product} weighs {n} g and measures {a} x {b} x {c} cm.",
        "Model {code} replaces the older {code2} and uses the same {part}.",
        "The {part} of the {product} is covered for {months} months from delivery.",
        "Use only the supplied {part} with the {product}; other parts void the warranty.",
        "The {product} ({code}) costs ¥{price} and ships from our {city} warehouse.",
        "Clean the {part} of your {product} every {days} days with a dry cloth.",
        "A spare {part} for the {code} costs ¥{small} in the Lumi app.",
        "The {product} is rated at {watts} W and has {levels} settings.",
    ],
    "zh": [
        "{product}有{colour}和{colour2}两种颜色。",
        "{product}重{n}克，尺寸为{a}×{b}×{c}厘米。",
        "型号{code}取代旧款{code2}，{part}通用。",
        "{product}的{part}自签收起保修{months}个月。",
        "请只使用{product}随附的{part}，使用其他配件将失去保修。",
        "{product}（{code}）售价¥{price}，从{city_zh}仓库发货。",
        "请每{days}天用干布清洁{product}的{part}。",
        "{code}的备用{part}在鹿米App售价¥{small}。",
        "{product}额定功率{watts}瓦，有{levels}档可调。",
    ],
}
FILLER = {
    "en": [
        "If anything is unclear, our service team is happy to help.",
        "Please keep your order number at hand when you contact us.",
        "These terms apply to orders placed on or after {month} {day}, {year}.",
        "Photos in the listing may differ slightly from the item you receive.",
        "Prices and availability can change during promotions.",
    ],
    "zh": [
        "如有疑问，欢迎随时联系在线客服。",
        "联系我们时请准备好订单号。",
        "本说明适用于{year}年{month_n}月{day}日及之后的订单。",
        "商品图片仅供参考，请以实物为准。",
        "大促期间价格和库存可能有所变动。",
    ],
}
CITIES = [("Foshan", "佛山"), ("Hangzhou", "杭州"), ("Suzhou", "苏州"), ("Chengdu", "成都")]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
]

GENERAL_QUESTIONS = {
    "en": [
        "How many days do I have to return an item?",
        "How much does express shipping cost?",
        "Which payment methods do you accept?",
        "How long does it take to get an invoice?",
        "How long is the password reset link valid?",
        "What does the warranty on small appliances cover?",
        "How do I reach Gold membership?",
        "What are your live chat opening hours?",
        "Can I return opened bedding?",
        "What happens if I don't pay within 30 minutes?",
        "Do you ship to Xinjiang and how long does it take?",
        "Can I get a VAT special invoice for my company?",
    ],
    "zh": [
        "退货期限是多久？",
        "满多少钱包邮？",
        "可以用花呗分期吗？",
        "公司发票需要提供什么信息？",
        "注销账号需要多久？",
        "灯具的LED模块保修多久？",
        "会员积分多久过期？",
        "客服热线是多少？",
        "快递几天能到？",
        "生日优惠券怎么领取？",
        "偏远地区运费怎么算？",
        "退款多久到账？",
    ],
}
PRODUCT_QUESTIONS = {
    "en": [
        "How long is the warranty on the {product}?",
        "What colours does the {product} come in?",
        "How much does a spare {part} for the {code} cost?",
        "How heavy is model {code}?",
        "How often should I clean the {product}?",
    ],
    "zh": [
        "{product}保修多久？",
        "{product}有哪些颜色？",
        "{code}的备用{part}多少钱？",
        "{code}有多重？",
        "{product}多久清洁一次？",
    ],
}


@dataclass(frozen=True)
class BenchDocument:
    """One generated document: a product's page on one topic, in one language."""

    index: int
    id: str
    filename: str
    title: str
    lang: Language
    version: int
    product_en: str
    product_zh: str
    code: str
    part_en: str
    part_zh: str
    chunks: tuple[StoredChunk, ...]


@dataclass(frozen=True)
class BenchQuery:
    text: str
    lang: Language
    kind: str  # general, product (same language as its document) or crossing (the other)
    document_id: str | None = None  # the document that answers it, for a product question


def _clean(sentence: str) -> str:
    sentence = re.sub(r"^([-*•]\s+|[QA][:：]\s*|\d+[.)、]\s*)", "", sentence.strip())
    return sentence.replace("**", "")


def load_sentences() -> dict[Language, list[str]]:
    """The demo shops' sentences by language, without table rows and scraps."""
    pools: dict[Language, list[str]] = {"en": [], "zh": []}
    for path in SOURCES:
        for section in parse_document(path.name, path.read_bytes()).sections:
            for raw in split_sentences(section.text):
                sentence = _clean(raw)
                if sentence.startswith("|") or len(re.findall(r"\w", sentence)) < 8:
                    continue
                pools[detect_language(sentence)].append(sentence)
    return {lang: sorted(set(pool)) for lang, pool in pools.items()}


def _vary_numbers(sentence: str, rng: random.Random) -> str:
    def vary(match: re.Match[str]) -> str:
        digits = match.group()
        if len(digits) == 1:
            return str(rng.randint(1, 9))
        return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))

    return re.sub(r"\d+", vary, sentence)


class ShopCorpus:
    """The generated documents, in a fixed order; ``key`` names this corpus for caches."""

    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        self.sentences = load_sentences()
        digest = hashlib.sha256(repr((seed, self.sentences)).encode()).hexdigest()[:10]
        self.key = f"v{CORPUS_VERSION}-{digest}"

    def documents(self) -> Iterator[BenchDocument]:
        index = 0
        while True:
            yield self.document(index)
            index += 1

    def chunks(self, count: int) -> tuple[list[BenchDocument], list[StoredChunk]]:
        """The first ``count`` chunks, and their documents (the last cut to fit)."""
        documents: list[BenchDocument] = []
        chunks: list[StoredChunk] = []
        for document in self.documents():
            take = document.chunks[: count - len(chunks)]
            if len(take) < len(document.chunks):
                document = _cut(document, take)
            documents.append(document)
            chunks.extend(take)
            if len(chunks) >= count:
                return documents, chunks
        raise AssertionError("unreachable")

    def document(self, index: int) -> BenchDocument:
        rng = random.Random(f"{self.key}-{index}")
        lang: Language = "zh" if index % 2 else "en"
        adjective = rng.randrange(len(ADJECTIVES))
        noun_en, noun_zh = rng.choice(PRODUCTS)
        brand = rng.randrange(len(BRANDS))
        code = (
            f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHKLMNRSTX')}-{index:05d}"
        )
        product_en = f"{BRANDS[brand]} {ADJECTIVES[adjective]} {noun_en.title()}"
        product_zh = f"{BRANDS_ZH[brand]}{ADJECTIVES_ZH[adjective]}{noun_zh}"
        part = rng.randrange(len(PARTS))
        topic_en, topic_zh, headings_en, headings_zh = rng.choice(TOPICS)
        if lang == "en":
            title = f"{product_en} {code}: {topic_en}"
            headings = headings_en
        else:
            title = f"{product_zh} {code} {topic_zh}"
            headings = headings_zh
        filename = f"{code.lower()}-{topic_en.split()[0].lower()}.{lang}.md"
        document_id = document_id_for(filename)
        version = 2 if index % 3 == 0 else 1
        values = {
            "product": product_en if lang == "en" else product_zh,
            "code": code,
            "part": PARTS[part] if lang == "en" else PARTS_ZH[part],
        }
        chunks: list[StoredChunk] = []
        seen: set[str] = set()
        for position in range(rng.randint(12, 28)):
            text = self._chunk_text(rng, lang, values)
            content_hash = hashlib.sha256(text.encode()).hexdigest()
            if content_hash in seen:
                continue
            seen.add(content_hash)
            chunks.append(
                StoredChunk(
                    id=f"{document_id}-{content_hash[:20]}",
                    document_id=document_id,
                    document=filename,
                    title=title,
                    heading=headings[position * len(headings) // 28],
                    text=text,
                    lang=lang,
                    content_hash=content_hash,
                    position=len(chunks),
                    first_version=rng.choice((1, version)),
                    last_version=version,
                )
            )
        return BenchDocument(
            index=index,
            id=document_id,
            filename=filename,
            title=title,
            lang=lang,
            version=version,
            product_en=product_en,
            product_zh=product_zh,
            code=code,
            part_en=PARTS[part],
            part_zh=PARTS_ZH[part],
            chunks=tuple(chunks),
        )

    def _chunk_text(self, rng: random.Random, lang: Language, values: dict[str, str]) -> str:
        target = rng.randint(MIN_TOKENS, MAX_TOKENS)
        glue = "" if lang == "zh" else " "
        sentences: list[str] = []
        tokens = 0
        misses = 0
        while tokens < target and misses < 5:
            roll = rng.random()
            if roll < 0.3:
                sentence = self._fill(rng.choice(PRODUCT_SENTENCES[lang]), rng, values)
            elif roll < 0.88:
                sentence = _vary_numbers(rng.choice(self.sentences[lang]), rng)
            else:
                sentence = self._fill(rng.choice(FILLER[lang]), rng, values)
            cost = estimate_tokens(glue.join([*sentences, sentence]))
            if cost > MAX_TOKENS:
                misses += 1
                continue
            sentences.append(sentence)
            tokens = cost
        return glue.join(sentences)

    @staticmethod
    def _fill(template: str, rng: random.Random, values: dict[str, str]) -> str:
        city, city_zh = rng.choice(CITIES)
        colour = rng.randrange(len(COLOURS))
        colour2 = (colour + rng.randint(1, len(COLOURS) - 1)) % len(COLOURS)
        return template.format(
            **values,
            colour=COLOURS[colour],
            colour2=COLOURS[colour2],
            code2=f"{values['code'][:3]}{rng.randint(10000, 99999)}",
            n=rng.randint(200, 9000),
            a=rng.randint(10, 200),
            b=rng.randint(10, 200),
            c=rng.randint(5, 120),
            months=rng.choice((6, 12, 18, 24, 36)),
            price=rng.randint(49, 4999),
            small=rng.randint(9, 199),
            days=rng.choice((3, 7, 14, 30)),
            watts=rng.randint(5, 2200),
            levels=rng.randint(2, 9),
            city=city,
            city_zh=city_zh,
            month=rng.choice(MONTHS),
            month_n=rng.randint(1, 12),
            day=rng.randint(1, 28),
            year=rng.randint(2022, 2026),
        )

    def queries(self, documents: list[BenchDocument], count: int) -> list[BenchQuery]:
        """``count`` questions: a quarter general shop questions, the rest about a product of
        the store, half of those asked in the other language than its document's."""
        rng = random.Random(f"{self.key}-queries-{len(documents)}")
        found: list[BenchQuery] = []
        for index in range(count):
            lang: Language = "zh" if index % 2 else "en"
            if index % 8 < 2:
                found.append(BenchQuery(rng.choice(GENERAL_QUESTIONS[lang]), lang, "general"))
                continue
            document = rng.choice(documents)
            template = rng.choice(PRODUCT_QUESTIONS[lang])
            crossing = document.lang != lang
            product = document.product_zh if lang == "zh" else document.product_en
            if crossing:  # a shopper names a product of the other language by its model code
                product = document.code
            text = template.format(
                product=product,
                code=document.code,
                part=document.part_zh if lang == "zh" else document.part_en,
            )
            kind = "crossing" if crossing else "product"
            found.append(BenchQuery(text, lang, kind, document.id))
        return found


def _cut(document: BenchDocument, chunks: tuple[StoredChunk, ...]) -> BenchDocument:
    return BenchDocument(
        **{**document.__dict__, "chunks": chunks},
    )
