"""The shared CLI connection options (sfclean.cli._connection) against a local org.

A small command built from the same decorator as ``sfclean run`` prints who it connected as;
the options come from the command line and from SF_* environment variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from sfclean.cli._connection import connection_options, open_connection
from sfclean.cli._errors import reports_errors
from sfclean.localorg import LocalOrg

PASSWORD = "Sekr1t-Pass"


@click.command()
@connection_options
@reports_errors
def whoami(**options: Any) -> None:
    with open_connection(**options) as conn:
        click.echo(f"{conn.username} {conn.mode}")


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(whoami, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def org(localorg_factory: Any) -> LocalOrg:
    return localorg_factory(password=PASSWORD)


def test_token_from_the_environment(org: LocalOrg) -> None:
    env = {"SF_INSTANCE_URL": org.instance_url, "SF_ACCESS_TOKEN": org.access_token}
    result = invoke(["--ca-bundle", org.ca_bundle], env)
    assert result.exit_code == 0, result.output
    assert result.output == "admin@localorg.example.com token\n"


def test_token_from_options(org: LocalOrg) -> None:
    args = ["--instance-url", org.instance_url, "--access-token", org.access_token]
    result = invoke([*args, "--ca-bundle", org.ca_bundle])
    assert result.exit_code == 0, result.output
    assert result.output.endswith(" token\n")


def test_command_line_instance_url_with_the_token_from_the_environment(org: LocalOrg) -> None:
    result = invoke(
        ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle],
        {"SF_ACCESS_TOKEN": org.access_token},
    )
    assert result.exit_code == 0, result.output


def test_password_login_with_the_password_from_the_environment(org: LocalOrg) -> None:
    result = invoke(
        [
            "--username",
            "admin@localorg.example.com",
            "--domain",
            org.instance_url,
            "--ca-bundle",
            org.ca_bundle,
        ],
        # a stray token in the environment belongs to another way of logging in: ignored
        {"SF_PASSWORD": PASSWORD, "SF_ACCESS_TOKEN": "stray", "SF_INSTANCE_URL": "https://x"},
    )
    assert result.exit_code == 0, result.output
    assert result.output == "admin@localorg.example.com password\n"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "Error: no Salesforce credentials given; pass --instance-url and --access-token"),
        (["--instance-url", "https://127.0.0.1:9"], {}, "Error: --access-token is missing"),
        (["--username", "a@b.example"], {}, "Error: --username needs --password"),
        (
            [],
            {"SF_ACCESS_TOKEN": "t0k", "SF_INSTANCE_URL": "https://x", "SF_USERNAME": "u@x"},
            "Error: the environment describes more than one way to log in "
            "(SF_ACCESS_TOKEN, SF_INSTANCE_URL, SF_USERNAME)",
        ),
        (
            ["--target-org", "dev", "--access-token", "t0k"],
            {},
            "Error: choose one way to log in, not several",
        ),
        (["--api-version", "sixty"], {}, "Error: --api-version 'sixty' is not a version"),
    ],
)
def test_missing_or_conflicting_options_are_one_line_exit_1(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = invoke(args, env)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert result.output.count("\n") == 1


def test_a_command_line_target_org_ignores_login_variables_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "")  # no Salesforce CLI: the alias mode is the one chosen
    result = invoke(["--target-org", "dev"], {"SF_USERNAME": "u@x", "SF_PASSWORD": "pw"})
    assert result.exit_code == 1
    assert result.output.startswith("Error: --target-org dev needs the Salesforce CLI (sf)")


def test_a_bad_token_is_refused_without_echoing_it(org: LocalOrg) -> None:
    token = "00DBADTOKEN!secret-session-value"
    result = invoke(
        ["--instance-url", org.instance_url, "--ca-bundle", org.ca_bundle],
        {"SF_ACCESS_TOKEN": token},
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert token not in result.output
    assert "secret-session-value" not in result.output


def test_a_wrong_password_is_refused_without_echoing_it(org: LocalOrg) -> None:
    wrong = "Wr0ng-Password-xyz"
    result = invoke(
        ["--username", "admin@localorg.example.com", "--domain", org.instance_url],
        {"SF_PASSWORD": wrong},
    )
    assert result.exit_code == 1
    assert wrong not in result.output


def test_help_never_shows_secret_values() -> None:
    env = {"SF_PASSWORD": "HelpPassw0rd", "SF_ACCESS_TOKEN": "HelpTok3n"}
    result = invoke(["--help"], env)
    assert result.exit_code == 0
    for option in ("--instance-url", "--access-token", "--password", "--target-org", "--key-file"):
        assert option in result.output
    assert "HelpPassw0rd" not in result.output
    assert "HelpTok3n" not in result.output


def test_a_missing_key_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(["--username", "u@x", "--consumer-key", "k", "--key-file", tmp_path])
    assert result.exit_code == 2
