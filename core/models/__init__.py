"""The data model. Importing this package registers every table on `Base.metadata`."""

from core.models.api_tokens import ApiToken
from core.models.base import Base, utcnow
from core.models.catalog import Category, Group, RecipientRoute, Subcategory
from core.models.inbound import InboundMessage, InboundSource, IngestedKey, Outcome
from core.models.mailboxes import Mailbox, MailboxSecurity
from core.models.messages import Attachment, Message, MessageKind
from core.models.operations import AuditRecord, JobRun, Lease, PurgeMark
from core.models.orgs import Contract, Organization, OrganizationDomain
from core.models.outbox import OutboxMessage, OutboxStatus
from core.models.rules import RoutingRule, TicketTag
from core.models.security import LoginFailure
from core.models.sla import (
    Service,
    SlaCalendar,
    SlaCalendarHoliday,
    SlaCalendarHours,
    SlaPausingStatus,
    SlaPolicy,
    SlaTarget,
    TicketSlaClock,
    TicketSlaPause,
)
from core.models.templates import MailTemplate, TemplatePart
from core.models.tickets import LinkKind, Priority, Source, Status, Ticket, TicketEvent, TicketLink
from core.models.users import Role, User
from core.models.views import SavedView

__all__ = [
    "ApiToken", "Attachment", "Base", "Category", "Group", "InboundMessage", "InboundSource", "IngestedKey",
    "LinkKind", "LoginFailure", "Mailbox", "MailboxSecurity", "MailTemplate", "Message", "MessageKind", "OutboxMessage",
    "OutboxStatus", "Outcome", "Priority", "RecipientRoute", "Role", "RoutingRule", "SavedView", "Source", "Status",
    "Subcategory", "TemplatePart", "Ticket", "TicketEvent", "TicketTag", "TicketLink", "User", "utcnow",
    "AuditRecord", "JobRun", "Lease", "PurgeMark",
    "Service", "SlaCalendar", "SlaCalendarHoliday", "SlaCalendarHours", "SlaPausingStatus", "SlaPolicy", "SlaTarget",
    "TicketSlaClock", "TicketSlaPause",
    "Contract", "Organization", "OrganizationDomain",
]
