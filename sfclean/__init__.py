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

__all__ = [
    "ApiError",
    "AuthError",
    "ColumnNotFoundError",
    "ConfigError",
    "ConnectionFailed",
    "InputError",
    "OrgError",
    "SfcleanError",
]
