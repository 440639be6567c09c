"""A store's approved templates at its template-based SMS provider, through its API key: the
texts to submit for approval, and the codes once approved (as `tidings templates` does)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tidings.entrypoints.api.deps import App, Caller
from tidings.entrypoints.api.errors import ApiError, documented
from tidings.services.provider_templates import approval_view, template_view

KEYED = documented()

router = APIRouter(tags=["templates"])


class Variable(BaseModel):
    name: str = Field(description="the template's variable, lower_snake_case")
    field: str = Field(description="what fills it, e.g. order.order_id or links.pay")


class NewTemplate(BaseModel):
    provider: str = Field(description="the configured provider's name")
    step: str = Field(description="journey.step, e.g. payment_reminder.first")
    locale: str = Field(description="e.g. zh-CN")
    code: str = Field(description="the provider's approved template code")
    variables: list[Variable] = Field(default=[], description="default: the step's own fields")


@router.put(
    "/v1/templates", summary="Register the approved template of a step and locale", responses=KEYED
)
def put(app: App, store: Caller, given: NewTemplate) -> dict[str, Any]:
    pairs = [(v.name, v.field) for v in given.variables]
    try:
        done = app.set_template(store, given.provider, given.step, given.locale, given.code, pairs)
    except ValueError as exc:
        raise ApiError(422, "invalid_template", str(exc)) from None
    return template_view(done)


@router.get("/v1/templates", summary="The store's registered templates", responses=KEYED)
def listed(app: App, store: Caller, provider: str | None = None) -> dict[str, Any]:
    return {"templates": [template_view(t) for t in app.templates(store, provider)]}


@router.get(
    "/v1/templates/export", summary="Each SMS step's text written for approval", responses=KEYED
)
def export(app: App, store: Caller, provider: str, locale: str = "") -> dict[str, Any]:
    try:
        found = app.for_approval(store, provider, locale)
    except ValueError as exc:
        raise ApiError(422, "invalid_provider", str(exc)) from None
    return {"steps": [approval_view(one) for one in found]}
