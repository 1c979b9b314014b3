"""The choices of the editor's selects that come from the database: catalog paths, agents,
groups and mail templates. A rule may name one that is gone since; the form then still shows
it (marked), so that saving the rule unchanged keeps it and the admin sees what to fix."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models import Group
from core.template_overrides import shipped_names
from webadmin.staff.common import active_groups, staff_members

Choice = tuple[str, str]


def _paths(groups: list[Group]) -> list[Choice]:
    """`Group`, `Group/Category`, `Group/Category/Subcategory`: the form set_category takes."""
    found: list[Choice] = []
    for group in groups:
        found.append((group.name, group.name))
        for category in (item for item in group.categories if item.active):
            found.append((f"{group.name}/{category.name}", f"{group.name} / {category.name}"))
            found.extend(
                (f"{group.name}/{category.name}/{sub.name}", f"{group.name} / {category.name} / {sub.name}")
                for sub in category.subcategories
                if sub.active
            )
    return found


def form_choices(session: Session) -> dict[str, list[Choice]]:
    groups = active_groups(session)
    agents = [(user.email, f"{user.name} ({user.email})" if user.name else user.email) for user in staff_members(session)]
    return {
        "paths": _paths(groups),
        "agents": agents,
        "groups": [(group.name, group.name) for group in groups],
        "templates": [(name, name.replace("_", " ")) for name in shipped_names()],
    }
