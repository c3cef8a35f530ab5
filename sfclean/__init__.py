"""sfclean: clean, dedupe and safely load contacts and leads into Salesforce."""

from __future__ import annotations

from sfclean.budget import check_budget
from sfclean.cleaners.junk import JunkPolicy
from sfclean.columns import ColumnMap, find_columns
from sfclean.errors import (
    ApiError,
    AuthError,
    BudgetExceeded,
    ColumnNotFoundError,
    ConfigError,
    ConnectionFailed,
    InputError,
    OrgError,
    SfcleanError,
)
from sfclean.exclude import ExcludeResult, exclude
from sfclean.io import read_csv, read_sdl_mapping
from sfclean.normalize import normalize
from sfclean.report import NormalizeResult
from sfclean.salesforce import Connection, connect

__all__ = [
    "ApiError",
    "AuthError",
    "BudgetExceeded",
    "ColumnMap",
    "ColumnNotFoundError",
    "ConfigError",
    "Connection",
    "ConnectionFailed",
    "ExcludeResult",
    "InputError",
    "JunkPolicy",
    "NormalizeResult",
    "OrgError",
    "SfcleanError",
    "check_budget",
    "connect",
    "exclude",
    "find_columns",
    "normalize",
    "read_csv",
    "read_sdl_mapping",
]
