"""User text shown as typed: escaping for Streamlit markdown and for plotly labels.

Names, comments, rationales and custom grid texts are typed by people; shown through
`st.markdown` (or a caption) they would be read as markup — bold, links, KaTeX `$…$`,
`:red[…]` colour directives, HTML. Shown in a plotly label, `<b>` and `<a href>` would be
rendered. These pure functions make them read literally.
"""

from __future__ import annotations

import re

# Characters that start markup anywhere in a line (emphasis, links, code, tables, KaTeX `$`,
# `:x[…]` directives and `:material/…:` icons, HTML tags and entities); backslash escapes are
# CommonMark's own, so the text reads exactly as typed. Apostrophes, full stops, commas stay.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>~$:|&!#])")


def escape_markdown(text: object) -> str:
    """`text` escaped so that Streamlit's markdown shows it exactly as typed.

    Line breaks stay line breaks; indentation is made non-breaking so that it can never
    start a code block.
    """
    if text is None:
        return ""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    escaped = []
    for line in lines:
        stripped = line.lstrip(" ")
        body = _MARKDOWN_SPECIAL.sub(r"\\\1", stripped)
        number = re.match(r"^(\d+)([.)])", body)
        if number:  # « 1. » starts a numbered list: escape its dot
            body = number.group(1) + "\\" + body[number.end(1):]
        elif body[:1] in ("-", "+", "="):
            body = "\\" + body
        escaped.append("\u00a0" * (len(line) - len(stripped)) + body)
    # Two trailing spaces make a hard line break in markdown.
    return "  \n".join(escaped)


def escape_plotly(text: object) -> str:
    """`text` for a plotly label, legend or title: `<b>`, `<a>` and `&amp;` shown literally."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
