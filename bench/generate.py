#!/usr/bin/env python3
"""Synthetic Double 11 day (2026-11-11, Asia/Shanghai) for one large store, as JSONL events.

As a script::

    python bench/generate.py --orders 100000 --seed 11 --out /tmp/d11.jsonl [--store acme]

As a module::

    from generate import generate
    for line in generate(orders=1000, seed=11, store="d11"):
        ...  # one JSON event per line (no trailing newline)

The output follows shared/spec/events.md. It is deterministic for a seed. Lines come in time
order except that about 2 % of them are held back a few lines (out of order), so a consumer
must sort. Stdlib only.

How it works: a small discrete-event simulation. Every shopper journey (a cart that is
abandoned or becomes an order) is a chain of steps on one heap keyed by time; a step writes
its event and schedules the next one. Only the next step of each live journey is kept, so
memory stays small (no list of all events) and lines come out already sorted.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

DAY = date(2026, 11, 11)
OFFSET = "+08:00"
STORE_AT = -3600  # 2026-11-10T23:00:00+08:00, seconds relative to 2026-11-11T00:00+08:00
EARLIEST_SHOPPER = STORE_AT + 60
MIN = 60
HOUR = 3600
DAY_S = 86400

STORE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

# Mainland China mobile prefixes (3 digits) that libphonenumber treats as valid mobiles.
CN_MOBILE_PREFIXES = tuple(
    [str(p) for p in range(130, 140)]
    + [str(p) for p in (150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173)]
    + [str(p) for p in (175, 176, 177, 178, *range(180, 190), 191, 193, *range(195, 200))]
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉宇浩然子轩欣怡梓涵雨桐佳琪晨阳思远"
)
EN_NAMES = ("Alex Chen", "Emily Wong", "Daniel Lee", "Sophie Martin", "Ryan Zhang", "Mia Liu")
RU_NAMES = ("Ирина Петрова", "Алексей Смирнов", "Ольга Иванова", "Дмитрий Кузнецов")

PRODUCTS = (
    ("保温杯", 59, 129),
    ("蓝牙耳机", 199, 899),
    ("羽绒服", 399, 1299),
    ("保湿面霜", 89, 599),
    ("运动鞋", 299, 899),
    ("扫地机器人", 1499, 3999),
    ("抽纸 24包", 29, 59),
    ("咖啡豆 1kg", 69, 159),
    ("猫粮 10kg", 99, 299),
    ("双肩包", 129, 399),
    ("机械键盘", 299, 999),
    ("电饭煲", 299, 899),
    ("床上四件套", 199, 599),
    ("口红", 159, 369),
    ("充电宝", 99, 259),
    ("智能手表", 699, 2499),
    ("洗发水", 49, 129),
    ("坚果礼盒", 79, 199),
    ("瑜伽垫", 59, 199),
    ("护眼台灯", 89, 399),
    ("空气炸锅", 259, 699),
    ("羊毛围巾", 129, 459),
)
VARIANTS = ("黑色", "白色", "灰色", "蓝色", "红色", "标准版", "礼盒装")

CARRIERS = (
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("JD", "京东物流"),
)
CARRIER_WEIGHTS = (25, 30, 25, 20)
WAREHOUSES = (
    ("浙江省杭州市", "杭州萧山仓"),
    ("广东省广州市", "广州白云仓"),
    ("江苏省苏州市", "苏州吴中仓"),
    ("上海市", "上海嘉定仓"),
)
HUBS = (
    "华东转运中心",
    "华南转运中心",
    "华北转运中心",
    "华中转运中心",
    "西南转运中心",
    "东北转运中心",
)
CITIES = (
    ("上海市", "浦东新区"),
    ("北京市", "朝阳区"),
    ("广东省深圳市", "南山区"),
    ("广东省广州市", "天河区"),
    ("浙江省杭州市", "西湖区"),
    ("四川省成都市", "武侯区"),
    ("湖北省武汉市", "洪山区"),
    ("江苏省南京市", "鼓楼区"),
    ("陕西省西安市", "雁塔区"),
    ("重庆市", "渝北区"),
    ("天津市", "河西区"),
    ("湖南省长沙市", "岳麓区"),
)
STREETS = ("建国路", "人民路", "中山路", "解放路", "长江路", "科技园路", "滨江大道", "文一路")
PICKUP_POINTS = ("丰巢智能柜", "菜鸟驿站", "顺丰驿站", "京东自提点", "兔喜生活")

REVIEW_TEXTS = {
    5: (
        "非常满意，双十一价格很划算！",
        "物流超快，包装很好，好评",
        "质量很好，会回购",
        "宝贝很喜欢",
    ),
    4: ("整体不错，就是物流慢了点", "东西挺好的，包装一般", "性价比高，推荐"),
    3: ("一般般吧，和图片有点差别", "还行，凑单买的", "中规中矩"),
    2: ("质量一般，有点失望", "物流太慢了，等了好几天"),
    1: ("收到就是坏的，很差", "与描述严重不符，客服也不回复"),
}
RATING_WEIGHTS = (3, 3, 8, 21, 65)  # ratings 1..5

CHAT_IN = (
    "请问什么时候发货？",
    "可以改一下收货地址吗？",
    "还有别的优惠券吗？",
    "这个尺码偏大吗？",
    "发什么快递？",
    "能开发票吗？",
    "我的快递到哪了？",
)
CHAT_OUT_BOT = (
    "亲，双十一期间订单较多，会在72小时内发货哦～",
    "亲，地址可以在订单详情里修改，发货前有效哦",
    "亲，店铺优惠券在首页领取哦",
)
CHAT_OUT_HUMAN = (
    "您好，已经帮您备注优先发货了",
    "您好，地址已修改好，请核对",
    "您好，尺码正常，建议按平时穿的选",
    "您好，已为您查询，快件正在运输中",
)

AFTERSALE_KINDS = ("return", "refund", "exchange", "repair")
AFTERSALE_KIND_WEIGHTS = (40, 35, 20, 5)
AFTERSALE_OUTCOMES = {
    "return": "refunded",
    "refund": "refunded",
    "exchange": "exchanged",
    "repair": "repaired",
}
AFTERSALE_REASONS = ("尺码不合适", "质量问题", "与描述不符", "不想要了", "少件", "发错货")
EXCEPTIONS = (
    ("address_problem", "收件地址不详，快件暂存网点，请联系快递员"),
    ("damaged", "快件外包装破损，网点正在核实"),
    ("held", "受天气影响，快件滞留转运中心"),
)

# Orders created per hour after the first one (hours 1..23): low at night, evening bump.
HOUR_WEIGHTS = (6, 3, 2, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 8, 9, 11, 13, 14, 12, 8)
HOUR_CUM = tuple(sum(HOUR_WEIGHTS[: i + 1]) for i in range(len(HOUR_WEIGHTS)))

COUPON_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_MINUTES: dict[int, str] = {}  # minute -> "YYYY-MM-DDTHH:MM:"
_SECONDS = tuple(f"{sec:02d}{OFFSET}" for sec in range(60))


def ts(t: int) -> str:
    """RFC 3339 with +08:00 for ``t`` seconds after 2026-11-11T00:00:00+08:00."""
    minute, sec = divmod(t, 60)
    prefix = _MINUTES.get(minute)
    if prefix is None:
        d, s = divmod(minute * 60, DAY_S)
        h, rem = divmod(s, 3600)
        prefix = f"{(DAY + timedelta(days=d)).isoformat()}T{h:02d}:{rem // 60:02d}:"
        _MINUTES[minute] = prefix
    return prefix + _SECONDS[sec]


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def daytime(t: int, rng: random.Random) -> int:
    """Move a courier action that would happen at night to the next morning 08:00-11:00."""
    s = t % DAY_S
    if s < 8 * HOUR:
        return t - s + 8 * HOUR + rng.randrange(3 * HOUR)
    if s >= 21 * HOUR:
        return t - s + DAY_S + 8 * HOUR + rng.randrange(3 * HOUR)
    return t


class FastRandom(random.Random):
    """random.Random with cheaper integer draws (float based; fine for synthetic data)."""

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if step != 1:
            return super().randrange(start, stop, step)
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]


class Journey:
    """A cart from first update to order (or abandonment), and what follows the order."""

    __slots__ = (
        "cart_id",
        "conv",
        "created",
        "cust",
        "delivered",
        "dispute_done",
        "items",
        "order_id",
        "paid",
        "payment",
        "times",
        "total",
    )

    def __init__(self, cust: int, times: tuple[int, ...], created: int) -> None:
        self.cust = cust
        self.times = times  # cart update times
        self.created = created  # order creation time, -1 when the cart is abandoned
        self.cart_id = ""
        self.order_id = ""
        self.items: list[list[int]] = []  # [catalog index, qty]
        self.total = 0
        self.payment = ""
        self.paid = False
        self.delivered = False
        self.dispute_done = False
        self.conv = ""


class Shipment:
    __slots__ = ("carrier", "dest", "hub_path", "index", "journey", "plan", "sid", "tracking")

    def __init__(self, journey: Journey, sid: str, carrier: int, tracking: str, index: int):
        self.journey = journey
        self.sid = sid
        self.carrier = carrier
        self.tracking = tracking
        self.index = index
        self.plan: list[str] = []
        self.hub_path: list[str] = []
        self.dest: tuple[str, str] = CITIES[0]


class _Sim:
    def __init__(self, orders: int, seed: int, store: str) -> None:
        if orders < 0:
            raise ValueError("orders must be >= 0")
        if not STORE_RE.fullmatch(store):
            raise ValueError(f"invalid store id {store!r}")
        self.rng = FastRandom(seed)
        self.orders = orders
        self.store = store
        # (time << 32 | sequence, step, args): one int key compares faster than a tuple
        self.heap: list[tuple[int, Callable[..., None], tuple[Any, ...]]] = []
        self.seq = 0
        self.out: list[str] = []
        self.counts: Counter[str] = Counter()
        self.n_events = 0
        self.n_orders = 0
        self.n_carts = 0
        self.n_ships = 0
        self.n_reviews = 0
        self.n_tickets = 0
        self.n_disputes = 0
        self.n_convs = 0
        self.head = '{"id":"e%08d","type":"%s","store":' + json.dumps(store) + ',"occurred_at":"'
        rng = self.rng
        self.catalog: list[tuple[str, str, int]] = []
        for pi, (name, lo, hi) in enumerate(PRODUCTS):
            for vi in rng.sample(range(len(VARIANTS)), 4):
                cents = rng.randint(lo, hi) * 100 + rng.choice((0, 0, 0, 90, 99))
                self.catalog.append((f"SKU-{pi + 1:03d}-{vi + 1}", f"{name} {VARIANTS[vi]}", cents))
        self.first: dict[int, int] = {}
        self.spawns: list[tuple[int, int, int, tuple[int, ...], int]] = []
        self.phones: list[str] = []
        self.locales: list[str] = []

    # -- plumbing ---------------------------------------------------------------------------

    def at(self, t: int, fn: Callable[..., None], *args: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, ((t << 32) | self.seq, fn, args))

    def emit(self, t: int, etype: str, data: dict[str, Any]) -> None:
        self.n_events += 1
        self.counts[etype] += 1
        body = _encode(data)
        self.out.append(self.head % (self.n_events, etype) + ts(t) + '","data":' + body + "}")

    def lines(self, chunk: int = 20_000) -> Iterator[str]:
        """All lines in time order, produced in chunks of about ``chunk`` lines.

        The cyclic garbage collector is paused while a chunk is produced (and restored before
        anything is yielded): the simulation makes no reference cycles, and with hundreds of
        thousands of live journeys the collector would otherwise take a third of the time.
        """
        heap = self.heap
        out = self.out
        spawns = self.spawns
        first = self.first
        k = 0
        started = False
        while not started or heap or k < len(spawns):
            gc_was_on = gc.isenabled()
            gc.disable()
            try:
                if not started:
                    started = True
                    self.emit(STORE_AT, "store.upserted", self.store_data())
                    self.plan()
                    spawns = self.spawns
                    first = self.first
                n_spawns = len(spawns)
                # Journeys start from a sorted list merged with the heap (keeps the heap small).
                while (heap or k < n_spawns) and len(out) < chunk:
                    if k < n_spawns and (not heap or spawns[k][0] <= heap[0][0] >> 32):
                        t, i, cust, times, created = spawns[k]
                        k += 1
                        j = Journey(cust, times, created)
                        if first[cust] == i:
                            self.customer_upserted(t, j)
                        else:
                            self.cart_updated(t, j, 0)
                    else:
                        key, fn, args = heapq.heappop(heap)
                        fn(key >> 32, *args)
                batch = out[:]
                out.clear()
            finally:
                if gc_was_on:
                    gc.enable()
            yield from batch

    # -- the plan: who shops when -----------------------------------------------------------

    def store_data(self) -> dict[str, Any]:
        return {
            "name": "Double 11 Flagship" if self.store == "d11" else self.store.capitalize(),
            "timezone": "Asia/Shanghai",
            "locale": "zh-CN",
            "default_region": "CN",
            "currency": "CNY",
            "quiet_hours": {"start": "21:00", "end": "09:00"},
            "sms_signature": "【D11】",
            "base_url": "https://d11.example",
            "merchant_contacts": [
                {"phone": "+8613900000011", "email": "ops@d11.example"},
                {"phone": "+8613900000012", "email": "cs@d11.example"},
            ],
            "sms_price": "0.05",
            "monthly_sms_budget": "100000.00",
        }

    def sample_time(self) -> int:
        """Seconds after midnight: ~35 % in the first hour (front-loaded), an evening bump."""
        rng = self.rng
        if rng.random() < 0.35:
            mean = 900.0
            u = rng.random()
            return int(-mean * math.log(1.0 - u * (1.0 - math.exp(-3600 / mean))))
        hour = 1 + rng.choices(range(23), cum_weights=HOUR_CUM)[0]
        return hour * HOUR + rng.randrange(HOUR)

    def chain(self, anchor: int, gap_lo: int, gap_hi: int) -> tuple[int, tuple[int, ...]]:
        """Upsert time and cart update times ending ``gap`` before ``anchor``."""
        rng = self.rng
        n_upd = rng.choices((1, 2, 3), (45, 35, 20))[0]
        gap = rng.randint(gap_lo, gap_hi) if gap_hi else 0
        spacings = [rng.randint(30, 900) for _ in range(n_upd - 1)]
        lead = rng.randint(10, 600)
        total = gap + sum(spacings) + lead
        if anchor - total < EARLIEST_SHOPPER:  # squeeze into the time after store.upserted
            f = (anchor - EARLIEST_SHOPPER) / total
            gap = max(1, int(gap * f)) if gap else 0
            spacings = [max(1, int(s * f)) for s in spacings]
            lead = max(1, int(lead * f))
        t = anchor - gap
        times = [t]
        for s in reversed(spacings):
            t -= s
            times.append(t)
        times.reverse()
        return times[0] - lead, tuple(times)

    def plan(self) -> None:
        rng = self.rng
        n_orders = self.orders
        n_abandoned = round(n_orders * 45 / 55)
        n_buyers = round(n_orders * 0.7)
        n_customers = max(round(n_orders * 0.8), n_buyers, 1 if n_abandoned else 0)
        buyers = list(range(n_buyers))
        order_cust = buyers + [rng.randrange(n_buyers) for _ in range(n_orders - n_buyers)]
        rng.shuffle(order_cust)
        cart_only = list(range(n_buyers, n_customers))
        ab_cust = cart_only[:n_abandoned] + [
            rng.randrange(n_customers) for _ in range(n_abandoned - len(cart_only))
        ]
        rng.shuffle(ab_cust)

        plans: list[tuple[int, int, tuple[int, ...], int]] = []  # (upsert, cust, times, created)
        for cust in order_cust:
            created = self.sample_time()
            upsert, times = self.chain(created, 2 * MIN, 50 * MIN)
            plans.append((upsert, cust, times, created))
        for cust in ab_cust:
            last = self.sample_time()
            upsert, times = self.chain(last, 0, 0)
            plans.append((upsert, cust, times, -1))

        first: dict[int, int] = {}  # customer -> index of the journey with the earliest cart
        for i, (_, cust, times, _) in enumerate(plans):
            j = first.get(cust)
            if j is None or times[0] < plans[j][2][0]:
                first[cust] = i
        self.phones = [""] * n_customers
        self.locales = ["zh-CN"] * n_customers
        self.first = first
        self.spawns = sorted(
            (upsert if first[cust] == i else times[0], i, cust, times, created)
            for i, (upsert, cust, times, created) in enumerate(plans)
        )

    # -- customers and carts ----------------------------------------------------------------

    def customer_upserted(self, t: int, j: Journey) -> None:
        rng = self.rng
        c = j.cust
        r = rng.random()
        if r < 0.01:
            phone = "+86" + str(rng.randint(1, 99999))  # deliberately invalid
        else:
            # unique: a fixed permutation of the customer index over 8 digits
            phone = "+86" + rng.choice(CN_MOBILE_PREFIXES) + f"{(c * 7919 + 1234567) % 10**8:08d}"
        r = rng.random()
        data: dict[str, Any] = {"customer_id": f"c{c + 1:07d}", "phone": phone}
        if r < 0.025:
            locale = "en"
            data["name"] = rng.choice(EN_NAMES)
        elif r < 0.04:
            locale = "ru"
            data["name"] = rng.choice(RU_NAMES)
            data["timezone"] = "Europe/Moscow"
        else:
            locale = "zh-CN"
            data["name"] = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2)))
        data["locale"] = locale
        if rng.random() < 0.3:
            data["email"] = f"c{c + 1}@mail.example"
        if rng.random() < 0.2:
            data["birthday"] = f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        r = rng.random()
        if r < 0.60:
            data["sms_consent"] = True
        elif r < 0.63:
            data["sms_consent"] = False
        if rng.random() < 0.05:
            data["tags"] = ["vip"]
        self.phones[c] = phone
        self.locales[c] = locale
        self.emit(t, "customer.upserted", data)
        self.at(j.times[0], self.cart_updated, j, 0)

    def render_items(self, items: list[list[int]]) -> list[dict[str, Any]]:
        cat = self.catalog
        return [
            {"sku": cat[k][0], "name": cat[k][1], "qty": q, "price": money(cat[k][2])}
            for k, q in items
        ]

    def cart_updated(self, t: int, j: Journey, step: int) -> None:
        rng = self.rng
        items = j.items
        ncat = len(self.catalog)
        if step == 0:
            self.n_carts += 1
            j.cart_id = f"k{self.n_carts:07d}"
            items.extend([rng.randrange(ncat), 1] for _ in range(rng.choice((1, 1, 2))))
        else:
            r = rng.random()
            if r < 0.5 and len(items) < 3:
                items.append([rng.randrange(ncat), rng.choice((1, 1, 1, 2))])
            elif r < 0.8 or len(items) == 1:
                it = rng.choice(items)
                it[1] = min(3, it[1] + 1)
            else:
                items.pop(rng.randrange(len(items)))
        j.total = sum(self.catalog[k][2] * q for k, q in items)
        self.emit(
            t,
            "cart.updated",
            {
                "cart_id": j.cart_id,
                "customer_id": f"c{j.cust + 1:07d}",
                "items": self.render_items(items),
                "total": money(j.total),
                "currency": "CNY",
                "url": f"https://d11.example/cart/{j.cart_id}",
            },
        )
        if step + 1 < len(j.times):
            self.at(j.times[step + 1], self.cart_updated, j, step + 1)
        elif j.created >= 0:
            self.at(j.created, self.order_created, j)
        elif rng.random() < 0.15:  # abandoned, later emptied
            self.at(t + rng.randint(HOUR, 10 * HOUR), self.cart_emptied, j)

    def cart_emptied(self, t: int, j: Journey) -> None:
        self.emit(
            t,
            "cart.updated",
            {
                "cart_id": j.cart_id,
                "customer_id": f"c{j.cust + 1:07d}",
                "items": [],
                "total": "0.00",
                "currency": "CNY",
                "url": f"https://d11.example/cart/{j.cart_id}",
            },
        )

    # -- orders and payment -----------------------------------------------------------------

    def order_created(self, t: int, j: Journey) -> None:
        rng = self.rng
        self.n_orders += 1
        j.order_id = oid = f"o{self.n_orders:07d}"
        data: dict[str, Any] = {
            "order_id": oid,
            "customer_id": f"c{j.cust + 1:07d}",
            "cart_id": j.cart_id,
            "items": self.render_items(j.items),
            "total": money(j.total),
            "currency": "CNY",
        }
        if rng.random() < 0.05:
            j.payment = data["payment"] = "cod"
            data["status"] = "unpaid"
            self.at(t + self.ship_delay(), self.order_shipped, j)
        else:
            j.payment = data["payment"] = "prepaid"
            if rng.random() < 0.30:
                data["status"] = "paid"
                j.paid = True
                self.at(t + self.ship_delay(), self.order_shipped, j)
            else:
                data["status"] = "unpaid"
                data["pay_url"] = f"https://d11.example/pay/{oid}"
                data["auto_close_at"] = ts(t + DAY_S)
                if rng.random() < 0.10:  # slow payers
                    if rng.random() < 0.5:
                        self.at(t + rng.randint(3 * HOUR, 20 * HOUR), self.order_paid, j)
                    else:
                        self.at(t + DAY_S, self.order_cancelled, j)
                else:
                    self.at(t + rng.randint(MIN, 25 * MIN), self.order_paid, j)
        if rng.random() < 0.08:
            data["coupon_code"] = "D11-" + "".join(rng.choices(COUPON_ALPHABET, k=6))
        self.emit(t, "order.created", data)
        if rng.random() < 0.10:
            self.n_convs += 1
            j.conv = f"chat{self.n_convs:07d}"
            self.at(t + rng.randint(MIN, 20 * HOUR), self.chat_in, j, rng.randint(1, 3))
        if rng.random() < 0.005:
            self.at(t + rng.randint(5 * MIN, 10 * HOUR), self.inbound_sms, j.cust)

    def ship_delay(self) -> int:
        return int(self.rng.triangular(30 * MIN, 20 * HOUR, 4 * HOUR))

    def order_paid(self, t: int, j: Journey) -> None:
        j.paid = True
        self.emit(t, "order.paid", {"order_id": j.order_id, "amount": money(j.total)})
        self.at(t + self.ship_delay(), self.order_shipped, j)

    def order_cancelled(self, t: int, j: Journey) -> None:
        self.emit(t, "order.cancelled", {"order_id": j.order_id, "reason": "closed_unpaid"})

    # -- shipping ---------------------------------------------------------------------------

    def tracking_number(self, carrier: str) -> str:
        rng = self.rng
        if carrier == "SF":
            return f"SF{rng.randrange(10**12, 10**13)}"
        if carrier == "ZTO":
            return f"7{rng.randrange(10**11, 10**12)}"
        if carrier == "YTO":
            return f"YT{rng.randrange(10**12, 10**13)}"
        return f"JD{rng.randrange(10**12, 10**13)}"

    def order_shipped(self, t: int, j: Journey) -> None:
        rng = self.rng
        carrier = rng.choices(range(len(CARRIERS)), CARRIER_WEIGHTS)[0]
        splittable = len(j.items) > 1 or j.items[0][1] > 1
        count = 2 if splittable and rng.random() < 0.05 else 1
        if count == 1:
            self.ship_package(t, j, carrier, 1, 1, None)
            return
        if len(j.items) > 1:
            parts = [j.items[:1], j.items[1:]]
        else:
            k, q = j.items[0]
            parts = [[[k, 1]], [[k, q - 1]]]
        self.ship_package(t, j, carrier, 1, 2, parts[0])
        self.at(t + rng.randint(5 * MIN, 6 * HOUR), self.ship_second, j, carrier, parts[1])

    def ship_second(self, t: int, j: Journey, carrier: int, items: list[list[int]]) -> None:
        self.ship_package(t, j, carrier, 2, 2, items)

    def ship_package(
        self,
        t: int,
        j: Journey,
        carrier: int,
        index: int,
        count: int,
        items: list[list[int]] | None,
    ) -> None:
        rng = self.rng
        self.n_ships += 1
        code = CARRIERS[carrier][0]
        s = Shipment(j, f"s{self.n_ships:07d}", carrier, self.tracking_number(code), index)
        data: dict[str, Any] = {
            "order_id": j.order_id,
            "shipment_id": s.sid,
            "carrier": code,
            "tracking_number": s.tracking,
        }
        if count > 1:
            data["package_index"] = index
            data["package_count"] = count
            data["items"] = self.render_items(items or [])
        self.emit(t, "order.shipped", data)

        r = rng.random()
        if r < 0.85:
            n_transit = rng.randint(1, 3)
            plan = ["in_transit"] * n_transit + ["out_for_delivery", "delivered"]
        elif r < 0.95:
            n_transit = rng.randint(1, 2)
            plan = ["in_transit"] * n_transit + ["out_for_delivery", "available_for_pickup"]
            if rng.random() < 0.7:
                plan.append("picked_up")
        elif r < 0.98:
            n_transit = rng.randint(1, 2)
            plan = ["in_transit"] * n_transit + ["out_for_delivery", "failed_attempt"]
            if rng.random() < 0.5:
                plan.append("delivered")
        else:
            n_transit = rng.randint(2, 3)
            plan = ["in_transit"] * n_transit + ["exception"]
        s.plan = ["info_received", *plan]
        s.dest = rng.choice(CITIES)
        s.hub_path = [rng.choice(WAREHOUSES)[0], *rng.sample(HUBS, 2)]
        self.at(t + rng.randint(0, 10 * MIN), self.checkpoint, s, 0)

    def checkpoint(self, t: int, s: Shipment, step: int) -> None:
        rng = self.rng
        status = s.plan[step]
        code, cname = CARRIERS[s.carrier]
        dest = "".join(s.dest)
        data: dict[str, Any] = {
            "shipment_id": s.sid,
            "order_id": s.journey.order_id,
            "carrier": code,
            "tracking_number": s.tracking,
            "status": status,
        }
        n_transit_before = s.plan[:step].count("in_transit")
        if status == "info_received":
            loc = s.hub_path[0]
            msg = f"商家已发货，{cname}已收到电子面单信息，等待揽收"
        elif status == "in_transit":
            if n_transit_before == 0:
                loc = s.hub_path[0]
                msg = f"【{loc}】{cname} 已揽收"
                data["substatus"] = "picked_up_by_carrier"
            elif n_transit_before == 1:
                loc = s.hub_path[1]
                msg = f"快件已到达【{loc}】，正在分拣"
            else:
                loc = s.hub_path[2]
                msg = f"快件已从【{loc}】发出，下一站【{dest}】"
        elif status == "out_for_delivery":
            loc = dest
            phone = f"1{rng.randint(30, 99)}****{rng.randint(0, 9999):04d}"
            msg = f"【{dest}】快递员{rng.choice(SURNAMES)}师傅（{phone}）正在为您派件"
        elif status == "delivered":
            loc = dest
            msg = f"您的快件已签收，签收人：本人。感谢使用{cname}"
        elif status == "picked_up":
            data["status"] = "delivered"
            data["substatus"] = "picked_up"
            loc = dest
            msg = "您的快件已取出，感谢使用"
        elif status == "available_for_pickup":
            loc = dest
            point = f"{rng.choice(PICKUP_POINTS)}（{rng.choice(STREETS)}{rng.randint(1, 30)}号店）"
            pcode = f"{rng.randint(1, 9)}-{rng.randint(1, 6)}-{rng.randint(1000, 9999)}"
            data["pickup"] = {
                "point": point,
                "address": f"{dest}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                "code": pcode,
                "storage_until": ts(t + rng.randint(3, 7) * DAY_S),
            }
            msg = f"您的快件已存放至【{point}】，请凭取件码{pcode}及时取件"
        elif status == "failed_attempt":
            loc = dest
            data["substatus"] = "recipient_unreachable"
            msg = "派送不成功：收件人电话无人接听，快递员将再次派送"
        else:  # exception
            sub, msg = rng.choice(EXCEPTIONS)
            data["substatus"] = sub
            loc = s.hub_path[min(n_transit_before, 2)]
        data["location"] = loc
        data["message"] = msg
        self.emit(t, "shipment.checkpoint", data)

        if step + 1 < len(s.plan):
            nxt = s.plan[step + 1]
            if nxt == "in_transit":
                dt = rng.randint(HOUR, 8 * HOUR) if step == 0 else rng.randint(3 * HOUR, 14 * HOUR)
                self.at(t + dt, self.checkpoint, s, step + 1)
            elif nxt == "exception":
                self.at(t + rng.randint(2 * HOUR, 20 * HOUR), self.checkpoint, s, step + 1)
            else:
                if nxt == "out_for_delivery":
                    dt = rng.randint(4 * HOUR, 16 * HOUR)
                elif nxt == "picked_up":
                    dt = rng.randint(HOUR, 60 * HOUR)
                elif status == "failed_attempt":
                    dt = rng.randint(18 * HOUR, 30 * HOUR)
                else:
                    dt = rng.randint(30 * MIN, 6 * HOUR)
                self.at(daytime(t + dt, rng), self.checkpoint, s, step + 1)
        elif status in ("delivered", "picked_up"):
            self.after_delivery(t, s.journey)
        elif status == "exception" and rng.random() < 0.10:
            self.open_dispute(t, s.journey)

    # -- after the sale ---------------------------------------------------------------------

    def after_delivery(self, t: int, j: Journey) -> None:
        if j.delivered:  # second package of the same order
            return
        j.delivered = True
        rng = self.rng
        if rng.random() < 0.15:
            self.at(t + rng.randint(HOUR, 48 * HOUR), self.review_posted, j)
        if rng.random() < 0.033:
            self.at(t + rng.randint(HOUR, 48 * HOUR), self.aftersale_opened, j)
        if rng.random() < 0.003:
            self.open_dispute(t, j)

    def review_posted(self, t: int, j: Journey) -> None:
        rng = self.rng
        self.n_reviews += 1
        rid = f"r{self.n_reviews:07d}"
        rating = rng.choices((1, 2, 3, 4, 5), RATING_WEIGHTS)[0]
        data = {
            "review_id": rid,
            "order_id": j.order_id,
            "customer_id": f"c{j.cust + 1:07d}",
            "rating": rating,
            "text": rng.choice(REVIEW_TEXTS[rating]),
            "sku": self.catalog[j.items[0][0]][0],
        }
        self.emit(t, "review.posted", data)
        if rng.random() < 0.01:
            self.at(t + rng.randint(HOUR, 72 * HOUR), self.review_deleted, rid)

    def review_deleted(self, t: int, rid: str) -> None:
        by = self.rng.choice(("platform", "customer"))
        self.emit(t, "review.deleted", {"review_id": rid, "by": by})

    def aftersale_opened(self, t: int, j: Journey) -> None:
        rng = self.rng
        self.n_tickets += 1
        tid = f"as{self.n_tickets:07d}"
        kind = rng.choices(AFTERSALE_KINDS, AFTERSALE_KIND_WEIGHTS)[0]
        self.emit(
            t,
            "aftersale.opened",
            {
                "ticket_id": tid,
                "order_id": j.order_id,
                "customer_id": f"c{j.cust + 1:07d}",
                "kind": kind,
                "reason": rng.choice(AFTERSALE_REASONS),
            },
        )
        if rng.random() < 0.85:
            self.at(t + rng.randint(2 * HOUR, 72 * HOUR), self.aftersale_resolved, tid, kind)

    def aftersale_resolved(self, t: int, tid: str, kind: str) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.08:
            outcome = "rejected"
        elif r < 0.14:
            outcome = "withdrawn"
        else:
            outcome = AFTERSALE_OUTCOMES[kind]
        data: dict[str, Any] = {"ticket_id": tid, "outcome": outcome}
        if rng.random() < 0.9:
            data["satisfied"] = rng.random() < (0.25 if outcome == "rejected" else 0.8)
        self.emit(t, "aftersale.resolved", data)

    def open_dispute(self, t: int, j: Journey) -> None:
        if j.dispute_done:
            return
        j.dispute_done = True
        rng = self.rng
        self.at(t + rng.randint(HOUR, 24 * HOUR), self.dispute_opened, j)

    def dispute_opened(self, t: int, j: Journey) -> None:
        rng = self.rng
        self.n_disputes += 1
        did = f"d{self.n_disputes:06d}"
        self.emit(t, "dispute.opened", {"dispute_id": did, "order_id": j.order_id})
        if rng.random() < 0.8:
            self.at(t + rng.randint(6 * HOUR, 72 * HOUR), self.dispute_closed, did)

    def dispute_closed(self, t: int, did: str) -> None:
        outcome = self.rng.choice(("buyer_won", "seller_won", "withdrawn", "settled"))
        self.emit(t, "dispute.closed", {"dispute_id": did, "outcome": outcome})

    # -- conversations and SMS replies ------------------------------------------------------

    def chat_in(self, t: int, j: Journey, rounds: int) -> None:
        rng = self.rng
        self.emit(
            t,
            "chat.message",
            {
                "conversation_id": j.conv,
                "customer_id": f"c{j.cust + 1:07d}",
                "direction": "inbound",
                "text": rng.choice(CHAT_IN),
            },
        )
        self.at(t + rng.randint(5, 120), self.chat_out, j, rounds - 1)

    def chat_out(self, t: int, j: Journey, rounds_left: int) -> None:
        rng = self.rng
        bot = rng.random() < 0.55
        self.emit(
            t,
            "chat.message",
            {
                "conversation_id": j.conv,
                "customer_id": f"c{j.cust + 1:07d}",
                "direction": "outbound",
                "responder": "bot" if bot else "human",
                "text": rng.choice(CHAT_OUT_BOT if bot else CHAT_OUT_HUMAN),
            },
        )
        if rounds_left > 0:
            self.at(t + rng.randint(30, 600), self.chat_in, j, rounds_left)

    def inbound_sms(self, t: int, cust: int) -> None:
        rng = self.rng
        text = rng.choices(("STOP", "退订", "HELP", "START"), (35, 35, 20, 10))[0]
        self.emit(t, "message.inbound", {"from": self.phones[cust], "text": text})
        if text in ("STOP", "退订") and rng.random() < 0.15:
            self.at(t + rng.randint(HOUR, 20 * HOUR), self.inbound_start, cust)

    def inbound_start(self, t: int, cust: int) -> None:
        self.emit(t, "message.inbound", {"from": self.phones[cust], "text": "START"})


def _shuffled(lines: Iterator[str], seed: int, share: float = 0.02) -> Iterator[str]:
    """Hold back about ``share`` of the lines (never the first) by 1-50 lines."""
    rng = random.Random(seed * 1_000_003 + 17)
    held: list[tuple[int, str]] = []
    n = 0
    for line in lines:
        n += 1
        if n > 1 and rng.random() < share:
            held.append((n + rng.randint(1, 50), line))
            continue
        yield line
        if held and held[0][0] <= n:
            keep = []
            for due, h in held:
                if due <= n:
                    yield h
                else:
                    keep.append((due, h))
            held = keep
    for _, h in held:
        yield h


def generate(orders: int, seed: int, store: str = "d11") -> Iterator[str]:
    """Yield the day's events as JSON lines (without newline), deterministic for ``seed``."""
    return _shuffled(_Sim(orders, seed, store).lines(), seed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a synthetic Double 11 day as JSONL events.")
    ap.add_argument("--orders", type=int, default=100_000, help="orders (default 100000)")
    ap.add_argument("--seed", type=int, default=11, help="random seed (default 11)")
    ap.add_argument("--out", default="-", help="output file, '-' for stdout (default)")
    ap.add_argument("--store", default="d11", help="store id (default d11)")
    args = ap.parse_args(argv)
    if args.orders < 0:
        ap.error("--orders must be >= 0")
    if not STORE_RE.fullmatch(args.store):
        ap.error(f"invalid store id {args.store!r}")

    started = time.perf_counter()
    sim = _Sim(args.orders, args.seed, args.store)
    lines = _shuffled(sim.lines(), args.seed)
    if args.out == "-":
        out = sys.stdout
        if hasattr(out, "reconfigure"):
            out.reconfigure(encoding="utf-8")
        out.writelines(line + "\n" for line in lines)
        out.flush()
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in lines)
    elapsed = time.perf_counter() - started

    width = max((len(k) for k in sim.counts), default=5)
    for etype, n in sorted(sim.counts.items()):
        print(f"{etype:<{width}} {n:>9}", file=sys.stderr)
    print(f"{'total':<{width}} {sim.n_events:>9}", file=sys.stderr)
    print(
        f"{args.orders} orders, {sim.n_events} events in {elapsed:.1f}s "
        f"({sim.n_events / max(args.orders, 1):.1f} events/order)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
