"""User text shown as typed: escaping for Streamlit markdown and for plotly labels.

Names, comments, rationales and custom grid texts are typed by people; shown through
`st.markdown` (or a caption) they would be read as markup — bold, links, KaTeX `$…$`,
`:red[…]` colour directives, HTML. Shown in a plotly label, `<b>` and `<a href>` would be
rendered. These pure functions make them read literally.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them
# all covers emphasis, links, headings, lists, tables, `$` (KaTeX) and `:x[…]` directives.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&^=\"'%@;,?/])")


def escape_markdown(text: object) -> str:
    """`text` escaped so that Streamlit's markdown shows it exactly as typed.

    Line breaks stay line breaks; a leading space cannot start a code block (spaces are
    kept as typed, but each line's indentation is made non-breaking).
    """
    if text is None:
        return ""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    escaped = []
    for line in lines:
        body = _MARKDOWN_SPECIAL.sub(r"\\\1", line.lstrip(" "))
        indent = len(line) - len(line.lstrip(" "))
        escaped.append("\u00a0" * indent + body)
    # Two trailing spaces make a hard line break in markdown.
    return "  \n".join(escaped)


def escape_plotly(text: object) -> str:
    """`text` for a plotly label, legend or title: `<b>`, `<a>` and `&amp;` shown literally."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
