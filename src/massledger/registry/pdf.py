"""Retirement certificates as real PDF documents (fpdf2).

Text is set in DejaVu Sans when the system has it (any script); otherwise in the PDF core font Helvetica,
which covers Latin-1 only: other characters are printed as "?" (the API still returns them exactly)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF

from massledger.ids import us_to_datetime, us_to_iso
from massledger.registry.ledger import count, format_tonnes, parse_ranges
from massledger.registry.serials import format_block

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@cache
def _unicode_font() -> tuple[Path, Path] | None:
    for directory in _FONT_DIRS:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Certificate(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        font = _unicode_font()
        if font is None:
            self.family = "Helvetica"
            self.unicode = False
        else:
            self.add_font("DejaVu", "", str(font[0]))
            self.add_font("DejaVu", "B", str(font[1]))
            self.family = "DejaVu"
            self.unicode = True

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def field(self, label: str, value: str) -> None:
        self.set_font(self.family, "B", 10)
        self.cell(48, 7, self.text_of(label))
        self.set_font(self.family, "", 10)
        self.multi_cell(0, 7, self.text_of(value), new_x="LMARGIN", new_y="NEXT")


def retirement_certificate(retirement: Mapping[Any, Any], project_num: int, development: bool) -> bytes:
    """The certificate of one retirement (a row of the retirements query)."""
    pdf = _Certificate()
    pdf.set_creation_date(us_to_datetime(retirement["created_at_us"]))
    pdf.set_title("Carbon credit retirement certificate")
    pdf.set_author("massledger registry")
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 18)
    pdf.cell(0, 12, "Carbon credit retirement certificate", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    ledger = "TEST ledger (sandbox credits, no real mitigation)" if development else "live ledger"
    pdf.cell(0, 6, pdf.text_of(f"massledger registry, {ledger}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    ranges = parse_ranges(retirement["ranges"])
    amount_kg = int(retirement["amount_kg"])
    pdf.field("Beneficiary", retirement["beneficiary_name"])
    pdf.field("Amount", f"{format_tonnes(amount_kg)} t CO2e ({amount_kg} kg)")
    pdf.field(
        "Project", f"{retirement['project_name']} (project {project_num}, id {retirement['project_id']})"
    )
    pdf.field("Vintage", str(retirement["vintage"]))
    pdf.field("Credit", f"{retirement['credit_type']}-{retirement['token_id']}-{retirement['token_address']}")
    pdf.field("Serialization", retirement["serialization"])
    for index, serial_range in enumerate(ranges):
        label = "Serial range" if index == 0 else ""
        block = format_block(retirement["serialization"], serial_range)
        pdf.field(label, f"{serial_range[0]}-{serial_range[1]} ({count([serial_range])} kg units): {block}")
    pdf.field("Reason", retirement["reason"])
    if retirement["comment"]:
        pdf.field("Comment", retirement["comment"])
    pdf.field("Retired at", us_to_iso(retirement["created_at_us"]))
    pdf.field("Retirement id", retirement["id"])
    pdf.field("Transaction id", retirement["transaction_id"])
    pdf.field("Organization", retirement["organization_id"])
    pdf.ln(4)
    pdf.field("Verification hash", retirement["verification_hash"])
    pdf.ln(4)
    pdf.set_font(pdf.family, "", 8)
    pdf.multi_cell(
        0,
        5,
        "The verification hash is the SHA-256 of the canonical JSON of this retirement's record, as"
        " returned in verificationRecord by GET /organizations/{id}/retirements (docs/registry.md)."
        " `massledger verify` recomputes it and checks that these serial units sit in the retired sink.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
