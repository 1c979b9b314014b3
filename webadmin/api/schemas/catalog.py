"""The catalog: the active tree everyone may choose from, and the admins' full tree with ids."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from core.catalog import NAME_MAX
from webadmin.api.schemas.common import NO_NUL, Email, Reply, RequestBody

CatalogName = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX), NO_NUL]


class SubcategoryChoice(Reply):
    name: str
    path: str = Field(description="Pass as `category` when opening a ticket (if `choosable`).")
    choosable: bool = Field(
        description="False for a group or category that your organization's contracts cover only in part: "
        "it is listed for what lies under it, choose one of those."
    )


class CategoryChoice(SubcategoryChoice):
    subcategories: list[SubcategoryChoice]


class GroupChoice(SubcategoryChoice):
    categories: list[CategoryChoice]


class CatalogChoices(Reply):
    groups: list[GroupChoice]


class SubcategoryItem(Reply):
    id: int
    name: str
    active: bool


class CategoryItem(SubcategoryItem):
    subcategories: list[SubcategoryItem]


class GroupItem(SubcategoryItem):
    display_name: str
    notify_new_tickets: bool
    members: list[str]
    categories: list[CategoryItem]


class CatalogTree(Reply):
    groups: list[GroupItem]


class NewEntry(RequestBody):
    name: CatalogName


class EntryChange(RequestBody):
    """Fields left out stay as they are."""

    name: CatalogName | None = None
    active: bool | None = Field(None, description="Inactive entries stay on their tickets but are not offered for new ones.")


class GroupChange(EntryChange):
    display_name: Annotated[str, StringConstraints(max_length=200), NO_NUL] | None = None
    notify_new_tickets: bool | None = None
    members: list[Email] | None = Field(None, max_length=500, description="Staff emails; replaces the members.")
