"""HTML from mail: sanitise it for display, turn it into text for search and replies.

Mail HTML is hostile input. `sanitize_html` keeps formatting, tables, links and inline
`cid:` images and drops everything that can run code, submit data or phone home:
scripts, styles, frames, forms, event handlers, `data:` URLs and remote images (a
remote `<img>` in a mail is a read receipt the sender did not ask for). `cid:` references
are kept as they are so the web layer can rewrite them to its attachment URLs.
"""

from __future__ import annotations

import html as stdlib_html
import re

import nh3
from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.html_properties import Display
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_element import HtmlElement

_TAGS = nh3.ALLOWED_TAGS | {"font", "tfoot"}

_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"title", "dir", "lang", "style", "align", "valign", "bgcolor", "width", "height"},
    "font": {"color", "face", "size"},
    "table": {"align", "summary", "border", "cellpadding", "cellspacing"},
    "img": {"src", "alt", "width", "height", "align", "border"},
}

# Content that must not survive even as text: code, CSS and the document title.
_DROP_WITH_CONTENT = {"script", "style", "title", "iframe", "object", "embed", "noscript", "template", "svg", "math"}

_URL_SCHEMES = {"http", "https", "mailto", "cid"}

_STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "text-align", "text-decoration", "vertical-align", "white-space",
    "margin", "margin-left", "margin-right", "margin-top", "margin-bottom",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom",
    "border", "border-collapse", "border-left", "border-right", "border-top", "border-bottom",
    "width", "height", "list-style-type",
}

# A rule separates blocks; mail clients put one above the quoted previous message.
_TEXT_CSS = {**CSS_PROFILES["strict"], "hr": HtmlElement(display=Display.block)}
_TEXT_CONFIG = ParserConfig(css=_TEXT_CSS, display_images=False, display_links=False)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Images only from `cid:` (inline parts), links never to `cid:`."""
    scheme = value.strip().lower()
    if tag == "img" and attribute == "src":
        return value if scheme.startswith("cid:") else None
    if attribute == "href" and scheme.startswith("cid:"):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Return `html` reduced to markup that is safe to show inside our pages."""
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=_URL_SCHEMES,
        url_relative="deny",
        link_rel="noopener noreferrer",
        filter_style_properties=_STYLE_PROPERTIES,
        strip_comments=True,
    )


def html_to_text(html: str) -> str:
    """Render `html` as readable plain text, with tidy whitespace."""
    try:
        text = get_text(html, _TEXT_CONFIG)
    except Exception:  # lxml refuses some documents (empty, encoding declarations)
        text = stdlib_html.unescape(nh3.clean(html, tags=set(), clean_content_tags=_DROP_WITH_CONTENT))
    return _tidy_whitespace(text)


def _tidy_whitespace(text: str) -> str:
    """Unify line endings, drop trailing blanks and runs of empty lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
