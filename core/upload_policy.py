"""Which files people may upload through the web, judged by their content as well as their name.

A name is only a claim: `invoice.pdf` may hold a Windows program. So a file is refused when
either its extension is one that runs when double-clicked (Windows, macOS, Linux, scripts) or
its first bytes are an executable's signature (PE/DOS, ELF, Mach-O, a `#!` script), whatever
it is called. Archives are not opened: a zip is accepted as the mail path accepts it.

The content type stored with a file is never the browser's word for it. It is what the bytes
prove (PNG, JPEG, GIF, WebP, PDF); else the type its name suggests, unless that type would be
shown inline in the browser (an image, a PDF) without the bytes proving it, in which case it is
stored as `application/octet-stream` and only ever downloaded."""

from __future__ import annotations

import mimetypes

from core.errors import InvalidInput

BLOCKED_EXTENSIONS = frozenset(
    {
        "app", "apk", "bat", "cmd", "com", "cpl", "dll", "dmg", "exe", "gadget", "hta", "inf", "ins", "jar",
        "js", "jse", "lnk", "msc", "msi", "msp", "pif", "ps1", "psm1", "reg", "scr", "sh", "sys", "vb",
        "vbe", "vbs", "ws", "wsc", "wsf", "wsh",
    }
)  # fmt: skip

EXECUTABLE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xfe\xed\xfa\xce", "a macOS program"),
    (b"\xfe\xed\xfa\xcf", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"#!", "a script"),
)

PROVEN_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)

SHOWN_INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
"""Types a browser displays itself: the portal shows these inline and downloads the rest (as the
staff panel does with its own copy of this set, webadmin.staff.attachments.INLINE_TYPES)."""

HEAD_BYTES = 16
"""How much of a file the checks read: the longest signature above fits."""


def _proven_type(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((ctype for signature, ctype in PROVEN_TYPES if head.startswith(signature)), None)


def check_upload(filename: str, head: bytes) -> str:
    """The content type to store for a file called `filename` that starts with `head`;
    InvalidInput naming the file when it may not be uploaded."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension in BLOCKED_EXTENSIONS:
        raise InvalidInput(f"{filename}: .{extension} files can run programs and are not accepted.")
    for signature, what in EXECUTABLE_SIGNATURES:
        if head.startswith(signature):
            raise InvalidInput(f"{filename} is {what}, which is not accepted (whatever its name).")
    proven = _proven_type(head)
    if proven is not None:
        return proven
    guessed = mimetypes.guess_type(filename, strict=False)[0] or "application/octet-stream"
    return "application/octet-stream" if guessed in SHOWN_INLINE else guessed
