"""Where the shared corpus of real mail lies, and which of its files are whole messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.servers.policy import require_services, unavailable

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("POSTDESK_CORPUS", ROOT.parent / "shared" / "corpus"))

BODY_ONLY_FOLDERS = {"discourse-email-reply-trimmer", "email-reply-parser", "willdurand-email-reply-parser", "autoreply-header-cases", "_tools", "_dl"}
"""Folders of reply bodies without headers, or of expectations only: not whole messages."""

MESSAGE_SUFFIXES = {".eml", ".box", ".msg", ".txt", ""}
NOT_MESSAGES = {"README", "COPYING", "LICENSE"}


def require_corpus() -> Path:
    """Skip without the corpus on a laptop; in CI (POSTDESK_REQUIRE_SERVICES=1) fail instead."""
    if not CORPUS.is_dir():
        unavailable(f"the shared mail corpus is not at {CORPUS} (set POSTDESK_CORPUS)")
    return CORPUS


def require_corpus_for_module() -> None:
    """The module-level form of require_corpus, for test modules that read the corpus at import."""
    if CORPUS.is_dir():
        return
    reason = f"the shared mail corpus is not at {CORPUS} (set POSTDESK_CORPUS)"
    if require_services():
        pytest.fail(f"{reason} (POSTDESK_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def message_files(folder: str | None = None) -> list[Path]:
    """Every whole-message file, or those of one source folder; sorted for stable test ids."""
    if not CORPUS.is_dir():
        return []
    roots = [CORPUS / folder] if folder else [p for p in CORPUS.iterdir() if p.is_dir()]
    found = []
    for root in roots:
        if root.name in BODY_ONLY_FOLDERS:
            continue
        for path in root.rglob("*"):
            if _is_message(path):
                found.append(path)
    return sorted(found)


def _is_message(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() not in MESSAGE_SUFFIXES or path.name in NOT_MESSAGES:
        return False
    if "talon" in path.parts and "signature" in path.parts:
        return False
    return not path.name.endswith(("_reply_text", "_body", "_signature", "_sender"))


def source_folders() -> list[str]:
    return sorted({path.relative_to(CORPUS).parts[0] for path in message_files()})
