"""HTML of a mail as our own pages show it: sanitised (mailgateway.html), then without `style`
attributes. The sanitiser keeps them for mail clients, but our CSP (`style-src 'self'`) blocks
every one, and each blocked attribute is an error in the browser's console.

The regex meets only the serialiser's output, where attribute values are always double-quoted
and `<` in text is escaped, so removing a match can take text away but never make markup."""

from __future__ import annotations

import re

from markupsafe import Markup

from mailgateway.html import sanitize_html

_STYLE_ATTRIBUTE = re.compile(r'\sstyle="[^"]*"')


def page_html(html: str) -> Markup:
    return Markup(_STYLE_ATTRIBUTE.sub("", sanitize_html(html)))
