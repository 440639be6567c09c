"""The request signature of the Chinese marketplaces' open platforms: Taobao/Tmall's TOP router
and JD's JOS router both sign a call with a digest of its parameters, sorted by name and joined
as name then value, without separators (the `sign` parameter itself and empty values left out).

TOP: `md5` is MD5(secret + joined + secret), `hmac` is HMAC-MD5 keyed by the secret over the
joined string. JOS: MD5(secret + joined + secret), as TOP's `md5`. Both in upper-case hex.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Literal

from tidings.domain.times import require_aware

Method = Literal["md5", "hmac"]


def joined(params: Mapping[str, str]) -> str:
    """The parameters as the routers sign them: sorted by name, name then value, no `sign`."""
    kept = (name for name in sorted(params) if name != "sign" and params[name] != "")
    return "".join(f"{name}{params[name]}" for name in kept)


def sign(secret: str, params: Mapping[str, str], method: Method = "md5") -> str:
    text = joined(params)
    if method == "hmac":
        digest = hmac.new(secret.encode(), text.encode(), hashlib.md5).hexdigest()
    elif method == "md5":
        digest = hashlib.md5(f"{secret}{text}{secret}".encode()).hexdigest()
    else:
        raise ValueError(f"unknown sign method: {method!r} (md5 or hmac)")
    return digest.upper()


def signed_right(secret: str, params: Mapping[str, str], method: Method = "md5") -> bool:
    """Whether a request's `sign` is the one its parameters give (constant-time)."""
    given = params.get("sign", "")
    return bool(given) and hmac.compare_digest(sign(secret, params, method), given.upper())


ROUTER_ZONE = timezone(timedelta(hours=8))  # both routers read `timestamp` as Beijing time


def router_timestamp(at: datetime) -> str:
    """A call's `timestamp` as both routers take it: "yyyy-MM-dd HH:mm:ss", GMT+8."""
    return require_aware(at, "a call's time").astimezone(ROUTER_ZONE).strftime("%Y-%m-%d %H:%M:%S")
