"""The set of journeys in force, with reply and alert texts, and each store's view of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tidings.domain.errors import InvalidJourney
from tidings.domain.journeys import Journey, journey_from_dict, with_overrides

Texts = Mapping[str, str]


@dataclass(frozen=True)
class Catalogue:
    journeys: Mapping[str, Journey]
    replies: Mapping[str, Texts] = field(default_factory=dict)
    alerts: Mapping[str, Texts] = field(default_factory=dict)

    def merged(self, other: Catalogue) -> Catalogue:
        """`other` adds journeys and texts, and replaces those of the same name."""
        return Catalogue(
            {**self.journeys, **other.journeys},
            {**self.replies, **other.replies},
            {**self.alerts, **other.alerts},
        )

    def for_store(self, overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Journey]:
        """The journeys as one store runs them, with its overrides applied."""
        out = dict(self.journeys)
        for name, raw in overrides.items():
            if name in out:
                out[name] = with_overrides(out[name], raw)
        return out

    def by_trigger(self, journeys: Mapping[str, Journey]) -> dict[str, list[Journey]]:
        index: dict[str, list[Journey]] = {}
        for journey in journeys.values():
            if journey.enabled:
                for trigger in sorted(journey.triggers):
                    index.setdefault(trigger, []).append(journey)
        return index


def catalogue_from_dict(raw: Mapping[str, Any]) -> Catalogue:
    """Read a journeys document: a table per journey, plus `replies` and `alerts` texts."""
    journeys = {
        name: journey_from_dict(name, body)
        for name, body in raw.items()
        if name not in ("replies", "alerts")
    }
    return Catalogue(journeys, _texts(raw.get("replies")), _texts(raw.get("alerts")))


def _texts(raw: Any) -> dict[str, Texts]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidJourney("replies and alerts are tables of texts per locale")
    return {str(k): {str(loc): str(t) for loc, t in v.items()} for k, v in raw.items()}


def check_overrides(catalogue: Catalogue, overrides: Mapping[str, Any]) -> None:
    """Refuse store overrides that name no journey or do not parse."""
    for name, raw in overrides.items():
        if name not in catalogue.journeys:
            raise InvalidJourney(f"journeys.{name}: no such journey")
        if not isinstance(raw, Mapping):
            raise InvalidJourney(f"journeys.{name}: expected a table of overrides")
        with_overrides(catalogue.journeys[name], raw)
