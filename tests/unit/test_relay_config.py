"""The relays are configured as any provider and routed per store by platform."""

from __future__ import annotations

from tidings import bootstrap
from tidings.adapters.providers.jd_relay import JdRelayProvider
from tidings.adapters.providers.taobao_relay import TaobaoRelayProvider
from tidings.config import load_settings

FILE = """
[providers.tb]
type = "taobao_relay"
app_key = "12345678"
app_secret = "top-secret"
session = "6100a-session"
sign_name = "Acme旗舰店"

[providers.jd]
type = "jd_relay"
app_key = "JDAPPKEY01"
app_secret = "jos-secret"
access_token = "jd-token"
sign_name = "Acme京东店"
variable_limit = 20

[channels]
jd = "jd"

[stores.acme]
taobao = "tb"
"""


def test_a_file_gives_the_relays_their_routes_and_their_template_limits(tmp_path):
    path = tmp_path / "tidings.toml"
    path.write_text(FILE, encoding="utf-8")
    settings = load_settings(path)
    made = {n: bootstrap.make_provider(n, c) for n, c in settings.providers.items()}
    assert isinstance(made["tb"], TaobaoRelayProvider) and made["tb"].sign_name == "Acme旗舰店"
    assert isinstance(made["jd"], JdRelayProvider)
    routes = bootstrap._routes(settings)
    assert routes.provider("acme", "taobao") == "tb" and routes.provider("acme", "jd") == "jd"
    assert routes.provider("other", "taobao") == "file"  # a store without one: as any channel
    assert routes.provider("acme", "sms") == "file"
    assert routes.templated == {"tb": 35, "jd": 20}
    for provider in made.values():
        provider.close()
