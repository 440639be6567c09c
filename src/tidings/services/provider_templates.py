"""Approved templates at send time and for approval: which one carries a step, what fills it.

The one rule (domain/provider_templates.py): through a template-based provider, a step goes as
its approved template or not at all. `TemplateBook.call` answers None where the store's SMS
provider sends free text, the call where a template is approved, and raises NotApproved where
none is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tidings.domain.conditions import resolve
from tidings.domain.journeys import Journey, Step
from tidings.domain.provider_templates import (
    SYNTAX,
    ProviderTemplate,
    TemplateCall,
    fill,
    placeholders,
    variables_of,
)
from tidings.domain.state import Store
from tidings.services.ports import ProviderTemplates
from tidings.services.routing import Routes


class NotApproved(Exception):
    """The store's provider sends approved templates only, and has none for this step."""

    def __init__(self, provider: str, locale: str) -> None:
        super().__init__(f"no approved template at {provider} ({locale})")
        self.provider, self.locale = provider, locale


@dataclass
class TemplateBook:
    """The templates of the stores of one batch, read once per store."""

    routes: Routes
    repo: ProviderTemplates
    _known: dict[str, dict[tuple[str, str, str], ProviderTemplate]] = field(default_factory=dict)

    def call(
        self, store: Store, journey: Journey, step: Step, ctx: Mapping[str, Any],
        route: str = "sms",
    ) -> TemplateCall | None:  # fmt: skip
        """The template call of an SMS of `step` (None: the provider sends free text); `route`
        is a platform's relay for a buyer reached through it (domain/relay.py)."""
        provider = self.routes.provider(store.store_id, route)
        limit = self.routes.templated.get(provider)
        if limit is None:
            return None
        locale = locale_of(step, ctx.get("customer"), store)
        template = self._of(store.store_id, provider).get((journey.name, step.name, locale))
        if template is None:
            raise NotApproved(provider, locale)
        return fill(template, ctx, limit, resolve)

    def _of(self, store: str, provider: str) -> dict[tuple[str, str, str], ProviderTemplate]:
        if store not in self._known:
            found = self.repo.of_store(store, provider)
            self._known[store] = {(t.journey, t.step, t.locale): t for t in found}
        return self._known[store]


def locale_of(step: Step, customer: Any, store: Store) -> str:
    """The locale a step's text is written in for this reader: theirs, the store's, English,
    else the first the step has."""
    for wanted in (getattr(customer, "locale", None), store.locale, "en"):
        if wanted in step.template:
            return str(wanted)
    return next(iter(step.template))


@dataclass(frozen=True, slots=True)
class ForApproval:
    """One step's text as it goes to the provider for approval."""

    journey: str
    step: str
    locale: str
    text: str  # in the provider's placeholder syntax, the signature in front
    variables: tuple[tuple[str, str], ...]  # (name, field)
    sample: str  # the text filled with sample values
    problem: str | None = None  # why the text cannot go as it is


def for_approval(
    journeys: Mapping[str, Journey], provider_type: str, signature: str, locale: str
) -> list[ForApproval]:
    """Each SMS step of `journeys` in `locale`, written for approval at a `provider_type`."""
    syntax = SYNTAX[provider_type]
    out = []
    for journey in journeys.values():
        for step in journey.steps:
            if step.channel != "sms" or locale not in step.template:
                continue
            texts = step.template[locale]
            text = texts if isinstance(texts, str) else texts[0]
            variables = variables_of(text)
            try:
                written, problem = signature + placeholders(text, variables, syntax), None
            except ValueError as exc:
                written, problem = signature + text, str(exc)
            sample = placeholders(text, variables, _sample) if problem is None else ""
            out.append(ForApproval(journey.name, step.name, locale, written, variables,
                                   signature + sample if sample else "", problem))  # fmt: skip
    return out


def _sample(name: str, position: int) -> str:
    return SAMPLES.get(name, f"{name}{position}")


SAMPLES = {  # sample values that read as the real ones do
    "order_id": "2026111100123",
    "pay": "s.example.cn/l/Ab3dE",
    "track": "s.example.cn/l/Tr4cK",
    "cart": "s.example.cn/l/C4rTx",
    "item_count": "2",
    "carrier": "顺丰",
    "tracking_number": "SF1234567890",
    "pickup_code": "8-2-1024",
    "name": "王女士",
    "coupon": "K7PQ2MX9TA",
}


def template_view(template: ProviderTemplate) -> dict[str, Any]:
    """A registered template as the CLI and the API show it."""
    return {
        "store": template.store_id,
        "provider": template.provider,
        "step": f"{template.journey}.{template.step}",
        "locale": template.locale,
        "code": template.code,
        "variables": [{"name": n, "field": f} for n, f in template.variables],
    }


def approval_view(one: ForApproval) -> dict[str, Any]:
    """A step's text for approval as the CLI and the API show it."""
    out = {
        "step": f"{one.journey}.{one.step}",
        "locale": one.locale,
        "text": one.text,
        "variables": [{"name": n, "field": f} for n, f in one.variables],
        "sample": one.sample,
    }
    return out | ({"problem": one.problem} if one.problem else {})
