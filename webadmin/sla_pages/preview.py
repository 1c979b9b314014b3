"""The preview: "a ticket opened now in this category, for this service, at this priority
gets this policy and is due at ...", read from the policies as they are saved now."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from core.models import Priority, Service, SlaTarget, utcnow
from core.sla.policies import Preview, describe, preview
from core.sla.selection import TicketKeys
from webadmin.db import get_session
from webadmin.sla_pages import bp
from webadmin.sla_pages.choices import entry_choices, service_choices
from webadmin.sla_pages.forms import PreviewForm
from webadmin.staff.common import catalog_entry


@bp.route("/preview")
def preview_page() -> ResponseReturnValue:
    session = get_session()
    form = PreviewForm(formdata=request.args)
    form.entry.choices = entry_choices(session, none_label="Choose…")
    form.service.choices = service_choices(session, None, none_label="None")
    result: Preview | None = None
    now = utcnow()
    if form.entry.data:
        if not form.validate():
            abort(400, "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()))
        entry = catalog_entry(session, form.entry.data)
        assert entry is not None
        service = session.get(Service, int(form.service.data)) if form.service.data else None
        keys = TicketKeys(
            entry.group.id, entry.category.id if entry.category else None, entry.subcategory.id if entry.subcategory else None,
            service.id if service else None, Priority(form.priority.data),
        )  # fmt: skip
        result = preview(session, keys, now)
    return render_template(
        "admin/sla_preview.html", form=form, result=result, now=now, targets=list(SlaTarget), describe=describe
    )
