"""The shipped intent model and the product's training method."""

from pathlib import Path

import numpy as np
import pytest

from graphs.chat.messages import INTENT_NAMES
from models.embedder import Embedder
from models.intents import CATEGORIES, INTENTS, LABELS, SHIPPED_MODEL, category_of
from models.intents.dataset import Example, is_dev, own_examples, split
from models.intents.model import IntentModel, load_intent_model
from models.intents.train import accuracy, train_model
from tests.fakes import HashEmbedder


@pytest.fixture(scope="session")
def shipped(embedder: Embedder) -> IntentModel:
    return load_intent_model(SHIPPED_MODEL, {embedder.name: embedder})


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("where is my order LM202611210001??", "track_order"),
        ("i want my money back for the broken kettle", "get_refund"),
        ("can I talk to a real person please", "contact_human_agent"),
        ("do you take paypal", "check_payment_methods"),
        ("亲，我的快递到哪了", "track_order"),
        ("不想要了，帮我把订单取消", "cancel_order"),
        ("能开发票吗？公司报销用", "get_invoice"),
        ("密码忘了登不上去", "recover_password"),
        ("what's the weather in Paris tomorrow", "oos"),
        ("帮我写一首关于春天的诗", "oos"),
    ],
)
def test_clear_messages_get_their_intent(shipped: IntentModel, text: str, label: str) -> None:
    result = shipped.classify(text)
    assert result.label == label
    assert result.confidence > 0.5
    assert [s.score for s in result.top] == sorted((s.score for s in result.top), reverse=True)


@pytest.mark.parametrize(
    "text",
    [
        "how deep is the Cormac bookcase? I only have 30cm spare",
        "does the Lotte armchair come in a rust colour",
        "will the 2 litre teapots be back in stock before easter",
        "can you engrave a date on the brass photo frame",
        "do you give a discount on 150 enamel mugs for a company event",
        "which of your pillows would suit someone with neck pain",
        "这款沙发床展开后有多长",
        "玻璃水杯有没有琥珀色的",
        "樱花抱枕什么时候补货啊",
        "定制50个印logo的帆布袋大概什么价",
        "电热毯的功率是多少瓦，费电吗",
        "你们家的砂锅第一次用要怎么处理",
    ],
)
def test_product_questions_are_product_info(shipped: IntentModel, text: str) -> None:
    """Pre-sales questions are the shop's business, not chit-chat (`oos`)."""
    result = shipped.classify(text)
    assert result.label == "product_info"
    assert result.confidence > 0.5


@pytest.mark.parametrize(
    "text",
    [
        "tell me a story about a dragon",
        "what's the capital of Kenya",
        "用三句话描述一下大海",
        "明天上海会下雪吗",
    ],
)
def test_chit_chat_stays_out_of_scope(shipped: IntentModel, text: str) -> None:
    result = shipped.classify(text)
    assert result.label == "oos"
    assert result.confidence > 0.5


def test_product_info_is_its_own_category() -> None:
    assert CATEGORIES["PRODUCT"] == ("product_info",)
    assert category_of("product_info") == "PRODUCT"
    assert len(INTENTS) == 28 and len(LABELS) == 29


def test_every_label_has_a_name_shoppers_can_read() -> None:
    """The clarifying question names intents to the shopper, in both languages."""
    assert set(INTENT_NAMES) == set(LABELS)
    assert all(set(names) == {"en", "zh"} for names in INTENT_NAMES.values())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_shipped_model_reaches_90_percent_on_its_own_dev_split(
    shipped: IntentModel, lang: str
) -> None:
    dev = split(own_examples(lang))[1]
    assert len(dev) > 150
    assert accuracy(shipped, dev) >= 0.90


def test_the_model_knows_the_whole_taxonomy(shipped: IntentModel) -> None:
    assert sorted(shipped.labels) == sorted(LABELS)
    assert 0.05 < shipped.temperature < 10


def test_confidence_is_calibrated_on_held_out_data(shipped: IntentModel) -> None:
    """Among confident answers most are right; among unsure ones many are wrong."""
    dev = split(own_examples("en") + own_examples("zh"))[1]
    results = shipped.classify_many([e.text for e in dev])
    right = np.array([r.label == e.label for r, e in zip(results, dev, strict=True)])
    confidence = np.array([r.confidence for r in results])
    assert right[confidence >= 0.8].mean() >= 0.95
    assert right[confidence < 0.4].mean() < right.mean()
    assert abs(confidence.mean() - right.mean()) < 0.08  # average confidence tracks accuracy


def test_dev_split_is_stable_and_about_a_fifth() -> None:
    texts = [f"message number {i}" for i in range(2000)]
    share = sum(is_dev(t) for t in texts) / len(texts)
    assert 0.17 < share < 0.23
    assert [is_dev(t) for t in texts] == [is_dev(t) for t in texts]
    assert is_dev("Where is my order?") == is_dev("  where is my order?  ")


TINY = [
    Example("where is my parcel", "track_order"),
    Example("track my order please", "track_order"),
    Example("has my package shipped", "track_order"),
    Example("I want a refund", "get_refund"),
    Example("give me my money back", "get_refund"),
    Example("refund this order", "get_refund"),
    Example("tell me a joke", "oos"),
    Example("what is the weather", "oos"),
    Example("write me a poem", "oos"),
]


def test_training_is_deterministic_and_a_saved_model_predicts_the_same(tmp_path: Path) -> None:
    embedders = [HashEmbedder()]
    first = train_model(embedders, TINY, TINY)
    second = train_model(embedders, TINY, TINY)
    assert np.array_equal(first.weights, second.weights)
    path = tmp_path / "model.npz"
    first.save(path)
    loaded = IntentModel.load(path, embedders)
    probe = ["where is my parcel now", "money back please"]
    assert np.allclose(loaded.predict_proba(probe), first.predict_proba(probe), atol=1e-3)
    assert [r.label for r in loaded.classify_many(probe)] == ["track_order", "get_refund"]


def test_a_model_refuses_other_embedders(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "model.npz"
    train_model([HashEmbedder()], TINY).save(path)
    with pytest.raises(ValueError, match="hash-embedder"):
        IntentModel.load(path, [embedder])
    with pytest.raises(FileNotFoundError, match=r"models\.intents\.train"):
        load_intent_model(tmp_path / "missing.npz")
