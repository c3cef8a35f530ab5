"""``check_deliverability``: DNS decides, and a machine without DNS refuses to run.

DNS is simulated by wrapping email-validator: the real syntax check runs, and the listed
domains answer as if they had no mail server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import email_validator
import pandas as pd
import pytest
from click.testing import CliRunner

import sfclean
from sfclean.cli import cli
from sfclean.errors import ConfigError

_real_validate = email_validator.validate_email


def _dns(no_mail: set[str]) -> Callable[..., Any]:
    def validate(address: str, *, check_deliverability: bool = True, **kw: Any) -> Any:
        info = _real_validate(address, check_deliverability=False, **kw)
        if check_deliverability and info.domain in no_mail:
            raise email_validator.EmailUndeliverableError(
                f"The domain name {info.domain} does not exist."
            )
        return info

    return validate


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"Email": ["ana@example.com", "bo@nomail.example"], "LastName": ["A", "B"]})


def test_undeliverable_domains_are_held_back_when_dns_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(email_validator, "validate_email", _dns({"nomail.example"}))
    result = sfclean.normalize(_frame(), check_deliverability=True)
    assert result.kept["Email"].tolist() == ["ana@example.com"]
    assert result.held_back["sfclean_reason"].tolist() == ["invalid-email"]
    assert "nomail.example" in result.held_back["sfclean_detail"].iloc[0]


def test_without_the_option_dns_is_never_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(email_validator, "validate_email", _dns({"nomail.example"}))
    result = sfclean.normalize(_frame())
    assert len(result.kept) == 2


def test_no_working_dns_refuses_instead_of_rejecting_every_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(email_validator, "validate_email", _dns({"gmail.com", "example.com"}))
    with pytest.raises(ConfigError, match="check_deliverability="):
        sfclean.normalize(_frame(), check_deliverability=True)

    source = tmp_path / "in.csv"
    _frame().to_csv(source, index=False)
    out = tmp_path / "out"
    run = CliRunner().invoke(
        cli, ["normalize", str(source), "--out", str(out), "--check-deliverability"]
    )
    assert run.exit_code == 1
    assert run.output.strip().startswith("Error: the deliverability check needs working DNS")
    assert run.output.strip().endswith("run without --check-deliverability")  # the CLI's flag
    assert not out.exists() or not any(out.iterdir())
