"""Real PDF and Word files, made at test time (reportlab, python-docx): no binary fixtures."""

import io
import zipfile
from collections.abc import Callable

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.shared import OxmlElement, qn
from docx.text.paragraph import Paragraph
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # built in: no font file needed

RETURN_WINDOW = (
    "You can return most items within thirty days of delivery, as long as they are",
    "unused and in their original packaging. Refunds take five business days.",
)
RETURN_WINDOW_ZH = (
    "签收后三十天内可以申请退货退款，已拆封的小家电",
    "十五天内可退。退款五个工作日内到账。",
)


def returns_pdf(*, refund_days: str = "five") -> bytes:
    """Two pages: an English title, heading and wrapped paragraph; a Chinese heading and text."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)  # same text, same bytes
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(72, 780, "Returns handbook")
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, 740, "Return window")
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 720, RETURN_WINDOW[0])
    pdf.drawString(72, 706, RETURN_WINDOW[1].replace("five", refund_days))
    pdf.drawString(290, 60, "1")  # a page number
    pdf.showPage()
    pdf.setFont("STSong-Light", 14)
    pdf.drawString(72, 780, "退货政策")
    pdf.setFont("STSong-Light", 11)
    pdf.drawString(72, 760, RETURN_WINDOW_ZH[0])
    pdf.drawString(72, 746, RETURN_WINDOW_ZH[1])
    pdf.drawString(290, 60, "2")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only a picture, as a scanner makes it."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)  # same text, same bytes
    pdf.drawImage(ImageReader(Image.new("L", (400, 200), 255)), 72, 500, 400, 200)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def locked_pdf(*, owner_only: bool = False) -> bytes:
    """The returns PDF behind a password (or only an owner password, which opens without one)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(returns_pdf())))
    if owner_only:
        writer.encrypt("", owner_password="owner", algorithm="AES-128")
    else:
        writer.encrypt("secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """python-docx reads hyperlinks but has no call to write one: the XML, as Word writes it."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    run_text = OxmlElement("w:t")
    run_text.text = text
    run.append(run_text)
    link.append(run)
    paragraph._p.append(link)


def shipping_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Shipping guide", style="Title")
    document.add_paragraph("We ship to every province of mainland China.")
    document.add_heading("Delivery times", level=1)
    paragraph = document.add_paragraph("Track your parcel on ")
    add_hyperlink(paragraph, "https://shop.example/track", "the tracking page")
    paragraph.add_run(". Express parcels arrive the next day.")
    document.add_heading("运费", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, (region, fee) in enumerate([("地区", "运费"), ("北京", "¥10"), ("新疆", "¥25")]):
        table.cell(row, 0).text = region
        table.cell(row, 1).text = fee
    document.add_paragraph("满99元包邮。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(package: bytes, changes: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """A zip package (.docx) with some members changed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            change = changes.get(info.filename)
            target.writestr(info.filename, change(content) if change else content)
    return out.getvalue()
