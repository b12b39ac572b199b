"""User text (file, column and group names, a link's values) made safe to put into Markdown.

Streamlit renders message boxes, captions and headings as Markdown: a column named
``[click](http://evil.example)`` would become a live link, ``**x**`` bold, ``$x$`` maths and
``:material/home:`` an icon. :func:`escape` backslash-escapes every character Markdown (and
Streamlit's extensions) give a meaning, so the text shows as written.
"""

from __future__ import annotations

import re

__all__ = ["escape"]

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones with a meaning.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=&\"'])")


def escape(text: object) -> str:
    """``text`` as Markdown that shows it literally (line breaks become spaces)."""
    flat = re.sub(r"[\r\n\u2028\u2029]+", " ", str(text))
    return _SPECIAL.sub(r"\\\1", flat)
