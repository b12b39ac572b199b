"""Chart text that fits the width the chart gets in the browser (issue #20: phones, half-page columns).

Vega-Lite does not wrap text: a title longer than its chart is shortened with an ellipsis, and a long
axis title or a legend of two long entries side by side runs past the chart's edge. The chart's width
is only known in the browser, so :func:`fit_to_container` turns a spec's long texts into Vega
expressions that choose, from ``containerSize()`` (the width of the element holding the chart), the
longest lines that fit: one line on a wide screen, two or three on a phone. Without a container
(an export rendered off screen) the one-line text is used.

Pure functions of a Vega-Lite spec (a dict, e.g. from :func:`hbm_core.viz.chart_spec.named_spec`);
the pages apply :func:`fit_to_container` just before sending a spec to the browser, so the charts'
own specs, their exports and their tests are unchanged.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping

#: Width of an average character as a fraction of the font size (conservative for the sans-serif
#: fonts Streamlit gives charts: Source Sans measures ~0.5 em, bold ~0.55 em; digits 0.5 em).
CHAR_EM = 0.58

#: The container's width in the browser; not a positive number when there is none (an export rendered
#: off screen), hence the ``!(width > 0)`` tests below.
WIDTH = "containerSize()[0]"

#: Room the chart needs beside an x axis title: the y axis (labels and title) and the padding.
Y_AXIS_ROOM = 150

#: A legend of two columns is kept on containers at least this wide (in px); narrower: one column.
TWO_COLUMN_LEGEND = 560

#: Sub-specs of a spec.
_CHILDREN = ("layer", "hconcat", "vconcat", "concat")


def wrappings(text: str, max_lines: int = 4) -> list[list[str]]:
    """``text`` broken at spaces into 1, 2, ... lines (at most ``max_lines``), each as short as it gets.

    Each entry is the wrapping with the shortest longest line among those of its number of lines
    found by :func:`textwrap.wrap`; entries come in order of fewer lines (wider) first.
    """
    best: dict[int, list[str]] = {}
    for chars in range(len(text), 0, -1):
        lines = textwrap.wrap(text, chars, break_long_words=False, break_on_hyphens=False)
        if len(lines) > max_lines:
            break
        longest = max(len(line) for line in lines)
        if len(lines) not in best or longest < max(len(x) for x in best[len(lines)]):
            best[len(lines)] = lines
    return [best[n] for n in sorted(best)]


def fitted_text(text: str, font_size: float, room: float) -> dict | str:
    """``text`` as a Vega-Lite expression that wraps it to the container's width less ``room`` px.

    ``font_size`` in px. Short texts that fit a 160 px column come back unchanged.
    """
    options = wrappings(text)
    need = [max(len(line) for line in lines) * CHAR_EM * font_size + room for lines in options]
    if need[0] <= 160 or len(options) == 1:
        return text
    # widest first: the first option whose longest line fits; no container (off screen) takes the first
    expr = json.dumps(options[-1], ensure_ascii=False)
    for lines, px in zip(reversed(options[:-1]), reversed(need[:-1]), strict=True):
        value = json.dumps(lines[0] if len(lines) == 1 else lines, ensure_ascii=False)
        expr = f"({WIDTH} >= {px:.0f} || !({WIDTH} > 0)) ? {value} : {expr}"
    return {"expr": expr}


def _font(config: Mapping, section: str, key: str, default: float) -> float:
    value = (config.get(section, {}) if section else config).get(key, default)
    return float(value) if isinstance(value, (int, float)) else default


def _fit_title(title, config: Mapping):
    """A chart title (a string or title parameters) with text and subtitle fitted to the container."""
    if isinstance(title, str):
        title = {"text": title}
    if not isinstance(title, Mapping):
        return title
    title = dict(title)
    room = 40 + 2 * _font(config, "", "padding", 8)  # Streamlit limits a title to the width less 40 px
    if isinstance(title.get("text"), str) and title["text"]:
        title["text"] = fitted_text(title["text"], _font(config, "title", "fontSize", 17), room)
    if isinstance(title.get("subtitle"), str):
        title["subtitle"] = fitted_text(
            title["subtitle"], _font(config, "title", "subtitleFontSize", 13), room
        )
    return title


def _two_columns() -> dict:
    return {"expr": f"({WIDTH} >= {TWO_COLUMN_LEGEND} || !({WIDTH} > 0)) ? 2 : 1"}


def _fit_encodings(spec: dict, config: Mapping) -> None:
    """Long x axis titles wrap to the container (the axis keeps its other properties); legends of two
    columns keep one on narrow containers."""
    size = _font(config, "axis", "titleFontSize", 14)
    encoding = spec.get("encoding")
    if isinstance(encoding, dict):
        for field in encoding.values():
            if isinstance(field, dict) and isinstance(field.get("legend"), dict):
                if field["legend"].get("columns") == 2:
                    field["legend"]["columns"] = _two_columns()
        for channel in ("x", "x2"):
            field = encoding.get(channel)
            if not isinstance(field, dict):
                continue
            axis = field.get("axis")
            title = axis.get("title") if isinstance(axis, dict) and "title" in axis else field.get("title")
            if not isinstance(title, str):
                continue
            fitted = fitted_text(title, size, Y_AXIS_ROOM)
            if fitted is not title:
                field = encoding[channel] = dict(field)
                field["axis"] = {**(axis if isinstance(axis, dict) else {}), "title": fitted}
    for attr in _CHILDREN:
        for child in spec.get(attr, []) or []:
            if isinstance(child, dict):
                _fit_encodings(child, config)
    if isinstance(spec.get("spec"), dict):
        _fit_encodings(spec["spec"], config)


def fit_to_container(spec: Mapping) -> dict:
    """A copy of the Vega-Lite ``spec`` whose titles, long x axis titles and legends fit the container.

    - the chart's title and subtitle (and its sub-charts' titles) wrap to as many lines as the
      container's width needs, instead of ending in an ellipsis;
    - x axis titles too long for a phone's column wrap the same way;
    - legends arranged in two columns (see :func:`hbm_core.viz.theme.theme`) use one column in a
      container narrower than :data:`TWO_COLUMN_LEGEND` px.

    The data (``datasets``) are shared with ``spec``, not copied.
    """
    out = json.loads(json.dumps({k: v for k, v in spec.items() if k != "datasets"}))
    if "datasets" in spec:
        out["datasets"] = spec["datasets"]
    config = out.get("config", {})
    if "title" in out:
        out["title"] = _fit_title(out["title"], config)
    for attr in ("hconcat", "vconcat", "concat"):
        for child in out.get(attr, []):
            if isinstance(child, dict) and "title" in child:
                child["title"] = _fit_title(child["title"], config)
    _fit_encodings(out, config)
    legend = config.get("legend")
    if isinstance(legend, dict) and legend.get("columns") == 2:
        legend["columns"] = _two_columns()
    return out
