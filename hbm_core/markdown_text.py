"""User text (file, column and group names, a link's values) made safe to put into Markdown.

Streamlit renders message boxes, captions and headings as Markdown: a column named
``[click](http://evil.example)`` would become a live link, ``**x**`` bold, ``$x$`` maths and
``:material/home:`` an icon. :func:`escape` backslash-escapes the characters Markdown (and
Streamlit's extensions) give a meaning within a line, so the text shows as written.
"""

from __future__ import annotations

import re

__all__ = ["escape"]

# CommonMark lets a backslash escape any ASCII punctuation. Escaped: what has a meaning within a
# line of text (emphasis, code, links, autolinks and HTML, strikethrough, maths) and a colon that
# could start a directive, an icon or an emoji (``:red[``, ``:material/x:``, ``:smile:``) or end a
# URL's scheme (``http://``); a colon before a space, as in "row 3: 'x'", means nothing.
_SPECIAL = re.compile(r"([\\`*_\[\]<~$]|:(?=\S))")


def escape(text: object) -> str:
    """``text`` as Markdown that shows it literally (line breaks become spaces)."""
    flat = re.sub(r"[\r\n\u2028\u2029]+", " ", str(text))
    return _SPECIAL.sub(r"\\\1", flat)
