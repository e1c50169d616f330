"""Code 128 encoding, shared by the PDF and the ZPL output.

The data is planned once into code sets (B for text, C for pairs of digits, FNC1 where GS1
wants it); the plan becomes Code 128 symbol values for the drawn barcode and Zebra invocation
codes for ^BC, so both print the same symbol. Code set A (control characters) is never needed:
bin codes, SKUs and GS1 lots are printable ASCII.
"""

from dataclasses import dataclass
from typing import Literal

FNC1 = "\xf1"  # FNC1 in data strings, as reportlab writes it

START_B, START_C, CODE_B, CODE_C, FNC1_VALUE, STOP = 104, 105, 100, 99, 102, 106
CodeSet = Literal["B", "C"]


class UnprintableData(ValueError):
    """Data Code 128 set B cannot carry (control or non-ASCII characters)."""


@dataclass(frozen=True)
class Segment:
    """Characters encoded in one code set; ``fnc1`` segments carry only the FNC1 symbol."""

    code_set: CodeSet
    chars: str = ""
    fnc1: bool = False


def _digits_from(data: str, start: int) -> int:
    end = start
    while end < len(data) and data[end].isascii() and data[end].isdigit():
        end += 1
    return end - start


def code128_plan(data: str) -> list[Segment]:
    """Code sets for ``data`` (FNC1 as ``FNC1``): set C for runs of four or more digits (two
    or more at the very start), set B for the rest. Raises UnprintableData."""
    for char in data:
        if char != FNC1 and not 32 <= ord(char) <= 126:
            raise UnprintableData(f"Code 128 cannot print {char!r} here.")
    if not data:
        raise UnprintableData("Nothing to encode.")
    segments: list[Segment] = []
    code_set: CodeSet = "B"
    first = data.lstrip(FNC1)
    lead = _digits_from(first, 0)
    if lead >= 4 or (lead >= 2 and lead == len(first)):
        code_set = "C"
    i = 0
    while i < len(data):
        if data[i] == FNC1:
            segments.append(Segment(code_set, fnc1=True))
            i += 1
            continue
        run = _digits_from(data, i)
        if code_set == "C":
            if run >= 2:
                take = run - run % 2
                segments.append(Segment("C", data[i : i + take]))
                i += take
                continue
            code_set = "B"
        elif run >= 4:
            if run % 2:  # an odd run: its first digit in B, the even rest in C
                segments.append(Segment("B", data[i]))
                i += 1
            code_set = "C"
            continue
        end = i + 1
        while end < len(data) and data[end] != FNC1 and _digits_from(data, end) < 4:
            end += 1
        segments.append(Segment("B", data[i:end]))
        i = end
    return _merged(segments)


def _merged(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        last = merged[-1] if merged else None
        if last and not last.fnc1 and not segment.fnc1 and last.code_set == segment.code_set:
            merged[-1] = Segment(last.code_set, last.chars + segment.chars)
        else:
            merged.append(segment)
    return merged


def code128_values(plan: list[Segment]) -> list[int]:
    """The symbol values: start, data, check symbol, stop."""
    values = [START_C if plan[0].code_set == "C" else START_B]
    current = plan[0].code_set
    for segment in plan:
        if segment.code_set != current:
            values.append(CODE_C if segment.code_set == "C" else CODE_B)
            current = segment.code_set
        if segment.fnc1:
            values.append(FNC1_VALUE)
        elif current == "C":
            values += [int(segment.chars[k : k + 2]) for k in range(0, len(segment.chars), 2)]
        else:
            values += [ord(char) - 32 for char in segment.chars]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


# Zebra ^BC invocation codes (ZPL II programming guide, ^BC, "Code 128 Invocation Characters").
_ZPL_START = {"B": ">:", "C": ">;"}
_ZPL_SWITCH = {"B": ">6", "C": ">5"}


def code128_zpl_data(plan: list[Segment]) -> str:
    """The ^FD data of a ^BC barcode in mode N: start code, switches and FNC1 (``>8``) spelled
    as invocation codes; a literal ``>`` is ``><``."""
    parts = [_ZPL_START[plan[0].code_set]]
    current = plan[0].code_set
    for segment in plan:
        if segment.code_set != current:
            parts.append(_ZPL_SWITCH[segment.code_set])
            current = segment.code_set
        parts.append(">8" if segment.fnc1 else segment.chars.replace(">", "><"))
    return "".join(parts)
