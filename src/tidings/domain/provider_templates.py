"""Provider templates: the approved template that carries a journey step through a provider that
sends only approved templates (Alibaba Cloud, Tencent Cloud in mainland China; the Taobao/Tmall
and JD relays).

The one rule: a step with no approved template for the store's provider is never sent as free
text. The step's own text stays the source: `placeholders` writes it in the provider's syntax
for approval, `fill` gives the template code and the values of its declared variables.

    step text   "您的订单{{ order.order_id }}待付款，点此支付：{{ links.pay }}"
    Alibaba     "您的订单${order_id}待付款，点此支付：${pay}"       variables by name
    Tencent     "您的订单{1}待付款，点此支付：{2}"                   variables by position

A value longer than the provider allows is cut: a text keeps its first characters and ends
with "…"; a link is never cut (a cut link leads nowhere): it loses its `https://` when that
makes it fit, else it goes whole and the provider refuses it (failed, its reason kept).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Syntax = Callable[[str, int], str]  # (variable name, position from 1) -> placeholder

SYNTAX: dict[str, Syntax] = {
    "aliyun_sms": lambda name, _: "${" + name + "}",
    "tencent_sms": lambda _, position: "{" + str(position) + "}",
    "taobao_relay": lambda name, _: "${" + name + "}",  # the relay's templates, by name
    "jd_relay": lambda name, _: "${" + name + "}",
}
# The most characters one variable's value may have, as each provider documents it for
# notification templates (a configured `variable_limit` overrides it).
VARIABLE_LIMITS: dict[str, int] = {
    "aliyun_sms": 35,
    "tencent_sms": 12,
    "taobao_relay": 35,  # as Alibaba's own SMS: the relay's limit is not published apart
    "jd_relay": 35,  # chosen as Taobao's: JD's is not published where we could read it
}

_EXPRESSION = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*\}\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")
_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


@dataclass(frozen=True, slots=True)
class ProviderTemplate:
    """A store's approved template of one step in one locale, at one provider."""

    store_id: str
    provider: str
    journey: str
    step: str  # the step's name within its journey
    locale: str
    code: str  # the provider's template code: SMS_153055065, or Tencent's numeric id
    variables: tuple[tuple[str, str], ...]  # (name, path in the step's context), in order

    def __post_init__(self) -> None:
        where = f"template {self.journey}.{self.step} ({self.locale}) at {self.provider}"
        if not self.code.strip():
            raise ValueError(f"{where}: no template code")
        for name, path in self.variables:
            if not _NAME.match(name):
                raise ValueError(f"{where}: variable name {name!r} is not lower_snake_case")
            if not _PATH.match(path):
                raise ValueError(f"{where}: variable {name} reads {path!r}, not a field path")
        if len({name for name, _ in self.variables}) != len(self.variables):
            raise ValueError(f"{where}: a variable is named twice")


@dataclass(frozen=True, slots=True)
class TemplateCall:
    """What a template-based provider is handed for one message: the code and the values."""

    code: str
    params: tuple[tuple[str, str], ...]  # (name, value), in the template's order

    def to_json(self) -> str:
        return json.dumps({"code": self.code, "params": [list(p) for p in self.params]},
                          ensure_ascii=False)  # fmt: skip

    @staticmethod
    def from_json(text: str) -> TemplateCall:
        data = json.loads(text)
        return TemplateCall(str(data["code"]), tuple((str(n), str(v)) for n, v in data["params"]))


def variables_of(text: str) -> tuple[tuple[str, str], ...]:
    """The variables a step's text fills, each named after its field's last part:
    `{{ order.order_id }}` → ("order_id", "order.order_id"); the first of two same names wins
    the plain name, the next is numbered."""
    out: list[tuple[str, str]] = []
    for path in dict.fromkeys(m.group(1) for m in _EXPRESSION.finditer(text)):
        name, n = path.rsplit(".", 1)[-1], 2
        while any(name == known for known, _ in out):
            name, n = f"{path.rsplit('.', 1)[-1]}_{n}", n + 1
        out.append((name, path))
    return tuple(out)


def placeholders(text: str, variables: tuple[tuple[str, str], ...], syntax: Syntax) -> str:
    """The step's text with each `{{ path }}` written as the provider's placeholder.
    Raises ValueError for a field no variable declares, or a text with logic in it (`{% %}`,
    filters): the provider approves one fixed text, so such a step needs its own wording."""
    if "{%" in text:
        raise ValueError("the text has conditions ({% … %}): write one fixed wording for it")
    position = {path: (name, i) for i, (name, path) in enumerate(variables, start=1)}

    def one(match: re.Match[str]) -> str:
        path = match.group(1)
        if path not in position:
            raise ValueError(f"{{{{ {path} }}}} is filled by no declared variable")
        return syntax(*position[path])

    out = _EXPRESSION.sub(one, text)
    if "{{" in out:
        raise ValueError("the text has expressions that are not plain fields (filters, `or`)")
    return out


def fill(
    template: ProviderTemplate, ctx: Mapping[str, Any], limit: int,
    resolve: Callable[[tuple[str, ...], Mapping[str, Any]], Any],
) -> TemplateCall:  # fmt: skip
    """The call for `template` with its variables read from `ctx`, each within `limit`."""
    params = []
    for name, path in template.variables:
        value = resolve(tuple(path.split(".")), ctx)
        params.append((name, fit("" if value is None else str(value), limit)))
    return TemplateCall(template.code, tuple(params))


def fit(value: str, limit: int) -> str:
    """`value` within `limit` characters: a text cut with "…"; a link without its scheme when
    that makes it fit, else whole (never cut: a cut link leads nowhere)."""
    if len(value) <= limit:
        return value
    if value.startswith(("http://", "https://")):
        bare = value.split("://", 1)[1]
        return bare if len(bare) <= limit else value
    return value[: limit - 1] + "…"
