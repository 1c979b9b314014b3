"""The IMAP poller (`postdesk gateway imap`): fetch mail from configured mailboxes into ingest().

- connection.py: the IMAP verbs (connect, search, fetch with BODY.PEEK[], acknowledge, IDLE)
- poller.py: one mailbox's loop, with acknowledgement after commit and reconnect backoff
- supervisor.py: a poller thread per enabled mailbox, following the mailbox list
"""

from mailgateway.imap.supervisor import run_imap_gateway

__all__ = ["run_imap_gateway"]
