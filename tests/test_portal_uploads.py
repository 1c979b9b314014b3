"""core.upload_policy: what a file may be, by name and by content, and the type stored for it."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.upload_policy import check_upload

WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize(
    ("name", "head", "stored_as"),
    [
        ("screen.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        ("anim.gif", b"GIF89a\x01\x00", "image/gif"),
        ("pic.webp", WEBP, "image/webp"),
        ("scan.pdf", b"%PDF-1.7\n", "application/pdf"),
        ("no-extension", b"%PDF-1.7\n", "application/pdf"),
        ("screenshot.txt", b"\x89PNG\r\n\x1a\n", "image/png"),
        ("notes.txt", b"hello", "text/plain"),
        ("table.csv", b"a,b\n1,2", "text/csv"),
        ("archive.zip", b"PK\x03\x04", "application/zip"),
        ("page.html", b"<html>", "text/html"),
        ("fake.png", b"<script>", "application/octet-stream"),
        ("fake.pdf", b"plain text", "application/octet-stream"),
        ("unknown.zzz", b"\x00\x01", "application/octet-stream"),
    ],
)
def test_the_stored_type_is_what_the_content_proves(name: str, head: bytes, stored_as: str) -> None:
    """Only proven bytes are stored under a type that a browser would display itself."""
    assert check_upload(name, head) == stored_as


@pytest.mark.parametrize(
    ("name", "head", "message"),
    [
        ("setup.exe", b"anything", "setup.exe: .exe files can run programs"),
        ("Run.PS1", b"Write-Host", "Run.PS1: .ps1 files can run programs"),
        ("macro.vbs", b"", "macro.vbs: .vbs files can run programs"),
        ("report.pdf", b"MZ\x90\x00\x03", "report.pdf is a Windows program"),
        ("cat.jpg", b"\x7fELF\x02\x01\x01", "cat.jpg is a Linux program"),
        ("tool", b"\xcf\xfa\xed\xfe\x07", "tool is a macOS program"),
        ("Main.txt", b"\xca\xfe\xba\xbe", "Main.txt is a macOS or Java program"),
        ("install.txt", b"#!/bin/sh\n", "install.txt is a script"),
    ],
)
def test_programs_are_refused_by_name_or_by_content(name: str, head: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_upload(name, head)
