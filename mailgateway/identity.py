"""Who the gateway is: built once from the Runtime and handed to the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from core.notify import MailIdentity
from core.runtime import Runtime
from mailgateway.classify import ClassifyContext


@dataclass(frozen=True, slots=True)
class GatewayIdentity:
    mail: MailIdentity
    classify: ClassifyContext
    support_addresses: frozenset[str]
    watcher_domains: tuple[str, ...]

    @classmethod
    def from_runtime(cls, rt: Runtime) -> GatewayIdentity:
        addresses = frozenset(rt.settings.support_addresses)
        return cls(
            mail=rt.mail_identity,
            classify=ClassifyContext(
                mail_domain=rt.settings.mail_domain,
                support_addresses=addresses,
                instance_id=rt.settings.instance_id,
            ),
            support_addresses=addresses,
            watcher_domains=rt.settings.watcher_domains,
        )
