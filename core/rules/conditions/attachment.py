"""The mail has an attachment, optionally of a type: params `type`, a glob over the content
type or the file name (`image/*`, `*.pdf`); empty means any attachment."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from core.rules.facts import MailFacts


class HasAttachment:
    name = "has_attachment"
    description = "The mail has an attachment (of a type, e.g. image/* or *.pdf)"
    fields = ("type",)

    def errors(self, params: Mapping[str, Any]) -> dict[str, str]:
        kind = params.get("type", "")
        return {} if isinstance(kind, str) else {"type": "a pattern such as image/* or *.pdf"}

    def check(self, facts: MailFacts, params: Mapping[str, Any]) -> str | None:
        pattern = str(params.get("type", "") or "*").lower()
        for filename, content_type in facts.attachments:
            if fnmatch.fnmatchcase(content_type.lower(), pattern) or fnmatch.fnmatchcase(filename.lower(), pattern):
                return f"attachment {filename} ({content_type}) matches {pattern}"
        return None


CONDITIONS = (HasAttachment(),)
