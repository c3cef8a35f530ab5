"""No-reply, role and disposable mailboxes, and the user's policy over them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfclean.cleaners.junk import JunkPolicy, classify_junk, role_mailboxes

DEFAULT = JunkPolicy()


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("sara@acme.com", None),
        ("noreply@acme.com", "noreply-mailbox"),
        ("no-reply@acme.com", "noreply-mailbox"),
        ("no_reply@acme.com", "noreply-mailbox"),
        ("no.reply@acme.com", "noreply-mailbox"),
        ("donotreply@acme.com", "noreply-mailbox"),
        ("do-not-reply@acme.com", "noreply-mailbox"),
        ("do_not_reply@acme.com", "noreply-mailbox"),
        ("dontreply@acme.com", "noreply-mailbox"),
        ("noreply-billing@acme.com", "noreply-mailbox"),
        ("noreply+x@acme.com", "noreply-mailbox"),
        ("info@acme.com", "role-mailbox"),
        ("sales@acme.com", "role-mailbox"),
        ("support@acme.com", "role-mailbox"),
        ("webmaster@acme.com", "role-mailbox"),
        ("info+leads@acme.com", "role-mailbox"),
        ("information.desk@acme.com", None),
        ("joe@mailinator.com", "disposable-domain"),
        ("joe@eu.mailinator.com", "disposable-domain"),  # subdomain of a listed domain
        ("joe@10minutemail.com", "disposable-domain"),
        ("joe@mailinator.acme.com", None),  # a listed name as a subdomain label does not count
        ("info@mailinator.com", "role-mailbox"),  # first failing check wins
    ],
)
def test_default_policy(address: str, code: str | None) -> None:
    hit = classify_junk(address, DEFAULT)
    assert (hit[0] if hit else None) == code


def test_vendored_role_list_loaded() -> None:
    roles = role_mailboxes()
    assert len(roles) > 900
    assert {"info", "sales", "support", "postmaster", "abuse"} <= roles


@pytest.mark.parametrize(
    ("policy", "address", "code"),
    [
        (JunkPolicy(noreply=False), "noreply@acme.com", "role-mailbox"),  # still on role list
        (JunkPolicy(noreply=False, role=False), "noreply@acme.com", None),
        (JunkPolicy(role=False), "info@acme.com", None),
        (JunkPolicy(disposable=False), "joe@mailinator.com", None),
        (JunkPolicy(allow_roles=["info"]), "info@acme.com", None),
        (JunkPolicy(allow_roles=["info@acme.com"]), "info@acme.com", None),
        (JunkPolicy(allow_roles=["info@acme.com"]), "info@other.com", "role-mailbox"),
        (JunkPolicy(allow_roles={"INFO "}), "info@acme.com", None),  # entries folded
        (JunkPolicy(extra_roles=["leads"]), "leads2@acme.com", None),
        (JunkPolicy(extra_roles=["bookkeeping"]), "bookkeeping@acme.com", "role-mailbox"),
        (JunkPolicy(extra_noreply=["bounce"]), "bounce@acme.com", "noreply-mailbox"),
        (JunkPolicy(allow_noreply=["noreply@acme.com"], role=False), "noreply@acme.com", None),
        (JunkPolicy(extra_disposable=["trash.io"]), "joe@trash.io", "disposable-domain"),
        (JunkPolicy(extra_disposable=["trash.io"]), "joe@a.trash.io", "disposable-domain"),
        (JunkPolicy(allow_disposable=["mailinator.com"]), "joe@mailinator.com", None),
        (JunkPolicy(allow_disposable=["mailinator.com"]), "joe@eu.mailinator.com", None),
    ],
)
def test_policy_switches_extras_and_allow_lists(
    policy: JunkPolicy, address: str, code: str | None
) -> None:
    hit = classify_junk(address, policy)
    assert (hit[0] if hit else None) == code


def test_policy_is_hashable_and_frozen() -> None:
    policy = JunkPolicy(extra_roles=["a", "b"])
    assert policy == JunkPolicy(extra_roles=("b", "a"))
    assert hash(policy) == hash(JunkPolicy(extra_roles=["b", "a"]))
    with pytest.raises(AttributeError):
        policy.role = False  # type: ignore[misc]


def test_single_string_entry_is_one_entry() -> None:
    assert JunkPolicy(allow_roles="info").allow_roles == frozenset({"info"})


_ADDRESSES = [
    "sara@acme.com",
    "no-reply@acme.com",
    "info@acme.com",
    "info+x@acme.com",
    "joe@mailinator.com",
    "joe@eu.mailinator.com",
    "joe@trash.io",
    "bounce@acme.com",
    "x.do_not.reply@acme.com",
]


@pytest.mark.parametrize(
    "policy",
    [
        JunkPolicy(),
        JunkPolicy(noreply=False),
        JunkPolicy(role=False, disposable=False),
        JunkPolicy(extra_disposable=["trash.io"], allow_disposable=["eu.mailinator.com"]),
        JunkPolicy(allow_roles=["info"], extra_noreply=["bounce"]),
        JunkPolicy(allow_disposable=["joe@mailinator.com"]),
    ],
)
def test_batch_agrees_with_single(policy: JunkPolicy) -> None:
    from sfclean.cleaners.junk import classify_junk_batch

    expected = [classify_junk(a, policy) for a in _ADDRESSES]
    assert classify_junk_batch(_ADDRESSES, policy) == expected


_LOCAL = st.sampled_from(
    [
        *("sara", "info", "Info", "no-reply", "_no.reply", "do_not-reply", "noreplies", "sales"),
        *("x", "all.staff", "allXstaff", "all-staff", "co-op", "in", "infos", "customer.service"),
    ]
)
_TAG = st.sampled_from(["", "+x", "+no+reply", "+a@b"])
_DOMAIN = st.sampled_from(
    ["acme.com", "mailinator.com", "eu.mailinator.com", "trash.io", "a+b.com", "é.com", ""]
)
_JUNKISH = st.builds(lambda a, t, d: f"{a}{t}@{d}", _LOCAL, _TAG, _DOMAIN) | st.text(
    alphabet="ab+@.-_n\u00e9\ndoreply", max_size=14
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_JUNKISH, max_size=10), st.booleans(), st.booleans(), st.booleans())
def test_batch_agrees_with_single_property(
    addresses: list[str], noreply: bool, role: bool, disposable: bool
) -> None:
    # the batch reads local parts and domains with one multi-line scan
    from sfclean.cleaners.junk import classify_junk_batch

    policy = JunkPolicy(noreply=noreply, role=role, disposable=disposable)
    expected = [classify_junk(a, policy) for a in addresses]
    assert classify_junk_batch(addresses, policy) == expected


@pytest.mark.parametrize(
    "local",
    [
        # German, Spanish, French, Italian, Dutch, Portuguese
        "vertrieb", "verkauf", "kontakt", "buchhaltung", "rechnung", "zentrale",
        "ventas", "contacto", "comercial", "contabilidad", "facturacion", "soporte",
        "commercial", "contact", "compta", "comptabilite", "facturation", "accueil",
        "vendite", "commerciale", "contatti", "amministrazione", "segreteria", "assistenza",
        "verkoop", "boekhouding", "administratie", "klantenservice", "receptie",
        "vendas", "contato", "financeiro", "contabilidade", "atendimento", "suporte",
    ],
)  # fmt: skip
def test_european_role_mailboxes(local: str) -> None:
    assert classify_junk(f"{local}@firma.de", JunkPolicy())[0] == "role-mailbox"  # type: ignore[index]


@pytest.mark.parametrize("local", ["juergen", "maria", "jan.de.vries", "giulia.rossi", "joao"])
def test_people_are_not_role_mailboxes(local: str) -> None:
    assert classify_junk(f"{local}@firma.de", JunkPolicy()) is None


def test_european_list_says_where_it_comes_from() -> None:
    from importlib import resources

    text = resources.files("sfclean").joinpath("data/role_mailboxes_eu.txt").read_text("utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("written for sfclean" in line for line in header)
    words = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all(w.isascii() and w == w.lower() and " " not in w for w in words)
    assert set(words) <= role_mailboxes()
    assert "#" not in "".join(role_mailboxes())


def test_a_lone_surrogate_is_classified_one_by_one() -> None:
    # Arrow holds UTF-8 only: such a column takes classify_junk for every address
    from sfclean.cleaners.junk import classify_junk_batch

    addresses = ["a\ud800@x.com", "info@x.com", "noreply@mailinator.com", "a@@b", "b\ud800@x"]
    expected = [classify_junk(a, DEFAULT) for a in addresses]
    assert classify_junk_batch(addresses, DEFAULT) == expected
    assert expected[1] is not None and expected[2] is not None
