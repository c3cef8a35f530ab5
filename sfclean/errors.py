"""Exceptions raised by sfclean when a stage cannot run.

Data problems (a bad email, a duplicate row) are never exceptions: they are rows in a
result's ``rejected`` and ``findings`` tables. An exception means the stage could not run at
all, and its message says what happened and what to do next, in one line, without secrets
or lists of emails.

    SfcleanError
     ├── InputError            the input file or DataFrame cannot be used
     │    └── ColumnNotFoundError   a required column is missing or ambiguous
     ├── ConfigError           an option, mapping file or seed/config file is invalid
     ├── RunLocked             another run holds the --out directory or the org and object
     ├── WriteError            the journal or an output could not be written (disk full, ...)
     └── OrgError              talking to a Salesforce org failed
          ├── AuthError             bad credentials, or a session that expired
          ├── ConnectionFailed      the org could not be reached
          ├── ApiError              the org answered with an error (error code, HTTP status, URL)
          ├── BudgetExceeded        a run would use more of the org's daily API calls than allowed
          └── LoadTimeout           Bulk batches were still running when the load's timeout ran out
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "ApiError",
    "AuthError",
    "BudgetExceeded",
    "ColumnNotFoundError",
    "ConfigError",
    "ConnectionFailed",
    "InputError",
    "LoadTimeout",
    "OrgError",
    "RunLocked",
    "SfcleanError",
    "WriteError",
]


class SfcleanError(Exception):
    """Base class: a stage of sfclean could not run."""


class InputError(SfcleanError):
    """The input file or DataFrame cannot be used (encoding, shape, missing data)."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ColumnNotFoundError(InputError):
    """A column the stage needs is missing; ``columns`` lists the columns that were found."""

    def __init__(
        self, message: str, *, columns: list[str] | None = None, path: str | None = None
    ) -> None:
        super().__init__(message, path=path)
        self.columns = list(columns or [])


class ConfigError(SfcleanError):
    """An option, a mapping file or a configuration file is invalid."""


class RunLocked(SfcleanError):
    """Another ``sfclean run`` on this machine holds the lock of the same ``--out`` directory,
    or of the same org and object; ``holder`` describes it (pid, host, start, ``--out``)."""

    def __init__(self, message: str, *, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


class WriteError(SfcleanError):
    """The journal or an output file could not be written (disk full, read-only, no access).

    ``path`` is the file or directory. The message says what to do; the journal is left so
    that a rerun of the same command resumes.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class OrgError(SfcleanError):
    """Talking to a Salesforce org failed."""


class AuthError(OrgError):
    """The org refused the credentials, or the session expired and could not be renewed."""


class ConnectionFailed(OrgError):
    """The org could not be reached (DNS, TLS, refused or dropped connection, timeout)."""


def _safe_url(url: str | None) -> str | None:
    """``url`` without credentials, query string or fragment: safe to show and to log.

    A query string may carry a session id (``frontdoor.jsp?sid=``), an OAuth token or SOQL
    with emails, and user info a password, so all of them go; the path stays.
    """
    if not url:
        return None
    parts = urlsplit(str(url))
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or None


class ApiError(OrgError):
    """The org answered with an error.

    ``error_code``: Salesforce's error code (``MALFORMED_QUERY``, ``InvalidJobState``, ...) or
    None; ``http_status``: the HTTP status of the answer, or None when there was none (a Bulk
    job that ended Failed); ``url``: the request's URL without query string or credentials
    (see :func:`_safe_url`; a session id or token never reaches it), or None.
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None = None,
        http_status: int | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.http_status = http_status
        self.url = _safe_url(url)


class BudgetExceeded(OrgError):
    """A run would use more API calls than the org has left today, minus the reserve.

    ``estimate`` is the run's estimated API calls, ``available`` what the check allowed.
    """

    def __init__(self, message: str, *, estimate: int, available: int) -> None:
        super().__init__(message)
        self.estimate = estimate
        self.available = available


class LoadTimeout(OrgError):
    """Bulk batches were still running when the load's overall timeout ran out.

    ``job_ids`` names the jobs left running; a rerun of ``sfclean run`` with the same input
    and output directory collects their results.
    """

    def __init__(self, message: str, *, job_ids: list[str] | None = None) -> None:
        super().__init__(message)
        self.job_ids = list(job_ids or [])
