"""Plain-text tables for the terminal."""
from __future__ import annotations

from collections.abc import Sequence


def table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool = False
          ) -> str:
    # First column left-aligned (names), the rest right-aligned (numbers).
    if markdown:
        rule = ["---", *["---:"] * (len(header) - 1)]
        return "\n".join("| " + " | ".join(map(str, r)) + " |" for r in [header, rule, *rows])
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def num(x: float | None, fmt: str = "{:,.0f}") -> str:
    return "n/a" if x is None else fmt.format(x)
