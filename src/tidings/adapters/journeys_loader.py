"""Journeys files (TOML) into the domain's catalogue; the built-in journeys ship as one."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from tidings.domain.catalogue import Catalogue, catalogue_from_dict
from tidings.domain.errors import InvalidJourney


def builtin() -> Catalogue:
    text = resources.files("tidings.journeys").joinpath("builtin.toml").read_text("utf-8")
    return catalogue_from_dict(tomllib.loads(text))


def load(path: Path) -> Catalogue:
    """Read a seller's journeys file; errors name the file."""
    try:
        return catalogue_from_dict(tomllib.loads(path.read_text("utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidJourney(f"{path}: {exc}") from None
    except InvalidJourney as exc:
        raise InvalidJourney(f"{path}: {exc}") from None


def catalogue(extra: Path | None = None) -> Catalogue:
    """The built-in journeys, with `extra` adding to or replacing them."""
    base = builtin()
    return base.merged(load(extra)) if extra else base
