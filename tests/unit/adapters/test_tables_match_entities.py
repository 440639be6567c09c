"""The state tables' columns are their entities' fields, in the same order: a row is read as
its entity by position (repositories._entity), and a column added to one and not the other, or
in another place, would shift every value after it into the wrong field."""

from __future__ import annotations

from dataclasses import fields

import pytest

from tidings.adapters.db import tables
from tidings.adapters.db.repositories import _KINDS
from tidings.domain.messages import Message
from tidings.domain.state import Store

PAIRS = [(table, cls) for table, cls, _ in _KINDS.values()]
PAIRS += [(tables.stores, Store), (tables.messages, Message)]


@pytest.mark.parametrize("table, cls", PAIRS, ids=[t.name for t, _ in PAIRS])
def test_the_columns_are_the_fields_in_order(table, cls):
    columns = [c.name for c in table.columns]
    if cls is Message:  # messages are selected by field (outbox.MESSAGE_COLUMNS): only names
        assert {f.name for f in fields(cls)} <= set(columns)
    else:
        assert columns == [f.name for f in fields(cls)]
