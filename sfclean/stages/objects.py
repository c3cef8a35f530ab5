"""Checking the object a run or a load writes to, before the org is searched or written.

:func:`describe_target` makes the describe call the load needs anyway; when the org has no
such object it asks for the org's object list (one more call, only then) and says which name
was probably meant (``--object Leed``: "did you mean Lead?"). With ``need_email`` (``sfclean
run``, which finds existing records by email) an object without an email field is refused
with what sfclean can do with it instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from sfclean.errors import ApiError, ConfigError
from sfclean.salesforce import Connection

__all__ = ["check_object_names", "describe_target", "email_fields"]


def email_fields(describe: Mapping[str, Any]) -> list[str]:
    """The object's fields of type ``email``, in describe order."""
    return [str(f["name"]) for f in describe.get("fields", []) if f.get("type") == "email"]


def _unknown_object(
    conn: Connection, object_name: str, names: list[str] | None = None, option: str = "object_name="
) -> ConfigError:
    names = conn.object_names() if names is None else names
    by_fold = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(object_name.casefold(), list(by_fold), n=1, cutoff=0.6)
    hint = f"did you mean {by_fold[close[0]]}? " if close else ""
    return ConfigError(
        f"the org has no object {object_name!r}; {hint}{option} takes an API name (Lead, Contact)"
    )


def check_object_names(
    conn: Connection, object_names: Sequence[str], *, option: str = "exclude_objects="
) -> None:
    """ConfigError, with the nearest name, for a name the org has no object of (one call to
    the org's object list; names compared ignoring case)."""
    names = conn.object_names()
    known = {n.casefold() for n in names}
    for name in object_names:
        if name.casefold() not in known:
            raise _unknown_object(conn, name, names, option)


def describe_target(
    conn: Connection, object_name: str, *, need_email: bool = False
) -> dict[str, Any]:
    """The describe of ``object_name`` (one API call); ConfigError when the org has no such
    object (with the nearest name), cannot create its records, or (``need_email``) has no
    email field on it."""
    try:
        describe = conn.describe(object_name)
    except ApiError as exc:
        if exc.http_status == 404 or exc.error_code == "NOT_FOUND":
            raise _unknown_object(conn, object_name) from None
        raise
    name = str(describe.get("name") or object_name)
    if describe.get("createable") is False:
        raise ConfigError(
            f"{name} records cannot be created through the API; choose another --object"
        )
    if need_email and not email_fields(describe):
        raise ConfigError(
            f"{name} has no email field, and sfclean run finds existing records and duplicates "
            f"by email, so it loads Lead or Contact (or another object with an Email field). "
            f"To insert {name} rows with the pre-flight checks and the duplicate-rule header, "
            f"use sfclean load --object {name}"
        )
    return describe
