"""What every schema shares: the base models, text without NUL, and the error body."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def refuse_nul(text: str) -> str:
    """PostgreSQL cannot store a NUL character in text: refuse it at the door (422), not in the
    database (500). A validator, not a JSON Schema `pattern`: a pattern on 100,000-character
    fields makes schema-driven generators (and validators) crawl."""
    if "\x00" in text:
        raise ValueError("may not contain NUL characters")
    return text


NO_NUL = AfterValidator(refuse_nul)
Text = Annotated[str, NO_NUL]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), NO_NUL]
Email = Annotated[str, StringConstraints(min_length=3, max_length=320), NO_NUL]
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]
"""An id or ticket number: the range of the database's integer keys."""


class RequestBody(BaseModel):
    """A request body: unknown fields are an error (a typo is not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query-string parameters; unknown parameters are ignored, as usual on the web."""


class Reply(BaseModel):
    """A response body."""


class ErrorDetail(Reply):
    code: str = Field(description="A stable word to branch on: not_found, invalid, conflict, rate_limited, ...")
    message: str = Field(description="What went wrong, for a person.")
    fields: dict[str, str] = Field(description="Field path -> what is wrong with it; empty when no one field is.")


class ErrorBody(Reply):
    error: ErrorDetail
