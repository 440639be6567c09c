"""`tidings templates set|list|export` for a store texting through Alibaba Cloud SMS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import customer, lines, store
from tidings.entrypoints.cli import main

CONFIG = """
[providers.aliyun]
type = "aliyun_sms"
access_key_id = "LTAI5tTest"
access_key_secret = "secret"
sign_name = "Acme"

[channels]
sms = "aliyun"
"""


@pytest.fixture
def args(tmp_path: Path, db_url: str) -> list[str]:
    """The --db and --config of a database where acme (zh-CN, signed 【Acme】) is known."""
    source = tmp_path / "events.jsonl"
    source.write_text("\n".join(lines([store(), customer()])) + "\n", encoding="utf-8")
    assert main(["replay", str(source), "--db", db_url, "--out", str(tmp_path / "o.jsonl")]) == 0
    config = tmp_path / "tidings.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return ["--db", db_url, "--config", str(config)]


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_export_writes_each_step_in_alibaba_s_syntax_with_its_signature(args, capsys):  # type: ignore[no-untyped-def]
    assert main(["templates", "export", "--provider", "aliyun", "--store", "acme", *args]) == 0
    steps = {s["step"]: s for s in _json(capsys)}  # type: ignore[union-attr]
    first = steps["payment_reminder.first"]
    assert first["locale"] == "zh-CN"
    assert first["text"] == "【Acme】您的订单${order_id}待付款，点此支付：${pay}"
    assert first["variables"] == [
        {"name": "order_id", "field": "order.order_id"},
        {"name": "pay", "field": "links.pay"},
    ]
    assert first["sample"] == "【Acme】您的订单2026111100123待付款，点此支付：s.example.cn/l/Ab3dE"
    assert "problem" not in first
    assert "conditions" in steps["shipping_notice.shipped"]["problem"]


def test_set_then_list(args, capsys):  # type: ignore[no-untyped-def]
    given = ["--store", "acme", "--provider", "aliyun", "--step", "payment_reminder.first"]
    assert main(["templates", "set", *given, "--locale", "zh-CN", "--code", "SMS_1", *args]) == 0
    capsys.readouterr()
    assert main(["templates", "list", "--store", "acme", *args]) == 0
    assert _json(capsys) == [
        {
            "store": "acme", "provider": "aliyun", "step": "payment_reminder.first",
            "locale": "zh-CN", "code": "SMS_1",
            "variables": [{"name": "order_id", "field": "order.order_id"},
                          {"name": "pay", "field": "links.pay"}],
        }
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("more", "problem"),
    [
        (["--provider", "file", "--step", "payment_reminder.first"], "no configured template"),
        (["--provider", "aliyun", "--step", "payment_reminder.nine"], "no journey step"),
        (["--provider", "aliyun", "--step", "payment_reminder.first", "--var", "x=a..b"], "path"),
    ],
)
def test_set_refuses_what_cannot_be_sent(args, capsys, more, problem):  # type: ignore[no-untyped-def]
    cmd = ["templates", "set", "--store", "acme", "--locale", "zh-CN", "--code", "SMS_1", *more]
    assert main([*cmd, *args]) == 2
    assert problem in capsys.readouterr().err
