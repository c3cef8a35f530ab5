"""``sfclean normalize``: clean and dedupe a CSV file offline, writing four output files.

A thin shell over the library: :func:`sfclean.read_csv` -> :func:`sfclean.normalize` ->
:func:`sfclean.io.write_normalize_outputs`. Exit 0 when the stage ran (held-back rows are not
errors), 1 when it could not run, 2 for usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import click
import pandas as pd

from sfclean.cleaners.junk import JunkPolicy
from sfclean.cli._errors import reports_errors
from sfclean.cli.group import cli
from sfclean.errors import ConfigError
from sfclean.io import columns_for_fields, read_csv, read_sdl_mapping, write_normalize_outputs
from sfclean.normalize import normalize

__all__ = ["normalize_command"]

# Salesforce fields (Lead and Contact) that a Data Loader mapping may send a column to.
EMAIL_FIELDS = ("Email",)
PHONE_FIELDS = ("Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone", "Fax")
COUNTRY_FIELDS = ("Country", "MailingCountry", "OtherCountry", "CountryCode", "MailingCountryCode")
JUNK_REASONS = ("noreply-mailbox", "role-mailbox", "disposable-domain")


@cli.command("normalize", short_help="Clean and dedupe a CSV file offline.")
@click.argument("input_csv", metavar="INPUT.csv", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for clean.csv, rejected.csv, findings.csv and report.json.",
)
@click.option("--email-column", metavar="C", help="The email column (default: found by name).")
@click.option(
    "--phone-column",
    "phone_columns",
    metavar="C",
    multiple=True,
    help="A phone column; repeat for several (default: every phone-like column).",
)
@click.option("--country-column", metavar="C", help="The country column (default: found by name).")
@click.option(
    "--region",
    default="US",
    show_default=True,
    metavar="CC",
    help="Country for phone numbers in rows without a country.",
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="A Data Loader .sdl mapping file used to find the columns.",
)
@click.option("--encoding", metavar="E", help="Force the input encoding (utf-8, cp1252, latin-1).")
@click.option("--delimiter", metavar="D", help="Force the delimiter (default: detects , ; or tab).")
@click.option(
    "--invalid-phone",
    type=click.Choice(["keep", "clear", "reject"]),
    default="clear",
    show_default=True,
    help="What to do with a phone number that is not valid.",
)
@click.option(
    "--match-key",
    type=click.Choice(["email", "provider"]),
    default="email",
    show_default=True,
    help="Dedupe on the email, or on a provider-aware key (Gmail dots and +tags).",
)
@click.option(
    "--fill-blanks", is_flag=True, help="Fill blank cells of a kept row from its duplicates."
)
@click.option(
    "--check-deliverability",
    is_flag=True,
    help="Look up each email domain in DNS (slow, needs a network).",
)
@click.option(
    "--keep",
    "keep_reasons",
    type=click.Choice(JUNK_REASONS),
    multiple=True,
    help="Do not hold rows back for this junk reason; repeat for several.",
)
@click.option(
    "--allow",
    "allowed",
    metavar="ENTRY",
    multiple=True,
    help="Never treat as junk: an address (a@b.com), a domain (b.com) or a local part (info).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON summary on stdout.")
@reports_errors
def normalize_command(
    input_csv: Path,
    out_dir: Path,
    email_column: str | None,
    phone_columns: tuple[str, ...],
    country_column: str | None,
    region: str,
    mapping: Path | None,
    encoding: str | None,
    delimiter: str | None,
    invalid_phone: Literal["keep", "clear", "reject"],
    match_key: Literal["email", "provider"],
    fill_blanks: bool,
    check_deliverability: bool,
    keep_reasons: tuple[str, ...],
    allowed: tuple[str, ...],
    as_json: bool,
) -> None:
    """Clean and dedupe INPUT.csv offline; write the results into --out.

    Emails are trimmed, lowercased and validated; phones become E.164; rows with a missing,
    invalid, no-reply, role or disposable email, and repeats of an earlier row's email, are
    held back in rejected.csv with a reason. Nothing is sent anywhere.
    """
    df = read_csv(input_csv, encoding=encoding, delimiter=_unescape_delimiter(delimiter))
    if mapping is not None:
        email_column, phone_columns, country_column = _apply_mapping(
            mapping, df, email_column, phone_columns, country_column
        )
    result = normalize(
        df,
        email_column=email_column,
        phone_columns=list(phone_columns) or None,
        country_column=country_column,
        default_region=region,
        invalid_phone=invalid_phone,
        match_key=match_key,
        fill_blanks=fill_blanks,
        check_deliverability=check_deliverability,
        junk=_junk_policy(keep_reasons, allowed),
    )
    paths = write_normalize_outputs(result, out_dir, source=df.attrs.get("sfclean"))
    if as_json:
        summary = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        click.echo(result.to_text(), err=True)
        click.echo(f"Wrote {', '.join(paths)} to {out_dir}", err=True)


def _junk_policy(keep_reasons: tuple[str, ...], allowed: tuple[str, ...]) -> JunkPolicy:
    """``--keep`` switches junk categories off; ``--allow`` entries go to the lists they fit.

    An address goes to every allow list, a domain (has a dot) to the disposable list, a bare
    local part to the no-reply and role lists.
    """
    addresses = [a for a in allowed if "@" in a]
    domains = [a for a in allowed if "@" not in a and "." in a]
    locals_ = [a for a in allowed if "@" not in a and "." not in a]
    return JunkPolicy(
        noreply="noreply-mailbox" not in keep_reasons,
        role="role-mailbox" not in keep_reasons,
        disposable="disposable-domain" not in keep_reasons,
        allow_noreply=frozenset(addresses + locals_),
        allow_roles=frozenset(addresses + locals_),
        allow_disposable=frozenset(addresses + domains),
    )


def _unescape_delimiter(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter, delimiter)


def _apply_mapping(
    mapping_path: Path,
    df: pd.DataFrame,
    email_column: str | None,
    phone_columns: tuple[str, ...],
    country_column: str | None,
) -> tuple[str | None, tuple[str, ...], str | None]:
    """Fill the column options the user did not give from a Data Loader mapping."""
    mapping = read_sdl_mapping(mapping_path)
    columns = [str(c) for c in df.columns]
    if email_column is None:
        emails = columns_for_fields(mapping, columns, EMAIL_FIELDS)
        if len(emails) > 1:
            raise ConfigError(
                f"mapping file {mapping_path} sends {len(emails)} columns to Email "
                f"({', '.join(emails)}); pass --email-column"
            )
        email_column = emails[0] if emails else None
    if not phone_columns:
        phone_columns = tuple(columns_for_fields(mapping, columns, PHONE_FIELDS))
    if country_column is None:
        for field in COUNTRY_FIELDS:
            found = columns_for_fields(mapping, columns, [field])
            if found:
                country_column = found[0]
                break
    return email_column, phone_columns, country_column
