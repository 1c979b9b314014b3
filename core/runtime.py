"""Everything a process needs, built once from Settings: engine, sessions, blob store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings, load_settings
from core.db import make_engine, session_factory
from core.notify.identity import SESSION_KEY, MailIdentity
from core.storage import BlobStore


@dataclass
class Runtime:
    settings: Settings

    @classmethod
    def from_environment(cls) -> Runtime:
        return cls(load_settings())

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def mail_identity(self) -> MailIdentity:
        settings = self.settings
        return MailIdentity(
            support_address=settings.support_address,
            mail_domain=settings.mail_domain,
            instance_id=settings.instance_id,
            autoreply_limit=settings.autoreply_limit,
            base_url=settings.base_url,
            link_secret=settings.secret_key,
        )

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions that carry our mail identity, so services can write notifications."""
        return session_factory(self.engine, info={SESSION_KEY: self.mail_identity})

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self.settings.blob_dir)
