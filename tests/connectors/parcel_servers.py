"""Russian Post's single-access tracking (SOAP 1.2) and Boxberry's json.php (POST) on loopback: each
checks a request as the carrier does (the envelope, the login and password, the token), keeps
per number a history the test may change between polls, and answers as scripted: a fault for
a number it does not know, 429 for a rate limit, a fault over the day's limit."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

LOGIN, PASSWORD, TOKEN = "acme-tracking", "rp-password-1", "bb-token-123"
SOAP = "http://www.w3.org/2003/05/soap-envelope"
DATA = "http://russianpost.org/operationhistory/data"
Op = tuple[int, int, str, str, str]  # type, attribute, time, post office index, its name


class _Fake(ThreadingHTTPServer):
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.histories: dict[str, list[Any]] = {}
        self.asked: list[str] = []  # every number asked, in order
        self.paths: list[str] = []  # every path asked, with its query
        self.limited = 0  # answer the next requests 429
        self.over_limit = False  # answer a fault: the day's limit is spent
        self.lock = threading.Lock()

    def __enter__(self) -> _Fake:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class RussianPost(_Fake):
    def __init__(self) -> None:
        super().__init__(_RussianPostHandler)


class Boxberry(_Fake):
    def __init__(self) -> None:
        super().__init__(_BoxberryHandler)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, body: bytes, kind: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _RussianPostHandler(_Handler):
    server: RussianPost

    def do_POST(self) -> None:
        if not self.headers.get("Content-Type", "").startswith("application/soap+xml"):
            return self._send(415, b"SOAP 1.2 only", "text/plain")
        request = ET.fromstring(self.rfile.read(int(self.headers["Content-Length"])))
        value = {e.tag.rsplit("}", 1)[-1]: (e.text or "") for e in request.iter()}
        with self.server.lock:
            if self.server.limited:
                self.server.limited -= 1
                return self._send(429, b"", "text/plain", **{"Retry-After": "1800"})
            if (value.get("login"), value.get("password")) != (LOGIN, PASSWORD):
                return self._fault(
                    "AuthorizationFault", "Ошибка авторизации: неверный логин или пароль"
                )
            if self.server.over_limit:
                return self._fault("OperationHistoryFault", "Превышен лимит запросов в сутки")
            number = value.get("Barcode", "")
            self.server.asked.append(number)
            if number not in self.server.histories:
                return self._fault("OperationHistoryFault", f"Отправление {number} не найдено")
            records = "".join(_record(number, op) for op in self.server.histories[number])
        body = (
            f'<S:Envelope xmlns:S="{SOAP}"><S:Body><ns7:getOperationHistoryResponse '
            f'xmlns:ns3="{DATA}" xmlns:ns7="http://russianpost.org/operationhistory">'
            f"<ns3:OperationHistoryData>{records}</ns3:OperationHistoryData>"
            "</ns7:getOperationHistoryResponse></S:Body></S:Envelope>"
        )
        self._send(200, body.encode(), "application/soap+xml; charset=utf-8")

    def _fault(self, kind: str, text: str) -> None:
        body = (
            f'<S:Envelope xmlns:S="{SOAP}"><S:Body><S:Fault><S:Code><S:Value>S:Sender'
            f"</S:Value></S:Code><S:Reason><S:Text>{escape(text)}</S:Text></S:Reason><S:Detail>"
            f'<ns3:{kind} xmlns:ns3="{DATA}">{escape(text)}</ns3:{kind}></S:Detail>'
            "</S:Fault></S:Body></S:Envelope>"
        )
        self._send(500, body.encode(), "application/soap+xml; charset=utf-8")


def _record(number: str, op: Op) -> str:
    kind, attr, at, index, name = op
    return (
        "<ns3:historyRecord><ns3:AddressParameters><ns3:DestinationAddress><ns3:Index>101000"
        "</ns3:Index><ns3:Description>Москва 1</ns3:Description><ns3:PhoneRecipient>"
        "+79161234567</ns3:PhoneRecipient></ns3:DestinationAddress><ns3:OperationAddress>"
        f"<ns3:Index>{index}</ns3:Index><ns3:Description>{escape(name)}</ns3:Description>"
        "</ns3:OperationAddress></ns3:AddressParameters><ns3:FinanceParameters><ns3:Payment>"
        "129000</ns3:Payment></ns3:FinanceParameters><ns3:ItemParameters><ns3:Barcode>"
        f"{number}</ns3:Barcode></ns3:ItemParameters><ns3:OperationParameters><ns3:OperType>"
        f"<ns3:Id>{kind}</ns3:Id><ns3:Name>Операция {kind}</ns3:Name></ns3:OperType>"
        f"<ns3:OperAttr><ns3:Id>{attr}</ns3:Id><ns3:Name>Атрибут {attr}</ns3:Name>"
        f"</ns3:OperAttr><ns3:OperDate>{at}</ns3:OperDate></ns3:OperationParameters>"
        "<ns3:UserParameters><ns3:Sndr>ООО АКМЕ</ns3:Sndr><ns3:Rcpn>ПЕТРОВ НИКОЛАЙ ИВАНОВИЧ"
        "</ns3:Rcpn></ns3:UserParameters></ns3:historyRecord>"
    )


class _BoxberryHandler(_Handler):
    server: Boxberry

    def do_POST(self) -> None:
        self.server.paths.append(self.path)
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            if self.server.limited:
                self.server.limited -= 1
                return self._send(429, b"", "text/plain", **{"Retry-After": "3600"})
            if query.get("token") != TOKEN:
                return self._json({"err": "Ошибка авторизации: неверный token"})
            if query.get("method") != "ListStatuses":
                return self._json({"err": "Неизвестный метод"})
            number = query.get("ImId", "")
            self.server.asked.append(number)
            statuses = self.server.histories.get(number)
        self._json(statuses if statuses is not None else [{"err": f"Посылка {number} не найдена"}])

    def _json(self, obj: Any) -> None:
        self._send(200, json.dumps(obj, ensure_ascii=False).encode(), "application/json")
