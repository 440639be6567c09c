"""Settings: the environment over a TOML file over the defaults; providers built from them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tidings import bootstrap
from tidings.adapters.providers.file import FileProvider
from tidings.adapters.providers.http_sms import HttpSmsProvider
from tidings.adapters.providers.smpp import SmppProvider
from tidings.adapters.providers.smtp import SmtpProvider
from tidings.config import REPLAY_SECRET, Settings, load_settings

FILE = """
database_url = "from-file.db"
public_url = "https://notify.acme.example"

[providers.carrier]
type = "smpp"
host = "smsc.example.net"
port = 2775
system_id = "acme"
password = "secret"
rate = 50

[providers.twilio]
type = "http_sms"
base_url = "https://api.twilio.com"
account_sid = "AC1"
auth_token = "tok"
sender = "+15550100"

[providers.mail]
type = "smtp"
host = "smtp.example.net"
port = 587

[channels]
sms = "carrier"
email = "mail"

[stores.bolt]
sms = "twilio"
sms_sender = "BOLT"
"""


def test_a_file_gives_providers_and_routes_and_the_environment_wins(tmp_path, monkeypatch):
    path = tmp_path / "tidings.toml"
    path.write_text(FILE)
    monkeypatch.setenv("TIDINGS_DATABASE_URL", "from-env.db")
    monkeypatch.setenv("TIDINGS_CHANNELS__REVIEW_REPLY", "file")
    settings = load_settings(path)
    assert settings.database_url == "from-env.db"  # the environment over the file
    assert settings.public_url == "https://notify.acme.example"
    assert settings.channels == {"sms": "carrier", "email": "mail", "review_reply": "file"}
    assert settings.providers["carrier"].rate == 50
    assert settings.providers["carrier"].options["host"] == "smsc.example.net"
    made = {n: bootstrap.make_provider(n, c) for n, c in settings.providers.items()}
    assert isinstance(made["carrier"], SmppProvider) and made["carrier"].name == "carrier"
    assert isinstance(made["twilio"], HttpSmsProvider)
    assert isinstance(made["mail"], SmtpProvider)
    routes = bootstrap._routes(settings)
    assert (
        routes.provider("acme", "sms") == "carrier" and routes.provider("bolt", "sms") == "twilio"
    )
    assert (
        routes.sender("bolt", "sms") == "BOLT" and routes.provider("acme", "review_reply") == "file"
    )
    for provider in made.values():
        provider.close()


def test_no_configuration_at_all_is_the_embedded_default(monkeypatch, tmp_path):
    monkeypatch.delenv("TIDINGS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == "tidings.db" and settings.providers == {}
    app = bootstrap.build(settings, live=True)
    assert list(app.dispatcher.providers) == ["file"]
    assert isinstance(app.dispatcher.providers["file"], FileProvider)
    assert app.dispatcher.routes.provider("any", "sms") == "file"
    app.close()


def test_a_store_route_with_an_unknown_key_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[stores.acme]\nsmss = "carrier"\n')
    with pytest.raises(ValueError, match="smss"):
        load_settings(path)


def test_an_unknown_provider_type_is_refused():
    with pytest.raises(ValueError, match="type"):
        Settings(providers={"x": {"type": "pigeon"}})


@pytest.mark.parametrize("secret", ["change-me", "x" * 31, "密" * 10])  # 9, 31, 30 bytes
def test_a_configured_link_secret_shorter_than_32_bytes_is_refused(monkeypatch, secret):
    monkeypatch.setenv("TIDINGS_LINK_SECRET", secret)
    with pytest.raises(ValidationError, match="link_secret") as refused:
        load_settings()
    assert "at least 32 bytes" in str(refused.value)
    assert secret not in str(refused.value)  # the refused secret is not printed back


def test_a_link_secret_of_32_bytes_or_none_at_all_is_taken(monkeypatch):
    monkeypatch.delenv("TIDINGS_LINK_SECRET", raising=False)
    assert load_settings(link_secret="密" * 11).link_secret == "密" * 11  # 33 bytes
    assert load_settings(link_secret="x" * 32).link_secret == "x" * 32
    assert load_settings().link_secret == REPLAY_SECRET  # unset: see bootstrap._own_secret


def test_the_command_names_the_refused_setting_and_not_its_value(monkeypatch, capsys, tmp_path):
    from tidings.entrypoints.cli import main

    monkeypatch.setenv("TIDINGS_LINK_SECRET", "change-me")
    assert main(["keys", "create", "--store", "acme", "--db", str(tmp_path / "t.db")]) == 2
    said = capsys.readouterr().err
    assert said.startswith("tidings: settings: link_secret: ") and "32 bytes" in said
    assert "change-me" not in said and "Traceback" not in said
