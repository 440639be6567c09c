"""AfterShip, 17TRACK and kuaidi100: signatures, each status row, times in the store's zone."""

from __future__ import annotations

import hashlib

import pytest
from connector_kit import SECRET, SHANGHAI, aftership, datas, delivery, kuaidi100, sample, seventeen

from tidings.adapters.connectors import aftership as after_ship
from tidings.adapters.connectors import kuaidi100 as kd100
from tidings.adapters.connectors import seventeen_track


def _after(tag: str, subtag: str = ""):  # type: ignore[no-untyped-def]
    update = sample("aftership", "tracking_update.json")
    update["msg"]["checkpoints"][-1].update(tag=tag, subtag=subtag or f"{tag}_001")
    return after_ship.translate(delivery("aftership", aftership(update), SHANGHAI))


def test_aftership_signature_and_delivery_id():
    body, headers = aftership(sample("aftership", "tracking_update.json"))
    assert after_ship.verify(SECRET, body, headers)
    assert not after_ship.verify("wrong-secret", body, headers)
    assert not after_ship.verify(SECRET, body, {})
    assert after_ship.delivery_id(body, headers) == "94dadd60-ed26-46d0-aa52-3ced925a50ff"


def test_aftership_sample():
    [(kind, data)] = datas(_after("InTransit", "InTransit_001"))
    assert kind == "shipment.checkpoint"
    assert data == {
        "shipment_id": "aftership-usps-0000000000000000",
        "carrier": "usps",
        "tracking_number": "0000000000000000",
        "status": "in_transit",
        "substatus": "InTransit_001",
        "message": "Departed Shipping Partner Facility, USPS Awaiting Item",
    }


def test_aftership_time_without_offset_is_read_in_the_stores_zone():
    assert _after("InTransit").events[0]["occurred_at"] == "2021-01-14T00:52:00+08:00"


@pytest.mark.parametrize(
    ("tag", "status"),
    [("InfoReceived", "info_received"), ("InTransit", "in_transit"),
     ("OutForDelivery", "out_for_delivery"), ("AttemptFail", "failed_attempt"),
     ("AvailableForPickup", "available_for_pickup"), ("Delivered", "delivered"),
     ("Exception", "exception"), ("Pending", None), ("Expired", None)],
)  # fmt: skip
def test_aftership_tag(tag, status):
    found = _after(tag).events
    assert (found[0]["data"]["status"] if found else None) == status


@pytest.mark.parametrize(
    ("subtag", "status"),
    [("Exception_003", "returning"), ("Exception_010", "returning"),
     ("Exception_011", "returned"), ("Exception_004", "exception")],
)  # fmt: skip
def test_aftership_subtag(subtag, status):
    assert _after("Exception", subtag).events[0]["data"]["status"] == status


def _seventeen(status: str, sub: str | None):  # type: ignore[no-untyped-def]
    push = sample("17track", "tracking_updated.synthetic.json")
    push["data"]["track_info"]["latest_status"] = {"status": status, "sub_status": sub}
    return seventeen_track.translate(delivery("17track", seventeen(push), SHANGHAI))


def test_17track_signature_is_sha256_of_body_slash_key():
    assert seventeen_track.verify("hush", b'{"id":1}', {
        "sign": "1f88830cdd10249855f7b85b0069755b36b2caee316960c472b52013f61e0d6f"})  # fmt: skip
    body, headers = seventeen(sample("17track", "tracking_updated.synthetic.json"))
    assert seventeen_track.verify(SECRET, body, headers)
    assert not seventeen_track.verify("wrong-secret", body, headers)


def test_17track_sample():
    push = sample("17track", "tracking_updated.synthetic.json")
    translated = seventeen_track.translate(delivery("17track", seventeen(push), SHANGHAI))
    [(_, data)] = datas(translated)
    assert data == {"shipment_id": "17track-3011-RR123456789CN", "order_id": "ORDER-1001",
                    "carrier": "3011", "tracking_number": "RR123456789CN",
                    "status": "returning", "substatus": "Exception_Returning",
                    "location": "Shenzhen", "message": "Returned to sender"}  # fmt: skip
    assert translated.events[0]["occurred_at"] == "2024-01-15T10:30:00+08:00"


def test_17track_stopped_tells_nothing():
    push = sample("17track", "tracking_stopped.synthetic.json")
    assert seventeen_track.translate(delivery("17track", seventeen(push))).events == []


@pytest.mark.parametrize(
    ("status", "normalized"),
    [("InfoReceived", "info_received"), ("InTransit", "in_transit"),
     ("OutForDelivery", "out_for_delivery"), ("AvailableForPickup", "available_for_pickup"),
     ("DeliveryFailure", "failed_attempt"), ("Delivered", "delivered"),
     ("Exception", "exception"), ("NotFound", None), ("Expired", None)],
)  # fmt: skip
def test_17track_status(status, normalized):
    found = _seventeen(status, None).events
    assert (found[0]["data"]["status"] if found else None) == normalized


@pytest.mark.parametrize(
    ("sub", "status"),
    [("Exception_Returning", "returning"), ("Exception_Returned", "returned"),
     ("Exception_Rejected", "returning"), ("Exception_Other", "exception")],
)  # fmt: skip
def test_17track_sub_status(sub, status):
    assert _seventeen("Exception", sub).events[0]["data"]["status"] == status


def _kd(state: str, status_code: str | None = None):  # type: ignore[no-untyped-def]
    push = sample("kuaidi100", "push_param.synthetic.json")
    push["lastResult"]["state"] = state
    if status_code:
        push["lastResult"]["data"][0]["statusCode"] = status_code
    return kd100.translate(delivery("kuaidi100", kuaidi100(push), SHANGHAI))


def test_kuaidi100_sign_is_upper_md5_of_param_and_salt():
    body = b"param=%7B%22a%22%3A1%7D&sign=5FD32DF5C0C6E50D6C0D218A3BEE242C"
    assert kd100.verify("hush", body, {})
    assert not kd100.verify("other", body, {})
    assert not kd100.verify(
        "hush", b"param=%7B%22a%22%3A2%7D&sign=5FD32DF5C0C6E50D6C0D218A3BEE242C", {}
    )
    assert hashlib.md5(b'{"a":1}hush').hexdigest().upper() == "5FD32DF5C0C6E50D6C0D218A3BEE242C"


def test_kuaidi100_sample_and_its_answer():
    [(_, data)] = datas(_kd("5"))
    assert data == {"shipment_id": "kuaidi100-yuantong-YT9693083639795", "carrier": "yuantong",
                    "tracking_number": "YT9693083639795", "status": "out_for_delivery",
                    "substatus": "5", "location": "广东,深圳市",
                    "message": "[深圳市] 快件正在派送中"}  # fmt: skip
    assert _kd("5").events[0]["occurred_at"] == "2024-05-03T09:12:00+08:00"
    assert kd100.answer("failed") == (200, {"result": True, "returnCode": "200", "message": "成功"})


@pytest.mark.parametrize(
    ("state", "status"),
    [("0", "in_transit"), ("1", "in_transit"), ("2", "exception"), ("3", "delivered"),
     ("4", "returned"), ("5", "out_for_delivery"), ("6", "returning"), ("7", "in_transit"),
     ("8", "in_transit"), ("10", "in_transit"), ("11", "in_transit"), ("12", "in_transit"),
     ("13", "exception"), ("14", "returning"), ("101", "info_received"),
     ("102", "info_received"), ("103", "in_transit"), ("1001", "in_transit"),
     ("1002", "in_transit"), ("1003", "in_transit"), ("501", "available_for_pickup"),
     ("301", "delivered"), ("302", "delivered"), ("303", "delivered"), ("304", "delivered"),
     ("201", "exception"), ("202", "exception"), ("203", "returning"),
     ("204", "failed_attempt"), ("205", "exception"), ("206", "failed_attempt"),
     ("207", "exception"), ("208", "exception"), ("209", "exception"), ("401", "returned"),
     ("99", None)],
)  # fmt: skip
def test_kuaidi100_state(state, status):
    found = _kd(state).events
    assert (found[0]["data"]["status"] if found else None) == status


def test_kuaidi100_finer_status_code_wins_over_the_state():
    assert _kd("5", "501").events[0]["data"]["status"] == "available_for_pickup"
