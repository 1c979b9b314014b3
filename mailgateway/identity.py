"""Who the gateway is: built once from Settings and handed to the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Settings
from core.notifications import MailIdentity
from mailgateway.classify import ClassifyContext


@dataclass(frozen=True, slots=True)
class GatewayIdentity:
    mail: MailIdentity
    classify: ClassifyContext
    support_addresses: frozenset[str]
    watcher_domains: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayIdentity:
        addresses = frozenset(settings.support_addresses)
        return cls(
            mail=MailIdentity(
                support_address=settings.support_address,
                mail_domain=settings.mail_domain,
                instance_id=settings.instance_id,
                autoreply_limit=settings.autoreply_limit,
            ),
            classify=ClassifyContext(
                mail_domain=settings.mail_domain,
                support_addresses=addresses,
                instance_id=settings.instance_id,
            ),
            support_addresses=addresses,
            watcher_domains=settings.watcher_domains,
        )
