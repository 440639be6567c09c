"""The stores' approved templates at template-based providers (domain/provider_templates.py).

The one rule: one template per store, provider, step and locale; setting it again replaces it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from tidings.adapters.db import tables as t
from tidings.domain.provider_templates import ProviderTemplate

P = t.provider_templates.c


def _template(row: Any) -> ProviderTemplate:
    variables = tuple((str(name), str(path)) for name, path in row.variables)
    return ProviderTemplate(
        row.store_id, row.provider, row.journey, row.step, row.locale, row.code, variables
    )


class SqlProviderTemplates:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def set(self, template: ProviderTemplate, at: datetime) -> None:
        """Keep `template`, in place of the one it replaces."""
        self.remove(template.store_id, template.provider, template.journey, template.step,
                    template.locale)  # fmt: skip
        row = {
            "store_id": template.store_id, "provider": template.provider,
            "journey": template.journey, "step": template.step, "locale": template.locale,
            "code": template.code, "variables": [list(v) for v in template.variables],
            "updated_at": at,
        }  # fmt: skip
        self.conn.execute(insert(t.provider_templates).values(**row))

    def remove(self, store: str, provider: str, journey: str, step: str, locale: str) -> bool:
        gone = delete(t.provider_templates).where(
            P.store_id == store, P.provider == provider, P.journey == journey,
            P.step == step, P.locale == locale,
        )  # fmt: skip
        return bool(self.conn.execute(gone).rowcount)

    def of_store(self, store: str, provider: str | None = None) -> list[ProviderTemplate]:
        """The store's templates (at `provider`), by provider, journey, step and locale."""
        query = select(t.provider_templates).where(P.store_id == store)
        if provider is not None:
            query = query.where(P.provider == provider)
        query = query.order_by(P.provider, P.journey, P.step, P.locale)
        return [_template(row) for row in self.conn.execute(query)]
