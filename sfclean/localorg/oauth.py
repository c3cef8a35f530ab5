"""Login endpoints: OAuth 2.0 token (password, JWT bearer, client credentials), userinfo,
the identity URL, and the SOAP ``login()`` call that simple-salesforce and salesforce-bulk
use for username/password logins.

Passwords: every seeded user's password is the org's ``password``, optionally followed by its
``security_token`` (both accepted, as from a trusted IP range). JWT bearer: any well-formed
assertion whose ``sub`` is a known username is accepted and its ``exp`` is checked, but the
signature is NOT verified (no connected-app certificate exists locally). Client credentials
run as the org's default user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from sfclean.localorg.wire import Ctx, Route, json_response

if TYPE_CHECKING:
    from sfclean.localorg.server import LocalOrg

__all__ = ["ROUTES"]

_JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _password_ok(org: LocalOrg, password: str) -> bool:
    candidates = {org.password, org.password + org.security_token}
    return any(secrets.compare_digest(password, c) for c in candidates)


def _jwt_subject(assertion: str) -> dict[str, Any] | None:
    parts = assertion.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except ValueError:
        return None
    return claims if isinstance(claims, dict) and isinstance(claims.get("sub"), str) else None


def token(ctx: Ctx) -> Response:
    """POST /services/oauth2/token (form-encoded)."""
    org = ctx.org
    form = ctx.request.form
    grant = form.get("grant_type", "")
    if grant == "password":
        user_id = org.user_id_for(form.get("username", ""))
        if user_id is None or not _password_ok(org, form.get("password", "")):
            return _oauth_error("invalid_grant", "authentication failure")
    elif grant == _JWT_GRANT:
        claims = _jwt_subject(form.get("assertion", ""))
        if claims is None:
            return _oauth_error("invalid_grant", "invalid assertion")
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and exp < time.time():
            return _oauth_error("invalid_grant", "expired authorization code")
        user_id = org.user_id_for(claims["sub"])
        if user_id is None:
            return _oauth_error("invalid_grant", "user hasn't approved this consumer")
    elif grant == "client_credentials":
        user_id = org.user_id
    else:
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    session = org.sessions.issue(user_id, org._username(user_id))
    identity = f"{org.instance_url}/id/{org.org_id}/{user_id}"
    issued_at = str(int(session.issued_at * 1000))
    key = (form.get("client_secret") or org.admin_token).encode()
    signature = base64.b64encode(
        hmac.new(key, (identity + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    return json_response(
        {
            "access_token": session.token,
            "instance_url": org.instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": signature,
        }
    )


def _user_record(org: LocalOrg, user_id: str) -> dict[str, Any]:
    lookup = getattr(org.engine, "user", None)
    record = lookup(user_id) if lookup is not None else None
    return dict(record or {})


def userinfo(ctx: Ctx) -> Response:
    """GET /services/oauth2/userinfo: the OpenID Connect claims for the caller."""
    return json_response(_claims(ctx.org, ctx.user_id))


def _claims(org: LocalOrg, user_id: str) -> dict[str, Any]:
    user = _user_record(org, user_id)
    base = org.instance_url
    username = user.get("Username") or org._username(user_id)
    return {
        "sub": f"{base}/id/{org.org_id}/{user_id}",
        "user_id": user_id,
        "organization_id": org.org_id,
        "preferred_username": username,
        "nickname": user.get("Alias") or username.split("@")[0],
        "name": user.get("Name") or username,
        "email": user.get("Email") or username,
        "email_verified": True,
        "given_name": user.get("FirstName"),
        "family_name": user.get("LastName"),
        "zoneinfo": "America/Los_Angeles",
        "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28800000,
        "urls": {
            "rest": f"{base}/services/data/v{{version}}/",
            "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
            "query": f"{base}/services/data/v{{version}}/query/",
            "profile": f"{base}/{user_id}",
        },
    }


def identity_document(org: LocalOrg, user_id: str) -> dict[str, Any]:
    """The identity URL's document (Salesforce Help "Identity URLs"): ``username``,
    ``nick_name``, ``display_name``, ``user_id``, ``organization_id``, ``urls`` ..."""
    user = _user_record(org, user_id)
    base = org.instance_url
    username = user.get("Username") or org._username(user_id)
    short_org = org.org_id[:15]
    rest = f"{base}/services/data/v{{version}}"
    return {
        "id": f"{base}/id/{org.org_id}/{user_id}",
        "asserted_user": True,
        "user_id": user_id,
        "organization_id": org.org_id,
        "username": username,
        "nick_name": user.get("Alias") or username.split("@")[0],
        "display_name": user.get("Name") or username,
        "email": user.get("Email") or username,
        "email_verified": True,
        "first_name": user.get("FirstName"),
        "last_name": user.get("LastName"),
        "timezone": "America/Los_Angeles",
        "photos": {
            "picture": f"{base}/profilephoto/005/F",
            "thumbnail": f"{base}/profilephoto/005/T",
        },
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": None,
        "addr_zip": None,
        "mobile_phone": None,
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": {
            "enterprise": f"{base}/services/Soap/c/{{version}}/{short_org}",
            "metadata": f"{base}/services/Soap/m/{{version}}/{short_org}",
            "partner": f"{base}/services/Soap/u/{{version}}/{short_org}",
            "rest": f"{rest}/",
            "sobjects": f"{rest}/sobjects/",
            "search": f"{rest}/search/",
            "query": f"{rest}/query/",
            "recent": f"{rest}/recent/",
            "tooling_soap": f"{base}/services/Soap/T/{{version}}/{short_org}",
            "tooling_rest": f"{rest}/tooling/",
            "profile": f"{base}/{user_id}",
            "feeds": f"{rest}/chatter/feeds",
            "groups": f"{rest}/chatter/groups",
            "users": f"{rest}/chatter/users",
            "feed_items": f"{rest}/chatter/feed-items",
            "feed_elements": f"{rest}/chatter/feed-elements",
            "custom_domain": base,
        },
        "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": -28800000,
        "last_modified_date": user.get("LastModifiedDate"),
        "is_app_installed": True,
    }


def identity(ctx: Ctx, org_id: str, user_id: str) -> Response:
    """GET /id/{orgId}/{userId}: the identity URL returned as ``id`` by the token endpoint
    (and as ``identity`` in the REST resources list); userinfo stays OpenID."""
    if org_id != ctx.org.org_id or ctx.org._username(user_id) == "":
        return _oauth_error("Bad_Id", "Bad id", 404)
    return json_response(identity_document(ctx.org, user_id))


_SOAP_FAULT = """<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def soap_login(ctx: Ctx, soap_version: str) -> Response:
    """POST /services/Soap/u/{version}: the partner API ``login(username, password)``."""
    org = ctx.org
    fields: dict[str, str] = {}
    try:
        root = ET.fromstring(ctx.request.get_data(cache=True))
    except ET.ParseError:
        return Response(_SOAP_FAULT, status=500, content_type="text/xml; charset=utf-8")
    for element in root.iter():
        if _local(element.tag) in ("username", "password"):
            fields[_local(element.tag)] = element.text or ""
    user_id = org.user_id_for(fields.get("username", ""))
    if user_id is None or not _password_ok(org, fields.get("password", "")):
        return Response(_SOAP_FAULT, status=500, content_type="text/xml; charset=utf-8")
    session = org.sessions.issue(user_id, org._username(user_id))
    user = _user_record(org, user_id)
    base = org.instance_url
    values = {
        "metadataServerUrl": f"{base}/services/Soap/m/{soap_version}/{org.org_id[:15]}",
        "passwordExpired": "false",
        "sandbox": "false",
        "serverUrl": f"{base}/services/Soap/u/{soap_version}/{org.org_id[:15]}",
        "sessionId": session.token,
        "userId": user_id,
    }
    info = {
        "organizationId": org.org_id,
        "organizationName": org.org_name,
        "userEmail": str(user.get("Email") or ""),
        "userFullName": str(user.get("Name") or ""),
        "userId": user_id,
        "userName": org._username(user_id),
    }
    result = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in values.items())
    result += (
        "<userInfo>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in info.items()) + "</userInfo>"
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>'
        f"{result}</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, content_type="text/xml; charset=utf-8")


ROUTES = [
    Route("/services/oauth2/token", ("POST",), token, "public"),
    Route("/services/oauth2/userinfo", ("GET", "POST"), userinfo, "userinfo"),
    Route("/id/<org_id>/<user_id>", ("GET",), identity, "userinfo"),
    Route("/services/Soap/u/<soap_version>", ("POST",), soap_login, "public"),
]
