"""The local org's TLS certificate: a throwaway CA (trustme) and a server certificate for
``127.0.0.1`` and ``localhost``.

simple-salesforce rebuilds every URL as ``https://``, so the stand-in must speak TLS. Clients
trust it by pointing ``verify`` (or ``REQUESTS_CA_BUNDLE``) at the CA bundle written here.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

__all__ = ["make_tls"]


def make_tls(directory: str | Path) -> tuple[ssl.SSLContext, str]:
    """Create a CA and a loopback server certificate; return (server context, CA PEM path)."""
    ca = trustme.CA(organization_name="sfclean localorg")
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    ca_path = Path(directory) / "localorg-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return context, str(ca_path)
