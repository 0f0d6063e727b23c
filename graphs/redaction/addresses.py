"""Street addresses in Chinese and English. A city or a province alone is not an address: a
match needs a street with a house number, or a district with a building."""

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

_HAN = r"\u4e00-\u9fa5"
_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
_PLACE = rf"[{_HAN}A-Za-z0-9]"

# 省 / 市 / 区县 / 街道镇 are each optional; then a road with its number, then the building.
_CN_REGION = (
    rf"(?:[{_HAN}]{{2,8}}?(?:省|自治区|特别行政区))?"
    rf"(?:[{_HAN}]{{2,8}}?(?:市|州|盟|地区))?"
    rf"(?:[{_HAN}]{{1,8}}?(?:区|县|旗))?"
    rf"(?:[{_HAN}]{{1,8}}?(?:街道|镇|乡))?"
)
_CN_ROAD = (
    rf"{_PLACE}{{1,15}}?(?:大道|大街|路|街|道|巷|弄|胡同|里)(?:{_NUM}段)?{_NUM}(?:号院|号|弄)"
)
_CN_BUILDING = (
    rf"(?:{_PLACE}{{0,14}}?(?:{_NUM}|[A-Za-z]\d*)(?:号楼|栋|幢|座|单元|号院|楼|层|室|号|F|f)"
    rf"|{_PLACE}{{1,12}}?(?:大厦|中心|广场|小区|花园|公寓|园区|商务园|软件园|家园|苑|城)"
    rf"(?:[A-Za-z]?\d+(?:室|号)?)?"
    rf"|[-－]?\d{{2,5}}(?:室)?)*"
)
_CN_ESTATE = (
    rf"[{_HAN}]{{1,8}}?(?:区|县)[{_HAN}A-Za-z0-9]{{1,12}}?(?:小区|花园|公寓|家园|苑|村|大厦)"
    rf"(?:{_NUM}(?:号楼|栋|幢|座|单元|号|室|楼))+"
)


class ChineseAddressRecognizer(PatternRecognizer):
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("cn_street_address", _CN_REGION + _CN_ROAD + _CN_BUILDING, 0.75),
        Pattern("cn_estate_address", _CN_ESTATE, 0.6),
    ]

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="ADDRESS",
            patterns=self.PATTERNS,
            context=["地址", "收货", "寄到", "送到", "住在", "address"],
            supported_language=supported_language,
            name=f"ChineseAddressRecognizer-{supported_language}",
        )


_STREET_TYPES = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Parkway|Pkwy|Court|Ct|"
    r"Place|Pl|Square|Sq|Terrace|Close|Crescent|Cres|Grove|Gardens|Highway|Hwy|Row|Walk|Mews|"
    r"Hill|Park|Queensway|Broadway"
)
_UNIT = r"(?:\b(?:Flat|Apt\.?|Apartment|Unit|Suite|Ste\.?|Room|Floor)\s*[#]?\w{1,5},?\s+)?"
_EN_STREET = (
    rf"{_UNIT}(?<![\w-])\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'.-]*\s+){{0,3}}"
    rf"(?:{_STREET_TYPES})\b\.?"
)
# After the street: unit, city, state or county, postcode and country, comma-separated.
_EN_TAIL = (
    r"(?:,?\s+(?:(?:Apt\.?|Apartment|Unit|Suite|Ste\.?|Flat|Floor|Room)\s*#?\w{1,5}|"
    # A place name is whole words: "Oxford OX1 4AB" is a town and then a postcode.
    r"[A-Z][A-Za-z'.-]+(?![A-Za-z0-9])(?:\s+[A-Z][A-Za-z'.-]+(?![A-Za-z0-9])){0,2}"
    r"(?:\s+\d{1,2}(?!\d))?|"
    r"[A-Z]{2}\s+\d{5}(?:-\d{4})?|"  # US state and ZIP
    r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|"  # UK postcode
    r"[A-Z]\d{2}\s?[A-Z\d]{4}|"  # Irish Eircode
    r"[A-Z]{2,3}\s+\d{4}|\d{4,7}))"
)


class EnglishAddressRecognizer(PatternRecognizer):
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("en_street_address", rf"{_EN_STREET}{_EN_TAIL}{{0,5}}", 0.7),
    ]

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="ADDRESS",
            patterns=self.PATTERNS,
            context=["address", "ship to", "deliver to", "send to", "live at"],
            supported_language=supported_language,
            name=f"EnglishAddressRecognizer-{supported_language}",
            global_regex_flags=re.DOTALL | re.MULTILINE,  # capitals matter: "Ste" is not "stein"
        )
