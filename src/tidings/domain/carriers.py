"""Carriers go by different names on each platform ("SF Express", `sf-express`, `shunfeng`):
one table files each name under one key, so that an update finds its shipment.

The rule: `carrier_key(a) == carrier_key(b)` exactly when both name the same carrier; a name
the table does not know is its own key (lower case, without spaces, dashes or underscores).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

ALIASES: Final[Mapping[str, str]] = {
    "sfexpress": "sf",
    "shunfeng": "sf",
    "sf": "sf",
    "顺丰": "sf",
    "顺丰速运": "sf",
    "yuantong": "yto",
    "yto": "yto",
    "ytoexpress": "yto",
    "圆通": "yto",
    "圆通速递": "yto",
    "zhongtong": "zto",
    "zto": "zto",
    "ztoexpress": "zto",
    "中通": "zto",
    "yunda": "yunda",
    "yundaexpress": "yunda",
    "韵达": "yunda",
    "shentong": "sto",
    "sto": "sto",
    "stoexpress": "sto",
    "申通": "sto",
    "jd": "jd",
    "jingdong": "jd",
    "jdlogistics": "jd",
    "京东": "jd",
    "ems": "ems",
    "chinaems": "ems",
    "chinapost": "chinapost",
    "youzhengguonei": "chinapost",  # kuaidi100's China Post domestic parcels
    "邮政": "chinapost",
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl",
    "dhlexpress": "dhl",
    "russianpost": "russianpost",
    "pochta": "russianpost",
    "pochtarossii": "russianpost",
    "почтароссии": "russianpost",
    "russianpostems": "russianpost",  # EMS Russian Post: the same tracking
    "emsrussianpost": "russianpost",
    "boxberry": "boxberry",
    "боксберри": "boxberry",
}


def carrier_key(name: str | None) -> str:
    """The one key of a carrier's many names ("" for none)."""
    plain = "".join(ch for ch in (name or "").lower() if ch not in " -_.")
    return ALIASES.get(plain, plain)
