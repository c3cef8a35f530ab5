"""sfclean: clean, dedupe and safely load contacts and leads into Salesforce.

Public names are imported on first use (module ``__getattr__`` over ``_EXPORTS``), so
``import sfclean`` stays fast and a CLI command or ``sfclean.localorg`` pays only for what it
uses. Stage modules live in ``sfclean.stages`` and the pipeline in ``sfclean.pipeline``, so no
module shares its name with a public function. To add a public name: one line in ``_EXPORTS``, one under ``TYPE_CHECKING`` (for type
checkers), one in the sorted ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfclean.cleaners.junk import JunkPolicy
    from sfclean.codes import Code, code_registry
    from sfclean.columns import ColumnMap, find_columns
    from sfclean.errors import (
        ApiError,
        AuthError,
        BudgetExceeded,
        ColumnNotFoundError,
        ConfigError,
        ConnectionFailed,
        InputError,
        LoadTimeout,
        OrgError,
        RunLocked,
        SfcleanError,
        WriteError,
    )
    from sfclean.htmlreport import write_report_html
    from sfclean.io import read_csv, read_sdl_mapping
    from sfclean.pipeline import RunResult, run
    from sfclean.progress import TqdmProgress, tqdm_progress
    from sfclean.report import StageResult, Summary
    from sfclean.salesforce import Connection, connect
    from sfclean.stages.audit import AuditResult, audit
    from sfclean.stages.budget import check_budget
    from sfclean.stages.eai import EaiCheck, check_email_internationalization
    from sfclean.stages.exclude import ExcludeResult, exclude
    from sfclean.stages.load import LoadResult, estimate_load_calls, load
    from sfclean.stages.normalize import NormalizeResult, normalize
    from sfclean.stages.normalize_file import NormalizeFileResult, normalize_file
    from sfclean.stages.preflight import PreflightResult, preflight
    from sfclean.stages.scan import ScanResult, scan

__all__ = [
    "ApiError",
    "AuditResult",
    "AuthError",
    "BudgetExceeded",
    "Code",
    "ColumnMap",
    "ColumnNotFoundError",
    "ConfigError",
    "Connection",
    "ConnectionFailed",
    "EaiCheck",
    "ExcludeResult",
    "InputError",
    "JunkPolicy",
    "LoadResult",
    "LoadTimeout",
    "NormalizeFileResult",
    "NormalizeResult",
    "OrgError",
    "PreflightResult",
    "RunLocked",
    "RunResult",
    "ScanResult",
    "SfcleanError",
    "StageResult",
    "Summary",
    "TqdmProgress",
    "WriteError",
    "audit",
    "check_budget",
    "check_email_internationalization",
    "code_registry",
    "connect",
    "estimate_load_calls",
    "exclude",
    "find_columns",
    "load",
    "normalize",
    "normalize_file",
    "preflight",
    "read_csv",
    "read_sdl_mapping",
    "run",
    "scan",
    "tqdm_progress",
    "write_report_html",
]

#: public name -> the module that defines it
_EXPORTS = {
    "ApiError": "sfclean.errors",
    "AuditResult": "sfclean.stages.audit",
    "AuthError": "sfclean.errors",
    "BudgetExceeded": "sfclean.errors",
    "Code": "sfclean.codes",
    "ColumnMap": "sfclean.columns",
    "ColumnNotFoundError": "sfclean.errors",
    "ConfigError": "sfclean.errors",
    "Connection": "sfclean.salesforce",
    "ConnectionFailed": "sfclean.errors",
    "EaiCheck": "sfclean.stages.eai",
    "ExcludeResult": "sfclean.stages.exclude",
    "InputError": "sfclean.errors",
    "JunkPolicy": "sfclean.cleaners.junk",
    "LoadResult": "sfclean.stages.load",
    "LoadTimeout": "sfclean.errors",
    "NormalizeFileResult": "sfclean.stages.normalize_file",
    "NormalizeResult": "sfclean.stages.normalize",
    "OrgError": "sfclean.errors",
    "PreflightResult": "sfclean.stages.preflight",
    "RunLocked": "sfclean.errors",
    "RunResult": "sfclean.pipeline",
    "ScanResult": "sfclean.stages.scan",
    "SfcleanError": "sfclean.errors",
    "StageResult": "sfclean.report",
    "Summary": "sfclean.report",
    "TqdmProgress": "sfclean.progress",
    "WriteError": "sfclean.errors",
    "audit": "sfclean.stages.audit",
    "check_budget": "sfclean.stages.budget",
    "check_email_internationalization": "sfclean.stages.eai",
    "code_registry": "sfclean.codes",
    "connect": "sfclean.salesforce",
    "estimate_load_calls": "sfclean.stages.load",
    "exclude": "sfclean.stages.exclude",
    "find_columns": "sfclean.columns",
    "load": "sfclean.stages.load",
    "normalize": "sfclean.stages.normalize",
    "normalize_file": "sfclean.stages.normalize_file",
    "preflight": "sfclean.stages.preflight",
    "read_csv": "sfclean.io",
    "read_sdl_mapping": "sfclean.io",
    "run": "sfclean.pipeline",
    "scan": "sfclean.stages.scan",
    "tqdm_progress": "sfclean.progress",
    "write_report_html": "sfclean.htmlreport",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and cache the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sfclean' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
