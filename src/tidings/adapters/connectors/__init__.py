"""The platforms tidings hears from, one module each with the same names: `verify`,
`delivery_id`, `topic`, `translate` (pure), `answer`, the `HEADERS` kept with a delivery, and
their mapping tables; where the platform has them, `ping` (a test delivery kept nowhere),
`pong` (its answer in the platform's words) and `refusal` (its error shape). `PLATFORMS`
names them by the source in `/hooks/{source}/{store}`; `PULLERS` the ones tidings asks
(services/pulling.py), whose answers the same `translate` reads. CDEK's order is read back
before its translation by `cdek_api`, the one module here that does I/O on a pushed delivery's
way in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tidings.adapters.connectors import (
    aftership,
    boxberry,
    cdek,
    jd,
    jd_pull,
    kuaidi100,
    ozon,
    russianpost,
    russianpost_pull,
    seventeen_track,
    shopify,
    taobao,
    taobao_pull,
    woocommerce,
)
from tidings.services.connectors import Platform
from tidings.services.pulling import Puller

PLATFORMS: Final[Mapping[str, Platform]] = {
    "shopify": shopify,
    "woocommerce": woocommerce,
    "aftership": aftership,
    "17track": seventeen_track,
    "kuaidi100": kuaidi100,
    "jd": jd,
    "cdek": cdek,
    "ozon": ozon,
    "taobao": taobao,
    "russianpost": russianpost,
    "boxberry": boxberry,
}

PULLERS: Final[Mapping[str, Puller]] = {
    "jd": jd_pull,
    "taobao": taobao_pull,
    "russianpost": russianpost_pull,
    "boxberry": boxberry,
}
