"""The file provider's outbox on a real file: an erasure redacts the person's lines in place,
each to its own length, and nothing another writer appended meanwhile is lost."""

from __future__ import annotations

import json

from tidings.adapters.providers.file import FileProvider
from tidings.domain.delivery import Outgoing

PHONE, NAME = "+8613800138000", "王芳"


def _to(message_id: str, to: str = PHONE, body: str = f"{NAME}，您的包裹已发出") -> Outgoing:
    return Outgoing("acme", message_id, "sms", to, body, sender="Acme")


def test_erasure_redacts_the_lines_in_place_and_keeps_what_another_writer_appends(tmp_path):
    path = tmp_path / "outbox.jsonl"
    here, elsewhere = FileProvider("file", path), FileProvider("file", path)
    here.send(_to("m1"))
    elsewhere.send(_to("m2", to="+8613911110000", body="another shopper"))
    here.send(Outgoing("acme", "m3", "email", "wf@mail.example", "Hi", subject=NAME))
    size, before = path.stat().st_size, path.read_text().splitlines()

    assert here.erase({"m1", "m3"}) == 2
    elsewhere.send(_to("m4", to="+8613911110000", body="sent while the file was redacted"))

    lines = path.read_text().splitlines()
    assert path.stat().st_size > size and len(lines) == 4
    assert [len(line.encode()) for line in lines[:3]] == [len(b.encode()) for b in before]
    first, third = json.loads(lines[0]), json.loads(lines[2])
    assert (first["message_id"], first["to"], first["body"]) == ("m1", "erased", None)
    assert (third["channel"], third["to"], third["subject"]) == ("email", "erased", None)
    assert lines[1] == before[1] and json.loads(lines[3])["message_id"] == "m4"
    assert PHONE not in path.read_text() and NAME not in path.read_text()
    here.close()
    elsewhere.close()


def test_a_send_still_under_way_when_its_message_was_erased_is_written_redacted(tmp_path):
    path = tmp_path / "outbox.jsonl"
    provider = FileProvider("file", path)
    assert provider.erase({"m1"}) == 0  # no file yet
    provider.send(_to("m1"))
    (line,) = path.read_text().splitlines()
    assert json.loads(line)["to"] == "erased" and NAME not in line
    provider.close()
