"""The org's Email Address Internationalization (EAI) setting against normalize's
``internationalized`` option: ``sfclean.check_email_internationalization``, ``sfclean.run``
and ``sfclean run`` against localorg with EAI on, off, and unreadable (no permission to read
metadata, or an API version before the field existed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import sfclean
from sfclean.cli import cli
from sfclean.errors import ConfigError
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED

LOADER = "loader@example.com"  # SMALL_SEED's Integration User: no Modify All Data
BASE: dict[str, Any] = {**SMALL_SEED, "duplicateRules": [], "records": {}}
INPUT = (
    "Email,LastName,Company\n"
    "Jürgen.Müller@Firma.de,Müller,Firma\n"  # row 2: non-ASCII local part
    "ann@example.com,Lee,Acme\n"  # row 3: ASCII
    "zoë@exemple.fr,Dupont,Acme\n"  # row 4: non-ASCII local part
)


def _seed(eai: bool | None) -> dict[str, Any]:
    if eai is None:
        return BASE
    return {**BASE, "settings": {"EmailAdministration": {"enableInternationalEmailAddresses": eai}}}


def _connect(org: LocalOrg, *, username: str | None = None, **options: Any) -> sfclean.Connection:
    token = org.new_token(username) if username else org.access_token
    return sfclean.connect(
        instance_url=org.instance_url, access_token=token, ca_bundle=org.ca_bundle, **options
    )


def _frame() -> pd.DataFrame:
    rows = [line.split(",") for line in INPUT.splitlines()]
    return pd.DataFrame(rows[1:], columns=rows[0], dtype="str")


def _metadata_reads(org: LocalOrg) -> int:
    return sum(1 for r in org.requests if r.path.startswith("/services/Soap/m/"))


# --- the library check ----------------------------------------------------------------------


def test_the_option_on_and_the_org_off_is_an_error(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(_seed(False))
    with _connect(org) as conn, pytest.raises(ConfigError) as refused:
        sfclean.check_email_internationalization(conn, internationalized=True)
    message = str(refused.value)
    assert (
        "turned off (EmailAdministrationSettings.enableInternationalEmailAddresses is false)"
        in message
    )
    assert "run without internationalized=True" in message
    assert "held back as email-not-ascii" in message
    assert "Allow international email addresses" in message


@pytest.mark.parametrize(
    ("eai", "option", "status", "org_says"),
    [
        (False, False, "matches", "off"),
        (True, True, "matches", "on"),
        (True, False, "org-on", "on"),
        (None, False, "matches", "off"),  # the seed's default
    ],
)
def test_the_check_in_each_state(
    localorg_factory: Callable[..., LocalOrg],
    eai: bool | None,
    option: bool,
    status: str,
    org_says: str,
) -> None:
    org = localorg_factory(_seed(eai))
    with _connect(org) as conn:
        check = sfclean.check_email_internationalization(conn, internationalized=option)
    assert (check.status, check.to_dict()["org"]) == (status, org_says)
    if status == "org-on":
        assert check.notice.startswith("the org has Email Address Internationalization turned on")
        assert "run again with internationalized=True" in check.notice
    else:
        assert check.notice == ""


def test_the_org_on_without_the_option_counts_the_rows_held_back(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(_seed(True))
    normalized = sfclean.normalize(_frame())
    with _connect(org) as conn:
        check = sfclean.check_email_internationalization(conn, normalized=normalized)
    assert (check.status, check.rows) == ("org-on", 2)
    assert "it would take the 2 rows held back as email-not-ascii" in check.notice


@pytest.mark.parametrize("option", [False, True])
def test_without_permission_to_read_it_the_setting_is_unknown(
    localorg_factory: Callable[..., LocalOrg], option: bool
) -> None:
    org = localorg_factory(_seed(False))  # off; the loader cannot see that
    with _connect(org, username=LOADER) as conn:
        check = sfclean.check_email_internationalization(conn, internationalized=option)
    assert (check.status, check.org) == ("unknown", None)
    assert "(INSUFFICIENT_ACCESS): reading it needs Modify All Data" in check.detail
    assert "unknown (UNCONFIRMED: " in check.notice
    if option:
        assert "internationalized=True is taken as given" in check.notice
    else:
        assert "held back as email-not-ascii stay held back" in check.notice


def test_before_api_49_the_setting_is_unknown(localorg_factory: Callable[..., LocalOrg]) -> None:
    org = localorg_factory(_seed(True))
    with _connect(org, api_version="48.0") as conn:
        check = sfclean.check_email_internationalization(conn)
    assert check.status == "unknown"
    assert "from API version 49.0; this connection uses 48.0" in check.detail


# --- sfclean.run ------------------------------------------------------------------------------


def _run(org: LocalOrg, out: Path, *, option: bool, **kwargs: Any) -> sfclean.RunResult:
    with _connect(org, username=kwargs.pop("username", None)) as conn:
        return sfclean.run(
            _frame(),
            conn,
            object_name="Lead",
            out_dir=out,
            api="rest",
            normalize_options={"internationalized": option},
            **kwargs,
        )


def _outcomes(result: sfclean.RunResult) -> dict[int, str]:
    out = {int(r): "loaded" for r in result.kept["sfclean_row"]}
    reasons = zip(result.held_back["sfclean_row"], result.held_back["sfclean_reason"], strict=True)
    out.update({int(r): str(reason) for r, reason in reasons})
    return out


def test_a_run_with_the_option_into_an_org_without_eai_stops_before_writing(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(_seed(False))
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=r"Internationalization turned off .* \(2 rows\)"):
        _run(org, out, option=True)
    assert org.engine.store.count("Lead") == 0
    assert not (out / "report.json").exists() and not (out / "run.jsonl").exists()


def test_a_run_with_the_option_into_an_org_with_eai_loads_every_row(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(_seed(True))
    result = _run(org, tmp_path / "out", option=True)
    assert _outcomes(result) == {2: "loaded", 3: "loaded", 4: "loaded"}
    stored = {r["Email"] for r in org.engine.store.select("Lead", ["Email"])}
    assert stored == {"jürgen.müller@firma.de", "ann@example.com", "zoë@exemple.fr"}
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["email_internationalization"] == {
        "option": True,
        "org": "on",
        "status": "matches",
        "detail": "EmailAdministrationSettings.enableInternationalEmailAddresses is true",
        "rows": 2,
        "notice": "",
    }
    assert report["conservation"]["ok"] is True


def test_a_run_without_the_option_into_an_org_with_eai_says_so(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(_seed(True))
    result = _run(org, tmp_path / "out", option=False)
    assert _outcomes(result) == {2: "email-not-ascii", 3: "loaded", 4: "email-not-ascii"}
    section = result.report.email_internationalization
    assert (section["status"], section["rows"]) == ("org-on", 2)
    assert f"  notice: {section['notice']}" in result.to_text()
    assert "would take the 2 rows held back as email-not-ascii" in section["notice"]


def test_a_run_that_does_not_depend_on_it_does_not_ask(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(_seed(True))
    with _connect(org) as conn:
        result = sfclean.run(
            _frame().iloc[[1]], conn, object_name="Lead", out_dir=tmp_path / "out", api="rest"
        )
    assert result.report.email_internationalization["status"] == "not-checked"
    assert _metadata_reads(org) == 0
    assert "notice" not in result.to_text()


def test_a_run_that_cannot_read_it_goes_on_and_every_row_has_an_outcome(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(_seed(False))  # off, unreadable for the loader
    result = _run(org, tmp_path / "out", option=True, username=LOADER)
    section = result.report.email_internationalization
    assert (section["status"], section["org"], section["rows"]) == ("unknown", "unknown", 2)
    assert "UNCONFIRMED" in section["notice"] and "INSUFFICIENT_ACCESS" in section["notice"]
    # the option was taken as given: the org refuses the two non-ASCII rows at the load
    assert _outcomes(result) == {2: "load-failed", 3: "loaded", 4: "load-failed"}
    failed = result.tables["failed.csv"].set_index("sfclean_row")
    assert set(failed["sfclean_code"]) == {"INVALID_EMAIL_ADDRESS"}
    assert result.report.conservation.ok


# --- sfclean run --------------------------------------------------------------------------


def _cli(org: LocalOrg, tmp_path: Path, *flags: str) -> Any:
    source = tmp_path / "in.csv"
    source.write_text(INPUT, encoding="utf-8")
    args = ["run", str(source), "--object", "Lead", "--out", str(tmp_path / "out"), "--api"]
    args += ["rest", *flags, "--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle]
    return CliRunner().invoke(cli, args, env={"SF_ACCESS_TOKEN": org.access_token})


def test_the_cli_refuses_the_flag_for_an_org_without_eai(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(_seed(False))
    result = _cli(org, tmp_path, "--internationalized-emails")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "Error: the org has Email Address Internationalization turned off"
    )
    assert "run without --internationalized-emails (they are then held back" in lines[0]
    assert org.engine.store.count("Lead") == 0


def test_the_cli_tells_when_the_org_has_eai_and_the_flag_is_missing(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Path
) -> None:
    org = localorg_factory(_seed(True))
    result = _cli(org, tmp_path)
    assert result.exit_code == 0, result.output
    assert (
        "  notice: the org has Email Address Internationalization turned on: it would take "
        "the 2 rows held back as email-not-ascii; run again with --internationalized-emails "
        "to keep them\n"
    ) in result.stderr
    with_flag = _cli(org, tmp_path, "--internationalized-emails", "--overwrite")
    assert with_flag.exit_code == 0, with_flag.output
    assert "notice:" not in with_flag.stderr
    assert org.engine.store.count("Lead") == 3  # ann once, then Jürgen and Zoë
