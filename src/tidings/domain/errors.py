"""One tree of errors for tidings.

TidingsError
├── InvalidEvent        an event that breaks the contract (names line / id / field)
├── InvalidJourney      a journeys file that cannot be understood
├── InvalidTemplate     a text that cannot be rendered (a name it uses is not there)
├── NaiveDatetime       a time without an offset where one is required
├── UnknownStore        a store that no event has named
├── InvalidTarget       a score target that is no number for a known metric
├── InvalidPeriod       a report period that ends before it starts
├── Untranslatable      a platform's webhook that says nothing the contract can carry
├── PlatformError       a platform's API refused or failed (a catch-up, a pull)
├── StorageError        the database could not keep a transaction: none of it was kept
│   ├── StorageBusy     another connection held SQLite's write lock past the busy timeout
│   └── StorageFull     no room: the disk, or the database's own size limit
├── Conflict            a change the state refuses (a key being replaced already)
└── ProviderError       a channel provider refused or failed
    ├── Transient       retry later with backoff
    └── Permanent       fail the message now, record why
"""

from __future__ import annotations


class TidingsError(Exception):
    """The root of every error tidings raises on purpose."""


class InvalidEvent(TidingsError):
    """An event that breaks the contract; `where` names the line or id, `field` the field."""

    def __init__(self, reason: str, *, where: str = "", field: str = "") -> None:
        self.reason = reason
        self.where = where
        self.field = field
        parts = [p for p in (where, f"field {field}" if field else "", reason) if p]
        super().__init__(": ".join(parts))


class InvalidJourney(TidingsError):
    """A journey definition that cannot be used."""


class InvalidTemplate(TidingsError):
    """A template that does not render: the message waits for the seller to mend it."""


class NaiveDatetime(TidingsError, ValueError):
    """A datetime without a time zone where an aware one is required."""


class UnknownStore(TidingsError, LookupError):
    """A store tidings has no `store.upserted` for."""

    def __init__(self, store: str) -> None:
        self.store = store
        super().__init__(f"unknown store {store!r}")


class InvalidTarget(TidingsError, ValueError):
    """A score target that names no metric or is out of the metric's range."""


class InvalidPeriod(TidingsError, ValueError):
    """A report period whose last day comes before its first."""


class Untranslatable(TidingsError, ValueError):
    """A platform's delivery that cannot become contract events: kept with this reason."""


class PlatformError(TidingsError):
    """A platform's API refused, failed, or answered with what tidings will not follow;
    `retry_after` the seconds it asked tidings to wait (a rate limit), 0 when it said none."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageError(TidingsError):
    """The database refused a transaction; it was rolled back whole."""


class StorageBusy(StorageError):
    """Another connection held the database's write lock past the busy timeout."""


class StorageFull(StorageError):
    """The database has no room left for the transaction's writes."""


class Conflict(TidingsError):
    """A change that the state it would change refuses: try it again after reading that state."""


class ProviderError(TidingsError):
    """A provider could not take a message."""


class Transient(ProviderError):
    """Worth retrying later."""


class Permanent(ProviderError):
    """Not worth retrying: the message fails with this reason."""
