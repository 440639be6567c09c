"""Settings: staff see them, the owner changes them; a change is a store.upserted event as the
API takes it, and the screen lists who changed what and when. A step's text shows its segments
and cost, counted again as the owner types (`/settings/segments`, one block)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import OwnerForm, SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute, Refusal
from tidings.entrypoints.console.web import render
from tidings.services import settings, settings_change
from tidings.services.settings_change import InvalidSettings, SettingsForm

router = APIRouter(route_class=ConsoleRoute)
Texts = Annotated[list[str], Form()]


def form_of(
    quiet_start: Annotated[str, Form()] = "", quiet_end: Annotated[str, Form()] = "",
    monthly_sms_budget: Annotated[str, Form()] = "", sms_signature: Annotated[str, Form()] = "",
    contact_phone: Texts = [], contact_email: Texts = [], journey: Texts = [],  # noqa: B006
    enabled: Texts = [], holdout: Texts = [], step: Annotated[str, Form()] = "",  # noqa: B006
    locale: Texts = [], text: Texts = [],  # noqa: B006
    marketing_per_day: Annotated[str, Form()] = "", any_per_day: Annotated[str, Form()] = "",
) -> SettingsForm:  # fmt: skip
    """The posted form; repeated fields pair up in the order the page gave them."""
    return SettingsForm(
        quiet_start, quiet_end, monthly_sms_budget, sms_signature,
        tuple(zip(contact_phone, contact_email, strict=False)), tuple(journey),
        frozenset(enabled), dict(zip(journey, holdout, strict=False)), step,
        dict(zip(locale, text, strict=False)),
        {"marketing_per_day": marketing_per_day, "any_per_day": any_per_day},
    )  # fmt: skip


@router.get("/{store_id}/settings")
def show(request: Request, app: App, seller: SellerStore, step: str = "",
         saved: str = "") -> Response:  # fmt: skip
    page = settings.page(app.settings_unit_of_work(), app.catalogue, seller.store_id,
                         app.clock(), step)  # fmt: skip
    return render(request, "settings.html", page=page, seller=seller, saved=saved,
                  form=settings_change.form_of(page), problems={})  # fmt: skip


@router.post("/{store_id}/settings")
def save(request: Request, app: App, seller: OwnerForm,
         form: Annotated[SettingsForm, Depends(form_of)]) -> Response:  # fmt: skip
    try:
        with app.settings_unit_of_work() as uow:
            done = settings_change.change(
                uow, app.catalogue, app.contract_event, store_id=seller.store_id, form=form,
                email=seller.email, at=app.clock(),
            )  # fmt: skip
            uow.commit()
    except InvalidSettings as bad:
        page = settings.page(app.settings_unit_of_work(), app.catalogue, seller.store_id,
                             app.clock(), form.step)  # fmt: skip
        return render(request, "settings.html", status=422, page=page, seller=seller,
                      form=form, problems={p.field: p for p in bad.problems}, saved="")  # fmt: skip
    app.wake()
    query = urlencode({"step": form.step, "saved": "yes" if done else "nothing"})
    return RedirectResponse(f"/console/{seller.store_id}/settings?{query}", status_code=303)


@router.get("/{store_id}/settings/segments")
def segments(request: Request, app: App, seller: SellerStore, step: str = "", locale: str = "",
             text: str = "", signature: str | None = None) -> Response:  # fmt: skip
    found = settings.live_cost(app.settings_unit_of_work(), app.catalogue, seller.store_id,
                               step, locale, text, signature)  # fmt: skip
    if found is None:
        raise Refusal(404, "not_found")
    cost, currency = found
    return render(request, "settings_count.html", cost=cost, locale_of=locale,
                  currency=currency)  # fmt: skip
