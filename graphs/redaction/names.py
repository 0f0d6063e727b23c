"""Person names: Chinese names by surname and context, English names after a cue.

spaCy's small English model finds many English names but misses those in terse chat lines
("Name Lucas Bianchi, mobile ..."); Chinese has no NER model here at all. Both recognizers
below look for a name where shoppers put one: after 我叫 / 收件人 / 姓名 / "my name is" /
"Recipient", before 先生 / 女士, or (Chinese) as a three-character word that jieba tags as a
person's name and that starts with a common surname.
"""

import logging
import re
from typing import Any, ClassVar

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The commonest single-character surnames (together well over 90% of the population) and the
# compound ones still in use.
SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒"
    "阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓"
    "古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣"
    "巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满"
    "闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙"
    "浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干"
    "但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
COMPOUND_SURNAMES = _words(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 "
    "令狐 端木 轩辕 澹台 百里 呼延 南宫 闻人 西门 独孤 万俟 赫连 申屠 "
    "钟离 太史 拓跋 第五"
)
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + f"|[{SINGLE_SURNAMES}])"
_GIVEN = r"[\u4e00-\u9fa5]{1,2}"
# Words that end a name: what follows a name in a chat line, never part of it.
_AFTER = (
    r"(?=$|[\s，,。.！!？?：:；;、（(）)\"“”'‘’/～~0-9A-Za-z]|先生|女士|小姐|老师|同学|经理|本人|"
    r"的|是|电话|手机|号码|邮箱|地址|身份证|卡号|银行卡|收|寄|在|住|要|想|说|了|和|跟|帮|给)"
)
_CUES = (
    r"我叫|我是|我姓|本人|叫做|名字(?:是|叫)?|姓名(?:是)?|真实姓名|收件人(?:是)?|收货人(?:是)?|"
    r"联系人(?:是)?|寄件人(?:是)?|签收人(?:是)?|持卡人(?:是)?|户名(?:是)?|开户人|客户|老客户|"
    r"家属|买家|订购人|下单人|申请人|代收人|收件|署名|联系|找|"
    r"主管|经理|店长|专员|师傅|同事|快递员|骑手"
)
_CUED_NAME = re.compile(rf"(?:{_CUES})[\s:：是为叫]*(?P<name>{_SURNAME}{_GIVEN}){_AFTER}")
_TITLED_NAME = re.compile(rf"(?P<name>{_SURNAME}{_GIVEN})(?=先生|女士|小姐|老师|同学)")
_LISTED_NAME = re.compile(
    rf"(?:^|[，,、；;！!。\s])(?P<name>{_SURNAME}[\u4e00-\u9fa5]{{2}})(?=[，,、；;。！!\s]|$)"
)

# Words that begin with a surname character but are places, brands or common words.
NOT_NAMES = frozenset(
    _words(
        "王府井 张家口 张家界 华为 小米 京东 天猫 淘宝 顺丰 圆通 中通 韵达 "
        "申通 邮政 高铁 周末 周一 周二 周三 周四 周五 周六 周日 方便 包裹 "
        "包装 快递 白色 黄色 金色 蓝色 安装 时间 全部 全新 明天 文件 平台 "
        "关于 江苏 江西 湖南 海南 云南 贵州 宁夏 杭州 温州 常州 武汉 成都 "
        "重庆 黄山 马上 谢谢 师傅 和平 万达 苏宁 国美 唐山 秦皇岛 石家庄 许昌 "
        "邢台 沈阳 乐山 史上 任何 于是 高兴 商品 商家 朱雀 夏天 冬天"
    )
)


def _plausible(name: str) -> bool:
    return name not in NOT_NAMES and not any(name.startswith(word) for word in NOT_NAMES)


class ChineseNameRecognizer(EntityRecognizer):
    """Chinese person names: after a cue (0.85), before a title (0.75), or as a standalone
    three-character list item or jieba person word starting with a surname (0.5)."""

    CUED_SCORE = 0.85
    TITLED_SCORE = 0.75
    BARE_SCORE = 0.5

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entities=["PERSON"],
            supported_language=supported_language,
            name=f"ChineseNameRecognizer-{supported_language}",
        )

    def load(self) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        self._posseg: Any = jieba.posseg

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if not re.search(r"[\u4e00-\u9fa5]", text):
            return []
        found: dict[tuple[int, int], float] = {}

        def add(start: int, end: int, score: float) -> None:
            name = text[start:end]
            if _plausible(name):
                found[(start, end)] = max(score, found.get((start, end), 0.0))

        for pattern, score in ((_CUED_NAME, self.CUED_SCORE), (_TITLED_NAME, self.TITLED_SCORE)):
            for match in pattern.finditer(text):
                add(match.start("name"), match.end("name"), score)
        for match in _LISTED_NAME.finditer(text):
            if self._looks_like_a_name(match.group("name")):
                add(match.start("name"), match.end("name"), self.BARE_SCORE)
        position = 0
        for word, flag in self._posseg.cut(text):
            start = text.find(word, position)
            position = start + len(word)
            if flag == "nr" and len(word) == 3 and self._looks_like_a_name(word):
                add(start, position, self.BARE_SCORE)
        return [
            RecognizerResult(
                "PERSON",
                start,
                end,
                score,
                analysis_explanation=AnalysisExplanation(type(self).__name__, score),
            )
            for (start, end), score in found.items()
        ]

    def _looks_like_a_name(self, word: str) -> bool:
        """Without a cue, a three-character word is a name when it starts with a surname, is no
        dictionary word (jieba's dictionary tags 银行卡 and 华为 as names too) and does not
        begin with a longer ordinary word (白天 in 白天送)."""
        if not re.fullmatch(f"{_SURNAME}{_GIVEN}", word):
            return False
        if word in self._posseg.dt.word_tag_tab:
            return False
        pieces = list(self._posseg.cut(word))
        first_word, first_flag = pieces[0].word, pieces[0].flag
        return len(first_word) == 1 or first_flag.startswith("nr")


_EN_NAME = r"(?P<name>[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:\s+[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?){0,2})"
_EN_CUES = (
    r"my name is|my name's|name is|name:|name|i am|i'm|im|it's|this is|call me|"
    r"recipient:?|recipient is|addressed to|deliver to|for|from|signed by|"
    r"regards,|thanks,|thank you,|cheers,|best,|mr\.?|mrs\.?|ms\.?|miss|dr\.?"
)
# The cue in any case, the name capitalised: "NAME lucas" is not taken, "name Lucas" is. The
# cue starts a word, also right after Chinese (收件人是Name: Lucas), where \b sees no boundary.
_EN_CUED_NAME = re.compile(r"(?<![A-Za-z0-9_])(?i:" + _EN_CUES + r")\s+" + _EN_NAME)
NOT_ENGLISH_NAMES = frozenset(
    _words(
        "I Order The This My Hi Hello Thanks Please Your Customer Service Support Team Lumi "
        "Home Xiaomi Huawei Apple Jordan Paris London China Shanghai Beijing Amazon Alipay "
        "Wechat WeChat PayPal Visa Mastercard Monday Tuesday Wednesday Thursday Friday "
        "Saturday Sunday Not Still Just Sorry Good Great Okay Yes"
    )
)


class EnglishNameCueRecognizer(EntityRecognizer):
    """English names right after a cue ("Name Lucas Bianchi", "it's Tyler", "Mrs. Grace Lee")."""

    SCORE = 0.6
    CONTEXT_FREE_CUES: ClassVar[tuple[str, ...]] = ("for", "from")

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entities=["PERSON"],
            supported_language=supported_language,
            name=f"EnglishNameCueRecognizer-{supported_language}",
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        results = []
        for match in _EN_CUED_NAME.finditer(text):
            words = match.group("name").split()
            while words and words[-1] in NOT_ENGLISH_NAMES:
                words.pop()
            if not words or words[0] in NOT_ENGLISH_NAMES:
                continue
            cue = text[match.start() : match.start("name")].strip().lower()
            if cue in self.CONTEXT_FREE_CUES and len(words) < 2:
                continue  # "for Monday", "from Shanghai": one word after for/from is weak
            start = match.start("name")
            end = start + len(words[0])
            for word in words[1:]:  # the words as written, whatever the spaces between them
                end = text.index(word, end) + len(word)
            results.append(
                RecognizerResult(
                    "PERSON",
                    start,
                    end,
                    self.SCORE,
                    analysis_explanation=AnalysisExplanation(type(self).__name__, self.SCORE),
                )
            )
        return results
