"""sfclean: clean, dedupe and safely load contacts and leads into Salesforce."""

from __future__ import annotations

from sfclean.errors import (
    ApiError,
    AuthError,
    ColumnNotFoundError,
    ConfigError,
    ConnectionFailed,
    InputError,
    OrgError,
    SfcleanError,
)
from sfclean.io import read_csv, read_sdl_mapping
from sfclean.salesforce import Connection, connect

__all__ = [
    "ApiError",
    "AuthError",
    "ColumnNotFoundError",
    "ConfigError",
    "Connection",
    "ConnectionFailed",
    "InputError",
    "OrgError",
    "SfcleanError",
    "connect",
    "read_csv",
    "read_sdl_mapping",
]
