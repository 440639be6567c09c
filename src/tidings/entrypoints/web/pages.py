"""What shoppers open: short links, a parcel's tracking page, the email unsubscribe page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from tidings.domain.checks import web_host
from tidings.entrypoints.api.deps import App
from tidings.entrypoints.api.errors import unkeyed
from tidings.entrypoints.throttle import Throttle
from tidings.services import consent, pages

router = APIRouter(tags=["pages"])
HTML: dict[str, Any] = {"content": {"text/html": {"schema": {"type": "string"}}}}
MISSING: dict[int | str, dict[str, Any]] = {
    404: HTML | {"description": "No such page, or its link is incomplete"}
}
BUSY: dict[int | str, dict[str, Any]] = {
    429: HTML | {"description": "Too many requests from this client: see Retry-After"}
}
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC = Path(__file__).parent / "static"  # served at /static/pages: the CSP allows no inline style

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your parcel", "order": "Order", "pickup": "Waiting for you at",
        "code": "Pickup code", "until": "Collect by", "none": "No news from the carrier yet.",
        "missing": "This page does not exist or its link is incomplete.",
        "unsubscribe": "Stop emails from this shop?", "confirm": "Unsubscribe",
        "unsubscribed": "Done: you will get no more emails from this shop.",
        "busy": "Too many requests from your address: please try again in a minute.",
        "delivered": "Your parcel has been delivered or collected.",
        "returning": "Your parcel is on its way back to the sender.",
        "returned": "Your parcel went back to the sender.", "updated": "Last updated",
    },
    "zh-CN": {
        "title": "您的包裹", "order": "订单", "pickup": "包裹已到", "code": "取件码",
        "until": "取件截止", "none": "暂无物流信息。", "missing": "页面不存在或链接不完整。",
        "unsubscribe": "不再接收本店邮件？", "confirm": "退订",
        "unsubscribed": "已退订：您将不再收到本店的邮件。",
        "busy": "您的请求过于频繁，请一分钟后再试。",
        "delivered": "您的包裹已签收。", "returning": "您的包裹正在退回商家。",
        "returned": "您的包裹已退回商家。", "updated": "最后更新",
    },
    "ru": {
        "title": "Ваша посылка", "order": "Заказ", "pickup": "Ждёт вас", "code": "Код получения",
        "until": "Заберите до", "none": "Перевозчик пока ничего не сообщил.",
        "missing": "Страница не найдена или ссылка неполная.",
        "unsubscribe": "Отписаться от писем магазина?", "confirm": "Отписаться",
        "unsubscribed": "Готово: писем от магазина больше не будет.",
        "busy": "Слишком много запросов с вашего адреса: попробуйте через минуту.",
        "delivered": "Посылка доставлена или получена.",
        "returning": "Посылка возвращается отправителю.",
        "returned": "Посылка вернулась к отправителю.", "updated": "Обновлено",
    },
}  # fmt: skip
STATUSES: dict[str, dict[str, str]] = {
    "en": {
        "info_received": "Label created", "in_transit": "On its way",
        "out_for_delivery": "Out for delivery", "available_for_pickup": "Ready for pickup",
        "delivered": "Delivered", "failed_attempt": "Delivery attempt failed",
        "exception": "Held up", "returning": "Going back to the sender",
        "returned": "Back with the sender",
    },
    "zh-CN": {
        "info_received": "已下单", "in_transit": "运输中", "out_for_delivery": "派送中",
        "available_for_pickup": "待取件", "delivered": "已签收", "failed_attempt": "投递失败",
        "exception": "物流异常", "returning": "退回中", "returned": "已退回",
    },
    "ru": {
        "info_received": "Оформлена", "in_transit": "В пути", "out_for_delivery": "У курьера",
        "available_for_pickup": "Ждёт получения", "delivered": "Доставлена",
        "failed_attempt": "Не удалось доставить", "exception": "Задержка",
        "returning": "Возвращается", "returned": "Возвращена",
    },
}  # fmt: skip


@router.get(
    "/l/{token}",
    status_code=302,
    response_class=RedirectResponse,
    responses={**unkeyed(), **MISSING, **BUSY},
)
def link(token: str, request: Request, app: App) -> Response:
    """A short link, at its store's host: its click is kept, and the shopper goes on to the
    page it stands for; a client past its limit of requests is told to wait (429)."""
    now = app.clock()
    client = request.client.host if request.client else ""
    wait = throttle_of(request).wait(client, now)
    if wait:
        return _busy("en", wait)
    shared = web_host(app.settings.public_url)
    with app.unit_of_work() as uow:
        target = pages.follow(uow, token, request.headers.get("host", ""), now, shared)
        uow.commit()
    if target is None:
        return _missing("en", 404)
    app.wake()
    return RedirectResponse(target, 302, headers={"Cache-Control": "no-store"})


def throttle_of(request: Request) -> Throttle:
    """The link route's limit of requests per client, one per app (`create_app` sets it)."""
    found: Throttle = request.app.state.link_throttle
    return found


@router.get(
    "/t/{store}/{shipment}", response_class=HTMLResponse, responses={**unkeyed(), **MISSING}
)
def tracking(store: str, shipment: str, request: Request, app: App, k: str = "") -> Response:
    with app.unit_of_work(read_only=True) as uow:
        view = pages.tracking(uow, app.settings.link_secret.encode(), store, shipment, k)
    if view is None:
        return _missing("en", 404)
    locale = view.locale if view.locale in WORDS else "en"
    context = {"p": view, "w": WORDS[locale], "labels": STATUSES[locale], "lang": locale}
    return templates.TemplateResponse(request, "tracking.html", context)


@router.get("/u/{token}", response_class=HTMLResponse, responses=unkeyed())
def unsubscribe_page(token: str, request: Request) -> Response:
    context = {"w": WORDS["en"], "token": token, "done": False}
    return templates.TemplateResponse(request, "unsubscribe.html", context)


@router.post("/u/{token}", response_class=HTMLResponse, responses={**unkeyed(), **MISSING})
def unsubscribe(token: str, request: Request, app: App) -> Response:
    """One click (RFC 8058: a POST of List-Unsubscribe=One-Click) stops the shopper's emails."""
    with app.unit_of_work() as uow:
        done = consent.unsubscribe(uow, app.settings.link_secret.encode(), token, app.clock())
        uow.commit()
    if not done:
        return _missing("en", 404)
    app.wake()
    context: dict[str, Any] = {"w": WORDS["en"], "token": token, "done": True}
    return templates.TemplateResponse(request, "unsubscribe.html", context)


def _busy(locale: str, seconds: int) -> HTMLResponse:
    text = WORDS[locale]["busy"]
    page = f"<!doctype html><meta charset=utf-8><p>{text}</p>"
    return HTMLResponse(page, 429, headers={"Retry-After": str(seconds)})


def _missing(locale: str, status: int) -> HTMLResponse:
    text = WORDS[locale]["missing"]
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><p>{text}</p>", status)
