"""localorg's org settings: Email Address Internationalization (EAI) seeded per org, served as
EmailAdministrationSettings through SOAP readMetadata, and obeyed by the org's email check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sfclean.cleaners.emails import clean_email
from sfclean.localorg.errors import SeedError
from sfclean.localorg.server import LocalOrg
from sfclean.localorg.testing import SMALL_SEED, salesforce_client
from sfclean.localorg.validate import is_valid_email

LOADER = "loader@example.com"  # SMALL_SEED's Integration User: no Modify All Data


def _seed(eai: object) -> dict[str, Any]:
    return {
        **SMALL_SEED,
        "settings": {"EmailAdministration": {"enableInternationalEmailAddresses": eai}},
    }


def _read(org: LocalOrg, *, token: str | None = None, version: str | None = None) -> Any:
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header><met:SessionHeader>'
        f"<met:sessionId>{token or org.access_token}</met:sessionId></met:SessionHeader>"
        "</soapenv:Header><soapenv:Body><met:readMetadata>"
        "<met:type>EmailAdministrationSettings</met:type>"
        "<met:fullNames>EmailAdministration</met:fullNames></met:readMetadata>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    return org.session().post(
        f"{org.instance_url}/services/Soap/m/{version or org.api_version}",
        data=body.encode(),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'},
    )


@pytest.mark.parametrize(
    ("seed_value", "served"), [(None, "false"), (False, "false"), (True, "true"), ("yes", "true")]
)
def test_the_seed_setting_is_served_by_read_metadata(
    localorg_factory: Callable[..., LocalOrg], seed_value: object, served: str
) -> None:
    org = localorg_factory(SMALL_SEED if seed_value is None else _seed(seed_value))
    answer = _read(org)
    assert answer.status_code == 200
    assert b'<records xsi:type="EmailAdministrationSettings">' in answer.content
    assert b"<fullName>EmailAdministration</fullName>" in answer.content
    field = f"<enableInternationalEmailAddresses>{served}</enableInternationalEmailAddresses>"
    assert field.encode() in answer.content


def test_simple_salesforce_mdapi_reads_it_with_the_salesforce_wsdl(
    localorg_factory: Callable[..., LocalOrg], monkeypatch: pytest.MonkeyPatch
) -> None:
    org = localorg_factory(_seed(True))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(org.ca_bundle))  # zeep's own session
    record = salesforce_client(org).mdapi.EmailAdministrationSettings.read("EmailAdministration")
    assert record.fullName == "EmailAdministration"
    assert record.enableInternationalEmailAddresses is True


def test_before_api_49_the_field_is_not_there(localorg_factory: Callable[..., LocalOrg]) -> None:
    org = localorg_factory(_seed(True))
    answer = _read(org, version="48.0")
    assert answer.status_code == 200 and b"<fullName>EmailAdministration</fullName>" in (
        answer.content
    )
    assert b"enableInternationalEmailAddresses" not in answer.content


def test_reading_it_needs_modify_all_data_or_modify_metadata(
    localorg_factory: Callable[..., LocalOrg],
) -> None:
    org = localorg_factory(_seed(True))
    refused = _read(org, token=org.new_token(LOADER))
    assert refused.status_code == 500
    assert b"<faultcode>sf:INSUFFICIENT_ACCESS</faultcode>" in refused.content


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"Email": {}}, r"settings: unknown key 'Email'"),
        (
            {"EmailAdministration": {"enableInternationalEmails": True}},
            r"settings.EmailAdministration: unknown key 'enableInternationalEmails'",
        ),
        (
            {"EmailAdministration": {"enableInternationalEmailAddresses": "maybe"}},
            r"enableInternationalEmailAddresses: 'maybe' is not a boolean",
        ),
        (["EmailAdministration"], r"settings must be a mapping"),
    ],
)
def test_seed_mistakes_are_seed_errors(
    localorg_factory: Callable[..., LocalOrg], section: object, message: str
) -> None:
    with pytest.raises(SeedError, match=message):
        localorg_factory({**SMALL_SEED, "settings": section})


def test_a_reopened_store_takes_the_settings_of_its_config(
    localorg_factory: Callable[..., LocalOrg], tmp_path: Any
) -> None:
    db = str(tmp_path / "org.db")
    localorg_factory(_seed(True), db=db).stop()
    reopened = localorg_factory(_seed(True), db=db)
    assert reopened.engine.eai is True
    assert b">true</enableInternationalEmailAddresses>" in _read(reopened).content


# --- the org's email check follows the setting --------------------------------------------


@pytest.mark.parametrize("email", ["jürgen@firma.de", "用户@例子.中国", "ann@bücher.de"])
def test_an_org_without_eai_refuses_non_ascii_addresses(
    localorg_factory: Callable[..., LocalOrg], email: str
) -> None:
    sf = salesforce_client(localorg_factory(SMALL_SEED))
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Lead.create({"LastName": "Müller", "Company": "Firma", "Email": email})
    assert refused.value.content[0]["errorCode"] == "INVALID_EMAIL_ADDRESS"


@pytest.mark.parametrize("email", ["jürgen@firma.de", "用户@例子.中国", "ann@bücher.de"])
def test_an_org_with_eai_takes_them(localorg_factory: Callable[..., LocalOrg], email: str) -> None:
    sf = salesforce_client(localorg_factory(_seed(True)))
    created = sf.Lead.create({"LastName": "Müller", "Company": "Firma", "Email": email})
    assert sf.Lead.get(created["id"])["Email"] == email


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("jürgen@firma.de", True),
        ("用户@例子.中国", True),
        ("ann@bücher.de", True),
        ("jane@example.com", True),
        ("jür gen@firma.de", False),
        ("jür\u00a0gen@firma.de", False),  # a no-break space is a separator
        ("jür\u200bgen@firma.de", False),  # a zero-width space is a format character
        ("jürgen@firma", False),  # no dot in the domain
        ("jürgen@@firma.de", False),
        ("ü" * 65 + "@firma.de", False),  # a local part of 65 characters
    ],
)
def test_is_valid_email_with_eai(email: str, ok: bool) -> None:
    assert is_valid_email(email, eai=True) is ok
    if not email.isascii():
        assert is_valid_email(email) is False


_unicode_local = st.text(
    alphabet=st.sampled_from([*"abcxyz09._+-", "ü", "é", "ß", "ø", "用", "户", "и", "ж", "☃"]),
    min_size=1,
    max_size=20,
)
_unicode_domain = st.sampled_from(
    ["firma.de", "bücher.de", "例子.中国", "пример.рф", "xn--bcher-kva.de", "example.com"]
)


@settings(max_examples=300, deadline=None)
@given(_unicode_local, _unicode_domain)
def test_what_normalize_keeps_the_org_takes(local: str, domain: str) -> None:
    """No address the email cleaner keeps is refused by localorg's email check, with the
    option for an EAI org, and without it for a standard one."""
    address = f"{local}@{domain}"
    for eai in (False, True):
        result = clean_email(address, internationalized=eai)
        if result.status == "ok":
            assert is_valid_email(result.value, eai=eai), (result.value, eai)
