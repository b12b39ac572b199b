"""Tables that fit their column at every width (issue #20): an interactive table where it fits, the
same rows stacked (one block per row, "column: value" pairs that wrap) where it would scroll sideways.

``st.dataframe`` draws on a canvas and never wraps text: a table of nine columns shows three on a
phone and hides the rest behind a sideways scroll. :func:`fitted_table` draws both forms in one
container and lets the browser show the one that fits: a CSS container query compares the column's
width with the table's natural width (estimated here from its texts). The hidden form takes no room
and is hidden from screen readers too (``display: none``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import pandas as pd
import streamlit as st

_TABLES_KEY = "_tables_on_page"

#: Glide data grid's text: ~7.5 px per character at 14 px (Source Sans), measured on the diagnostics
#: table; each column adds its cell padding and the header's sort/menu room.
CHAR_PX = 7.5
COLUMN_PX = 34
BORDER_PX = 4


def reset() -> None:
    """Call at the start of a page's run: tables are numbered from 0 on each run."""
    st.session_state[_TABLES_KEY] = 0


def _format(value: object, fmt: str | None) -> str:
    """``value`` as the table shows it: a printf ``fmt`` for numbers, blank for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if fmt and "%" in fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return fmt % value
        except (TypeError, ValueError):
            pass
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _formats(frame: pd.DataFrame, column_config: Mapping[str, object]) -> dict[str, str | None]:
    """The printf format of each column, from its column config (``st.column_config.NumberColumn``)."""
    out: dict[str, str | None] = {}
    for column in frame.columns:
        cfg = column_config.get(column)
        fmt = None
        if isinstance(cfg, Mapping):
            fmt = (cfg.get("type_config") or {}).get("format")
        out[column] = fmt if isinstance(fmt, str) else None
    return out


def _label(column: object, column_config: Mapping[str, object]) -> str:
    """The column's header as the table shows it (its column config's label, if it has one)."""
    cfg = column_config.get(column)
    label = cfg.get("label") if isinstance(cfg, Mapping) else None
    return str(label) if label else str(column)


def cells(frame: pd.DataFrame, column_config: Mapping[str, object]) -> list[list[str]]:
    """The frame's cells as the table shows them (rows of strings, columns in order)."""
    formats = _formats(frame, column_config)
    return [
        [_format(v, formats[c]) for c, v in zip(frame.columns, row, strict=True)]
        for row in frame.itertuples(index=False)
    ]


def natural_width(frame: pd.DataFrame, column_config: Mapping[str, object]) -> int:
    """An estimate (px, on the generous side) of the width the table needs to show all its columns."""
    rows = cells(frame, column_config)
    total = BORDER_PX
    for i, column in enumerate(frame.columns):
        longest = max([len(_label(column, column_config))] + [len(r[i]) for r in rows])
        total += round(longest * CHAR_PX) + COLUMN_PX
    return total


def stacked_html(frame: pd.DataFrame, column_config: Mapping[str, object]) -> str:
    """The rows of ``frame`` as a list: the first column's value as the row's heading, then
    "column: value" for the others. All text is HTML-escaped."""
    rows = cells(frame, column_config)
    columns = [_label(c, column_config) for c in frame.columns]
    items = []
    for row in rows:
        pairs = "".join(
            f'<span class="ppl-pair"><span class="ppl-key">{html.escape(c)}:</span> {html.escape(v)}</span>'
            for c, v in zip(columns[1:], row[1:], strict=True)
            if v != ""
        )
        items.append(f"<li><strong>{html.escape(row[0])}</strong><br>{pairs}</li>")
    return f'<ul class="ppl-stacked">{"".join(items)}</ul>'


_STYLE = """
<style>
.st-key-{key} {{ container-type: inline-size; }}
@container (max-width: {narrow}px) {{
  .st-key-{key} [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) {{ display: none; }}
}}
@container (min-width: {wide}px) {{
  .st-key-{key} [data-testid="stElementContainer"]:has(.ppl-stacked) {{ display: none; }}
}}
.ppl-stacked {{ list-style: none; padding: 0 !important; margin: 0 !important; overflow-wrap: anywhere; }}
.ppl-stacked li {{
  margin: 0 !important; padding: 0.35rem 0; border-bottom: 1px solid rgba(128, 128, 128, 0.35);
}}
.ppl-stacked .ppl-pair {{ display: inline-block; margin-right: 1rem; }}
.ppl-stacked .ppl-key {{ opacity: 0.85; }}
</style>
"""


def fitted_table(frame: pd.DataFrame, column_config: Mapping[str, object], **kwargs) -> None:
    """``frame`` as ``st.dataframe`` (index hidden, across the column; ``kwargs`` go to it) where it
    fits, else as a stacked list of its rows (see the module's docstring)."""
    n = st.session_state.get(_TABLES_KEY, 0)
    st.session_state[_TABLES_KEY] = n + 1
    key = f"ppl_table_{n}"
    width = natural_width(frame, column_config)
    with st.container(key=key):
        st.html(_STYLE.format(key=key, narrow=width - 1, wide=width) + stacked_html(frame, column_config))
        st.dataframe(frame, hide_index=True, width="stretch", column_config=dict(column_config), **kwargs)
