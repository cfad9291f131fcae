"""Tables that fit the terminal: short ids, and the least useful columns dropped first.

Rich squeezes every column of a table that is wider than the console, down to one letter a
line; a header then reads as a vertical column of letters. Here each column has a width below
which it is not worth showing (its header, and its longest word up to a cap), and columns are
dropped in the order of their priority until the rest fits. Long text folds at word
boundaries. `--wide` keeps every column and lets the table be as wide as it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

SHORT_ID = 8
# A word longer than this may fold inside a column rather than force the column this wide.
_WORD_CAP = 24
# Rich's default box: a border before each column and one at the end, a space either side.
_PER_COLUMN = 3


@dataclass(frozen=True)
class Column:
    """A column; `keep` orders the dropping (the lower, the later it goes; 0 never goes)."""

    header: str
    keep: int = 0
    fold: bool = True


Cell = str | Text


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """Each id cut to its first 8 characters, longer where two ids would share the prefix."""
    unique = list(dict.fromkeys(ids))
    out: dict[str, str] = {}
    for i in unique:
        n = SHORT_ID
        while n < len(i) and any(o != i and o.startswith(i[:n]) for o in unique):
            n += 1
        out[i] = i[:n]
    return out


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _least_width(column: Column, cells: Sequence[Cell]) -> int:
    """The narrowest this column may be: its header whole, and its words whole (up to a cap)."""
    texts = [_plain(c) for c in cells]
    if not column.fold:
        longest = max((len(line) for t in texts for line in t.splitlines() or [""]), default=0)
    else:
        words = (w for t in texts for w in t.split())
        longest = min(max((len(w) for w in words), default=0), _WORD_CAP)
    return max(len(column.header), longest, 1)


def _natural_width(column: Column, cells: Sequence[Cell]) -> int:
    lines = (line for c in cells for line in _plain(c).splitlines())
    return max([len(column.header), *(len(line) for line in lines)])


def _share(least: dict[int, int], natural: dict[int, int], room: int) -> dict[int, int]:
    """Widths from `least` up, the room left given evenly to columns that want more."""
    widths = dict(least)
    spare = room - sum(widths.values())
    while spare > 0:
        wanting = [i for i in widths if widths[i] < natural[i]]
        if not wanting:
            break
        each = max(spare // len(wanting), 1)
        for i in wanting:
            grow = min(each, natural[i] - widths[i], spare)
            widths[i] += grow
            spare -= grow
            if spare == 0:
                break
    return widths


def fitted_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    width: int,
    wide: bool = False,
    title: str | None = None,
) -> Table:
    """A table of `rows` whose columns fit `width` (all of them when `wide`)."""
    least = [_least_width(c, [r[i] for r in rows]) for i, c in enumerate(columns)]
    shown = list(range(len(columns)))
    if not wide:
        # Drop the least useful first; among equals, the rightmost.
        order = sorted(shown, key=lambda i: (-columns[i].keep, -i))
        for i in order:
            if sum(least[j] + _PER_COLUMN for j in shown) + 1 <= width:
                break
            if columns[i].keep == 0:
                break
            shown.remove(i)
    natural = [_natural_width(c, [r[i] for r in rows]) for i, c in enumerate(columns)]
    widths = {i: natural[i] for i in shown}
    if not wide:
        widths = _share({i: least[i] for i in shown}, widths, width - _PER_COLUMN * len(shown) - 1)
    table = Table(title=title)
    for i in shown:
        col = columns[i]
        table.add_column(
            col.header,
            width=widths[i],
            no_wrap=not col.fold,
            overflow="fold" if col.fold else "ellipsis",
        )
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    return table
