"""The one font of the reports: WenQuanYi Micro Hei, embedded as a subset in every PDF.

Why this font and not another:

- reportlab's built-in CID font ``STSong-Light`` is never embedded: the PDF names it and the
  viewer must supply a Chinese font. poppler (``pdftoppm``) draws empty boxes for it on a
  machine without one, and so would many a shop's office PC, so it is out.
- The Noto Sans SC / Source Han Sans packages on PyPI (``pylopdf-fonts-zh-cn``,
  ``noto-cjk-sans-otc``, ``manimgx-fonts-cjk``) ship OpenType fonts with CFF outlines, which
  reportlab's ``TTFont`` refuses ("postscript outlines are not supported"); they are also
  15-33 MB.
- WenQuanYi Micro Hei (from the PyPI package ``paperang-p2-fonts-cjk``, a 2.3 MB wheel holding
  only ``wqy-microhei.ttc``) has TrueType outlines, covers GB 2312 and more plus Latin, digits
  and punctuation, and is licensed Apache-2.0 (as its name table states). reportlab embeds
  just the glyphs a document uses, so a report PDF stays small and renders anywhere, offline.

The same font sets the chart labels, so a Chinese chart reads as well as the tables. Chinese
and English reports share it; there is no bold face, so headings differ by size and colour.
"""

import threading
from importlib.resources import files
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "KefuSans"
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"
# For the SVG charts of the HTML page: the reader's own Chinese sans-serif font.
SVG_FONT_FAMILY = (
    "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
)

_lock = threading.Lock()


class ReportFontMissing(RuntimeError):
    pass


def font_path() -> Path:
    try:
        path = Path(str(files(FONT_PACKAGE).joinpath(FONT_FILE)))
    except ModuleNotFoundError as error:
        raise ReportFontMissing(
            f"the report font needs the package {FONT_PACKAGE.replace('_', '-')}"
        ) from error
    if not path.is_file():
        raise ReportFontMissing(f"the report font is missing: {path}")
    return path


def register_font() -> str:
    """Make ``FONT`` known to reportlab (once per process) and return its name."""
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(font_path()), subfontIndex=0))
            # No bold or italic face: <b> and <i> in a paragraph fall back to the regular one.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT, bold, italic, FONT)
    return FONT
