"""Notifications: outbox rows written in the transaction of the change that causes them.

`identity` says who we are on the wire, `enqueue` writes one threaded, guarded row,
`policy` decides who hears of which change (a table), `acknowledge` answers a new ticket.
Delivery is the worker's job."""

from core.notify.acknowledge import acknowledge_new_ticket
from core.notify.identity import LOOP_HEADER, TICKET_HEADER, MailIdentity
from core.notify.policy import dispatch

__all__ = ["LOOP_HEADER", "TICKET_HEADER", "MailIdentity", "acknowledge_new_ticket", "dispatch"]
