"""The platforms tidings hears from, one module each with the same names: `verify`,
`delivery_id`, `topic`, `translate` (pure), `answer`, the `HEADERS` kept with a delivery, and
their mapping tables. `PLATFORMS` names them by the source in `/hooks/{source}/{store}`;
`PULLERS` the ones tidings asks (services/pulling.py), whose answers the same `translate`
reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tidings.adapters.connectors import (
    aftership,
    kuaidi100,
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
    "taobao": taobao,
}

PULLERS: Final[Mapping[str, Puller]] = {"taobao": taobao_pull}
