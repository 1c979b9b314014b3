"""The forms of the organization and contract pages. They check the shape of the input (a
domain list, dates); what depends on the database (a name taken, a domain of another
organization, an unknown address, a support manager who is not staff) comes from
core.organizations and core.contracts and is put next to the same field by the view."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.errors import InvalidInput
from core.organizations import NAME_MAX, parse_domains


def addresses(text: str) -> list[str]:
    """The addresses in a comma-, semicolon-, space- or line-separated list, as typed."""
    return [part for part in re.split(r"[\s,;]+", text) if part]


class Domains:
    """Every entry of the list must be a mail domain; the message names the first that is not."""

    def __call__(self, _form: FlaskForm, field: Field) -> None:
        try:
            parse_domains(field.data or "")
        except InvalidInput as error:
            raise ValidationError(str(error)) from None


class OrganizationForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the organization a name."), Length(max=NAME_MAX)])
    parent = SelectField("Part of", default="")
    domains = TextAreaField(
        "Mail domains", validators=[Optional(), Length(max=4000), Domains()],
        description="One per line, like corp.example. Senders of these domains (and their subdomains) "
        "who are members of no organization are filed under this one.",
    )  # fmt: skip
    active = BooleanField("Active (new tickets are filed under it)", default=True)


class MemberForm(FlaskForm):
    email = StringField("Add a member", validators=[InputRequired("Give the member's address."), Length(max=320)])


class ContractForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the contract a name."), Length(max=NAME_MAX)])
    coverage = SelectMultipleField(
        "Covers", description="Groups and categories (hold Ctrl or ⌘ to choose several); none: the whole catalog."
    )
    valid_from = DateField("Valid from", validators=[Optional()])
    valid_until = DateField("Valid until (inclusive)", validators=[Optional()])
    customer_managers = TextAreaField(
        "Customer managers", validators=[Optional(), Length(max=10_000)],
        description="Addresses, one per line. They see and comment on every ticket of the organization "
        "and the organizations under it, in the portal.",
    )  # fmt: skip
    support_managers = SelectMultipleField(
        "Support managers", description="Staff who see and work every ticket under the contract."
    )
    sla_policy = SelectField(
        "SLA policy", default="",
        description="Wins over the policy the catalog would give. A policy marked contract only reaches tickets this way alone.",
    )  # fmt: skip
    active = BooleanField("Active (gives rights, and new tickets go under it)", default=True)
