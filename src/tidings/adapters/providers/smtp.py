"""Email over SMTP: one connection kept open across sends, and opened again when it dropped.

    build_email(out)  ─►  MAIL / RCPT / DATA on the open connection  ─►  Accepted((Message-ID,))
        (pure)

How smtplib's errors are sorted (`classify`):

    SMTPServerDisconnected            a kept connection: a new one and one more try; else Transient
    SMTPAuthenticationError           Permanent (a 4xx answer to AUTH: Transient)
    a refused MAIL, RCPT or DATA      4xx Transient, 5xx Permanent: "550 5.1.1 no such user"
    SMTPNotSupportedError             Permanent (no STARTTLS, AUTH or SMTPUTF8 where it is needed)
    OSError: refused, timed out, TLS  Transient

A provider holds one connection: use it from one thread at a time.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from ssl import create_default_context

from tidings.adapters.redact import scrub
from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply, mask
from tidings.domain.errors import Permanent, ProviderError, Transient
from tidings.domain.times import require_aware

log = logging.getLogger(__name__)

# CRLF lines, and bodies that are not ASCII go as base64 or quoted-printable: no server has to
# take 8-bit data.
POLICY = SMTP_POLICY.clone(cte_type="7bit")
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def build_email(out: Outgoing, default_sender: str, *, at: datetime | None = None) -> EmailMessage:
    """The email for `out`: a text part and an HTML part, as `multipart/alternative`.

    `at` is its Date (now when not given); the Message-ID is made from tidings' message id, so
    a message handed over twice is the same email twice.
    """
    sender = out.sender or default_sender
    if not sender:
        raise Permanent("no sender: neither the message nor the provider names a From address")
    when = datetime.now(UTC) if at is None else require_aware(at, "an email's Date")
    mail = EmailMessage(policy=POLICY)
    try:
        mail["From"] = sender
        mail["To"] = out.to
        mail["Subject"] = " ".join(out.subject.split())  # one line, whatever the template made
        if out.unsubscribe:
            mail["List-Unsubscribe"] = f"<{out.unsubscribe}>"
            mail["List-Unsubscribe-Post"] = ONE_CLICK
    except ValueError as exc:  # a line break in an address or a URL: no header can carry it
        raise Permanent(f"the email cannot be built: {scrub(str(exc))}") from exc
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = message_id_header(out.message_id, sender)
    mail.set_content(out.body)
    html_part = out.html if out.html is not None else html_from_text(out.body)
    mail.add_alternative(html_part, subtype="html")
    return mail


def message_id_header(message_id: str, sender: str) -> str:
    """`<msg_…@shop.example>`: tidings' id at the sender's domain (`tidings` without one)."""
    local = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in message_id)
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    if not at or not _DOMAIN.fullmatch(domain):
        domain = "tidings"
    return f"<{local.strip('.') or 'message'}@{domain}>"


def html_from_text(text: str) -> str:
    """The plain text as a small HTML document: one paragraph, its line breaks kept."""
    lines = "<br>\n".join(html.escape(line) for line in text.splitlines())
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f"<body><p>{lines}</p></body></html>\n"
    )


def classify(exc: smtplib.SMTPException | OSError) -> ProviderError:
    """A failed SMTP exchange as `Transient` or `Permanent`, carrying the server's words."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (-1, b"every recipient refused"))
        return _by_code(code, text)
    if isinstance(exc, smtplib.SMTPAuthenticationError) and not 400 <= exc.smtp_code < 500:
        return Permanent(f"authentication failed: {_reply(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Permanent(f"the server does not offer it: {scrub(str(exc))}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Transient(f"the server closed the connection: {scrub(str(exc))}")
    return Transient(f"{type(exc).__name__}: {scrub(str(exc)) or 'no detail'}")


def _by_code(code: int, text: bytes | str) -> ProviderError:
    reply = _reply(code, text)
    return Permanent(reply) if 500 <= code < 600 else Transient(reply)


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    return scrub(f"{code} {' '.join(words.split())}")


class SmtpProvider:
    """A `Provider` that sends email through one SMTP server (a relay or a submission port)."""

    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        sender: str = "",
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        ssl: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.host, self.port = host, port
        self.sender = sender
        self.username = username
        self._password = password
        self.starttls, self.ssl = starttls, ssl
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None

    def send(self, out: Outgoing) -> Accepted:
        """Hand the email to the server; its Message-ID, or `Transient` / `Permanent`."""
        mail = build_email(out, self.sender)
        try:
            self._hand_over(mail)
        except (smtplib.SMTPException, OSError) as exc:
            self._forget_if_closed()
            raise classify(exc) from exc  # the dispatcher records it and logs it, once
        ref = str(mail["Message-ID"])
        log.info("%s: %s to %s accepted as %s", self.name, out.message_id, mask(out.to), ref)
        return Accepted(refs=(ref,))

    def _hand_over(self, mail: EmailMessage) -> None:
        """Send on the open connection; one that dropped since the last send is opened again
        and the email tried once more (a new connection that drops is not tried again)."""
        kept = self._is_open()
        try:
            self._open().send_message(mail)
        except smtplib.SMTPServerDisconnected:
            if not kept:
                raise
            log.info("%s: the connection to %s dropped; opening another", self.name, self.host)
            self._forget_if_closed(always=True)
            self._open().send_message(mail)

    def _is_open(self) -> bool:
        return self._connection is not None and self._connection.sock is not None

    def _open(self) -> smtplib.SMTP:
        """The open connection, or a new one: greeted, secured and logged in as configured."""
        if self._connection is not None and self._connection.sock is not None:
            return self._connection
        context = create_default_context()
        if self.ssl:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo_or_helo_if_needed()
            if self.starttls:
                connection.starttls(context=context)
                connection.ehlo_or_helo_if_needed()
            if self.username:
                connection.login(self.username, self._password or "")
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _forget_if_closed(self, *, always: bool = False) -> None:
        connection = self._connection
        if connection is not None and (always or connection.sock is None):
            connection.close()
            self._connection = None

    def poll(self, handle: Callable[[Receipt | Reply], None]) -> None:
        """Nothing to poll: bounces come back as email, to the sender's mailbox."""

    def close(self) -> None:
        """Say QUIT and close the connection, quietly if it is already gone."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            connection.close()
