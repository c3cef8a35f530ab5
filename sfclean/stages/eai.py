"""Email Address Internationalization (EAI): does the org take non-ASCII addresses, and does
normalize's ``internationalized`` option agree?

By default normalize holds back an address with a non-ASCII local part (``jürgen@x.de``) as
``email-not-ascii``, since a standard org refuses it with INVALID_EMAIL_ADDRESS, and writes
a Unicode domain in its ``xn--`` form; ``internationalized=True`` keeps both, as an org with
EAI turned on takes them. :func:`check_email_internationalization` asks the org which it is
(one Metadata API call, not counted as a data API call) and compares:

==================  ================  ==============================================
org's setting       the option        outcome (``EaiCheck.status``)
==================  ================  ==============================================
off                 on                ConfigError before anything is written: the
                                      org would refuse every non-ASCII row kept
on                  off               ``org-on``: a notice, with the rows held back as
                                      ``email-not-ascii`` that the org would take
off / on            off / on          ``matches``
cannot be read      either            ``unknown``: a notice that says why and that
                                      the option is taken as given (UNCONFIRMED)
==================  ================  ==============================================

:func:`sfclean.run` makes the check after the describe, before the journal and the budget,
whenever something depends on it (the option is on, or rows were held back as
``email-not-ascii``); otherwise the report says ``not-checked``.

Documented (Metadata API Developer Guide, EmailAdministrationSettings; Salesforce Help,
"Set Up Email Address Internationalization (EAI)"): the setting is Setup > Email Address
Internationalization > "Allow international email addresses", the Metadata API field
``EmailAdministrationSettings.enableInternationalEmailAddresses`` (API 49.0 and later; true
by default in orgs created in Summer '20 or later); readMetadata needs Modify All Data or
Modify Metadata Through Metadata API Functions. The settings component is read by the name
the Settings page gives it (the type without ``Settings``: ``EmailAdministration``); that a
real org answers this readMetadata as localorg does is UNCONFIRMED (not tried against one
here). When it cannot be read (no permission, an API version before 49.0, any other refusal)
the check says so and does not guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sfclean.codes import EMAIL_NOT_ASCII
from sfclean.errors import ApiError, ConfigError
from sfclean.report import REASON
from sfclean.salesforce import Connection, require_connection

if TYPE_CHECKING:
    from sfclean.stages.normalize import NormalizeResult

__all__ = [
    "EAI_FIELD",
    "EaiCheck",
    "EaiStatus",
    "OrgEai",
    "check_email_internationalization",
    "check_for_run",
    "not_checked",
    "read_email_internationalization",
]

EaiStatus = Literal["matches", "org-on", "unknown", "not-checked"]

SETTINGS_TYPE = "EmailAdministrationSettings"
SETTINGS_NAME = "EmailAdministration"
#: the Metadata API field that says whether EAI is on
EAI_FIELD = "enableInternationalEmailAddresses"
_WHERE = f"{SETTINGS_TYPE}.{EAI_FIELD}"
_SETUP = (
    "have an admin select Allow international email addresses in Setup > Email Address "
    "Internationalization"
)


@dataclass(frozen=True)
class OrgEai:
    """What the org said: ``enabled`` True / False, or None when it could not be read;
    ``detail`` says where it was read or why it could not be."""

    enabled: bool | None
    detail: str


@dataclass(frozen=True)
class EaiCheck:
    """The outcome of :func:`check_email_internationalization` (``report.json``'s
    ``email_internationalization``).

    ``internationalized``: the option. ``org``: the org's setting (None: unknown or not
    asked). ``status``: ``matches``, ``org-on``, ``unknown`` or ``not-checked``. ``rows``:
    the rows that depend on it (with the option: kept with a non-ASCII address; without:
    held back as ``email-not-ascii``). ``notice``: what to tell the user ("" when nothing).
    """

    internationalized: bool
    org: bool | None
    status: EaiStatus
    detail: str
    rows: int = 0
    notice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.internationalized,
            "org": {True: "on", False: "off", None: "unknown"}[self.org],
            "status": self.status,
            "detail": self.detail,
            "rows": self.rows,
            "notice": self.notice,
        }


def read_email_internationalization(conn: Connection) -> OrgEai:
    """Ask the org whether Email Address Internationalization is on (one readMetadata of
    EmailAdministrationSettings); ``enabled`` None, with the reason, when it cannot be read."""
    conn = require_connection(conn, caller="read_email_internationalization")
    try:
        records = conn.read_metadata(SETTINGS_TYPE, [SETTINGS_NAME])
    except ApiError as exc:
        code = exc.error_code or (f"HTTP {exc.http_status}" if exc.http_status else "an error")
        why = (
            "reading it needs Modify All Data or Modify Metadata Through Metadata API Functions"
            if exc.error_code == "INSUFFICIENT_ACCESS"
            else "the org refused the Metadata API call"
        )
        return OrgEai(None, f"{_WHERE} could not be read ({code}): {why}")
    value = next((r.get(EAI_FIELD) for r in records if EAI_FIELD in r), None)
    text = str(value).strip().lower() if value is not None else ""
    if text in ("true", "false"):
        return OrgEai(text == "true", f"{_WHERE} is {text}")
    return OrgEai(
        None,
        f"the org's answer has no {_WHERE} (the field exists from API version 49.0; this "
        f"connection uses {conn.api_version})",
    )


def _affected(normalized: NormalizeResult | None, internationalized: bool) -> int:
    """Rows that depend on the setting: kept with a non-ASCII address (with the option), or
    held back as ``email-not-ascii`` (without)."""
    if normalized is None:
        return 0
    if not internationalized:
        return int((normalized.held_back[REASON] == EMAIL_NOT_ASCII).sum())
    email = normalized.columns.email
    if email is None or email not in normalized.kept.columns:
        return 0
    return int(sum(not str(v).isascii() for v in normalized.kept[email]))


def not_checked(internationalized: bool) -> EaiCheck:
    """The check as a run reports it when nothing depends on the setting."""
    return EaiCheck(
        internationalized,
        None,
        "not-checked",
        "not asked: no address with non-ASCII characters depends on it",
    )


def check_email_internationalization(
    conn: Connection,
    *,
    internationalized: bool = False,
    normalized: NormalizeResult | None = None,
) -> EaiCheck:
    """Compare normalize's ``internationalized`` option with the org's EAI setting.

    ``normalized``: the normalize result the option produced, to count the rows that depend
    on it (optional). Raises ConfigError when the option is on and the org has EAI off (the
    org would refuse those rows); otherwise returns an :class:`EaiCheck` whose ``notice``
    says what to do when the org has EAI on without the option, or when the setting could
    not be read. See the module docstring for the table of outcomes.
    """
    org = read_email_internationalization(conn)
    rows = _affected(normalized, internationalized)
    if org.enabled is False and internationalized:
        counted = f" ({rows} rows)" if normalized is not None else ""
        raise ConfigError(
            "the org has Email Address Internationalization turned off "
            f"({org.detail}), so it refuses the addresses with non-ASCII characters that "
            f"internationalized=True keeps{counted}; run without internationalized=True "
            f"(they are then held back as {EMAIL_NOT_ASCII}), or {_SETUP}"
        )
    if org.enabled is None:
        notice = _unknown(org, rows, internationalized)
        return EaiCheck(internationalized, None, "unknown", org.detail, rows, notice)
    if org.enabled and not internationalized:
        held = (
            f"it would take the {rows} rows held back as {EMAIL_NOT_ASCII}; "
            if rows
            else "it takes addresses with non-ASCII characters; "
        )
        notice = (
            "the org has Email Address Internationalization turned on: "
            f"{held}run again with internationalized=True to keep them"
        )
        return EaiCheck(internationalized, True, "org-on", org.detail, rows, notice)
    return EaiCheck(internationalized, org.enabled, "matches", org.detail, rows)


def _unknown(org: OrgEai, rows: int, internationalized: bool) -> str:
    """The notice when the setting could not be read: the option is taken as given."""
    some = f"the {rows} " if rows else "any "
    if internationalized:
        then = (
            "internationalized=True is taken as given: if it is off, "
            f"{some}rows with non-ASCII addresses it kept fail with INVALID_EMAIL_ADDRESS"
        )
    else:
        then = (
            f"{some}rows held back as {EMAIL_NOT_ASCII} stay held back; if it is on, "
            "run again with internationalized=True to keep them"
        )
    return (
        "whether the org has Email Address Internationalization turned on is unknown "
        f"(UNCONFIRMED: {org.detail}); {then}"
    )


def check_for_run(
    conn: Connection, *, internationalized: bool, normalized: NormalizeResult
) -> EaiCheck:
    """:func:`check_email_internationalization` as :func:`sfclean.run` makes it: only when
    something depends on the setting (the option is on, or rows were held back as
    ``email-not-ascii``); :func:`not_checked` otherwise."""
    if internationalized or _affected(normalized, False):
        return check_email_internationalization(
            conn, internationalized=internationalized, normalized=normalized
        )
    return not_checked(internationalized)
