"""Labelled person records for measuring fuzzy matching: duplicates under another email.

:func:`generate` returns Lead/Contact records in the shape
:func:`sfclean.scanning.fuzzy.fuzzy_pairs` reads (``object, Id, FirstName, LastName, Company,
Email, Phone, MobilePhone, City, MailingCity, Country, MailingCountry, CreatedDate``, as Bulk
API text) plus the answer column ``person`` (records of one person share it). The seed fixes
everything.

- ``duplicate_share`` of the people have 2-3 records; each copy varies the original the way
  CRM duplicates do: a nickname (Jon/Jonathan, Bill/William, Bob/Robert, Liz/Elizabeth... from
  the ``nicknames`` package's table, both ways), one typo in a name (swap, drop, double,
  substitute), accents dropped (José -> Jose), a company variant (``ACME Inc.``, ``Acme``,
  ``ACME Corporation``, ``acme, inc``, ``Acme GmbH``), the phone in another format
  (``(415) 555-0100``, ``+1 415-555-0100``, ``415.555.0100``, ``001 415 555 0100``), a
  different email (private Gmail, ``jsmith@`` vs ``jon.smith@``, a typo), blanks (no phone,
  no company, no city), the city in another case;
- hard non-matches: relatives sharing a phone and last name, colleagues sharing a last name
  and company, namesakes (same first and last name) elsewhere, common names (Smith, Müller);
- US, UK, German and French people, phones written in their national formats.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

__all__ = ["generate", "true_pairs"]

COMMON_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schäfer",
    "Koch",
    "Richter",
    "Wolf",
    "Martin",
    "Bernard",
    "Dubois",
    "Durand",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "García",
    "Núñez",
    "Peña",
]
FIRST = [
    "jonathan",
    "william",
    "robert",
    "elizabeth",
    "margaret",
    "katherine",
    "richard",
    "michael",
    "christopher",
    "daniel",
    "matthew",
    "anthony",
    "joseph",
    "thomas",
    "charles",
    "james",
    "patricia",
    "jennifer",
    "susan",
    "deborah",
    "rebecca",
    "alexander",
    "benjamin",
    "nicholas",
    "samuel",
    "andrew",
    "stephen",
    "timothy",
    "kenneth",
    "edward",
    "ronald",
    "donald",
    "jessica",
    "amanda",
    "stephanie",
    "victoria",
    "christine",
    "josé",
    "zoë",
    "inès",
    "chloé",
    "søren",
    "björn",
    "jürgen",
    "françois",
    "hélène",
    "élodie",
    "mateo",
    "lucía",
    "sofía",
    "omar",
    "priya",
    "raj",
    "wei",
    "mei",
    "kofi",
    "amara",
    "noah",
    "liam",
    "emma",
    "olivia",
    "ava",
    "mia",
    "lena",
    "jonas",
    "felix",
    "hannah",
    "paul",
    "marie",
    "louis",
    "camille",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "dor",
    "sa",
    "vel",
    "tin",
    "bra",
    "gor",
    "hal",
    "ne",
    "ost",
    "rik",
    "um",
    "fal",
    "zen",
    "pe",
    "qui",
    "wa",
    "ber",
    "ton",
]
COMPANY_WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Aperture",
    "Oscorp",
    "Dunder",
    "Pied",
    "Gringotts",
    "Monarch",
    "Nakatomi",
    "Virtucon",
    "Massive",
    "Blue",
    "Summit",
    "Nordic",
    "Alpine",
    "Harbor",
    "Pioneer",
    "Vertex",
    "Quantum",
    "Apex",
    "Crescent",
    "Evergreen",
    "Falcon",
    "Granite",
    "Horizon",
    "Ivory",
]
SUFFIXES = {
    "US": ("Inc.", "Inc", "LLC", "Corporation", "Corp.", "Co."),
    "GB": ("Ltd", "Ltd.", "Limited", "PLC"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG"),
    "FR": ("SA", "SAS", "SARL"),
}
CITIES = {
    "US": ("San Francisco", "New York", "Chicago", "Austin", "Seattle", "Boston", "Denver"),
    "GB": ("London", "Manchester", "Leeds", "Bristol", "Glasgow"),
    "DE": ("München", "Berlin", "Köln", "Hamburg", "Frankfurt am Main"),
    "FR": ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes"),
}
COUNTRY_NAMES = {
    "US": ("United States", "USA", "US"),
    "GB": ("United Kingdom", "UK", "GB"),
    "DE": ("Germany", "Deutschland", "DE"),
    "FR": ("France", "FR"),
}
FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "gmx.de", "orange.fr")


def _nickname_table() -> dict[str, list[str]]:
    from nicknames import NickNamer

    namer = NickNamer()
    return {name: sorted(namer.nicknames_of(name)) for name in FIRST if namer.nicknames_of(name)}


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = rng.integers(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + "aeiourstn"[int(rng.integers(9))] + word[i + 1 :]


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _phone_digits(country: str, rng: np.random.Generator) -> str:
    if country == "US":
        area = rng.choice(US_AREAS)
        return f"{area}{rng.integers(201, 999)}{rng.integers(0, 10000):04d}"
    if country == "GB":
        return f"7{rng.integers(100, 999)}{rng.integers(100000, 999999)}"
    if country == "DE":
        return f"{rng.choice(['30', '89', '40', '221'])}{rng.integers(1000000, 9999999)}"
    return f"{rng.choice(['1', '6', '7'])}{rng.integers(10000000, 99999999)}"


US_AREAS = [
    "415",
    "628",
    "212",
    "646",
    "718",
    "917",
    "312",
    "773",
    "512",
    "737",
    "206",
    "425",
    "617",
    "857",
    "303",
    "720",
    "650",
    "408",
    "510",
    "213",
    "305",
    "404",
]
CALLING = {"US": "1", "GB": "44", "DE": "49", "FR": "33"}


def _phone_text(country: str, digits: str, rng: np.random.Generator) -> str:
    """A national number written one of the ways people write it."""
    code = CALLING[country]
    style = int(rng.integers(4))
    if country == "US":
        a, b, c = digits[:3], digits[3:6], digits[6:]
        return (f"({a}) {b}-{c}", f"+1 {a}-{b}-{c}", f"{a}.{b}.{c}", f"001 {a} {b} {c}")[style]
    spaced = " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))
    return (f"0{digits}", f"+{code} {spaced}", f"0{spaced}", f"00{code} {digits}")[style]


def _company(rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return str(rng.choice(COMPANY_WORDS))
    return "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 4)))).capitalize() + (
        " " + str(rng.choice(("Systems", "Labs", "Partners", "Group", "Media")))
        if rng.random() < 0.4
        else ""
    )


def _company_variant(base: str, country: str, rng: np.random.Generator) -> str:
    suffix = str(rng.choice(SUFFIXES[country]))
    kind = int(rng.integers(5))
    return (
        f"{base} {suffix}",
        base,
        f"{base.upper()} {suffix}",
        f"{base.lower()}, {suffix.lower()}",
        f"{base.upper()}",
    )[kind]


def _last_name(rng: np.random.Generator) -> str:
    if rng.random() < 0.35:
        return str(rng.choice(COMMON_LAST))
    return "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 4)))).capitalize()


def _email(first: str, last: str, domain: str, rng: np.random.Generator) -> str:
    f, s = _strip_accents(first).lower(), _strip_accents(last).lower().replace(" ", "")
    local = (f"{f}.{s}", f"{f[0]}{s}", f"{f}{s}", f"{f}_{s}{rng.integers(1, 99)}", f)[
        int(rng.integers(5))
    ]
    return f"{local}@{domain}"


def _person(rng: np.random.Generator, person: int) -> dict[str, str]:
    country = str(rng.choice(list(CALLING), p=[0.55, 0.2, 0.15, 0.1]))
    first, last, company = str(rng.choice(FIRST)).capitalize(), _last_name(rng), _company(rng)
    domain = company.split()[0].lower() + (".com" if country == "US" else f".{country.lower()}")
    if country == "GB":
        domain = domain.replace(".gb", ".co.uk")
    return {
        "person": str(person),
        "country": country,
        "FirstName": first,
        "LastName": last,
        "company_base": company,
        "Company": _company_variant(company, country, rng),
        "digits": _phone_digits(country, rng),
        "City": str(rng.choice(CITIES[country])),
        "Email": _email(first, last, domain, rng),
        "domain": domain,
    }


def _vary_first(first: str, nicknames: dict[str, list[str]], rng: np.random.Generator) -> str:
    key = first.lower()
    roll = rng.random()
    if roll < 0.35 and key in nicknames:
        return str(rng.choice(nicknames[key])).capitalize()
    if roll < 0.5:
        return _typo(first, rng)
    if roll < 0.6:
        return _strip_accents(first)
    return first


def _copy(
    base: dict[str, str], nicknames: dict[str, list[str]], rng: np.random.Generator
) -> dict[str, str]:
    """Another record of the same person, as a second import or another rep creates it."""
    rec = dict(base)
    rec["FirstName"] = _vary_first(base["FirstName"], nicknames, rng)
    if rng.random() < 0.2:
        rec["LastName"] = _typo(base["LastName"], rng)
    elif rng.random() < 0.1:
        rec["LastName"] = _strip_accents(base["LastName"]).upper()
    rec["Company"] = (
        "" if rng.random() < 0.1 else _company_variant(base["company_base"], base["country"], rng)
    )
    roll = rng.random()
    if roll < 0.45:
        rec["Email"] = _email(rec["FirstName"], base["LastName"], str(rng.choice(FREE_MAIL)), rng)
    elif roll < 0.75:
        rec["Email"] = _email(rec["FirstName"], base["LastName"], base["domain"], rng)
    elif roll < 0.85:
        rec["Email"] = ""
    if rng.random() < 0.15:
        rec["digits"] = ""  # no phone on this copy
    if rng.random() < 0.15:
        rec["City"] = ""
    elif rng.random() < 0.2:
        rec["City"] = rec["City"].upper()
    return rec


def _relative(base: dict[str, str], rng: np.random.Generator, person: int) -> dict[str, str]:
    """A different person who shares a last name and the phone (family) or the company, or
    a namesake (same first and last name) elsewhere."""
    rec = _person(rng, person)
    if rng.random() < 0.25:
        rec["FirstName"], rec["LastName"] = base["FirstName"], base["LastName"]
        rec["Email"] = _email(rec["FirstName"], rec["LastName"], rec["domain"], rng)
        return rec
    rec["LastName"] = base["LastName"]
    rec["country"], rec["City"] = base["country"], base["City"]
    if rng.random() < 0.5:
        rec["digits"] = base["digits"]  # a household or switchboard phone
    else:
        rec["company_base"], rec["domain"] = base["company_base"], base["domain"]
        rec["Company"] = _company_variant(base["company_base"], base["country"], rng)
    while rec["FirstName"] == base["FirstName"]:
        rec["FirstName"] = str(rng.choice(FIRST)).capitalize()
    rec["Email"] = _email(rec["FirstName"], rec["LastName"], rec["domain"], rng)
    return rec


def _row(rec: dict[str, str], index: int, rng: np.random.Generator) -> dict[str, str]:
    country = rec["country"]
    lead = rng.random() < 0.3
    phone = _phone_text(country, rec["digits"], rng) if rec["digits"] else ""
    where = str(rng.choice(COUNTRY_NAMES[country]))
    mobile = rng.random() < 0.3
    return {
        "object": "Lead" if lead else "Contact",
        "Id": ("00Q" if lead else "003") + f"{index:012d}AAA",
        "FirstName": rec["FirstName"],
        "LastName": rec["LastName"],
        "Company": rec["Company"],
        "Email": rec["Email"],
        "Phone": "" if mobile else phone,
        "MobilePhone": phone if mobile else "",
        "City": rec["City"] if lead else "",
        "MailingCity": "" if lead else rec["City"],
        "Country": where if lead else "",
        "MailingCountry": "" if lead else where,
        "CreatedDate": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}T10:00:00.000+0000",
        "person": rec["person"],
    }


def _unique_mailboxes(records: list[dict[str, str]]) -> list[dict[str, str]]:
    """One mailbox belongs to one person: a different person drawn with an address already
    taken (two Mateos at Acme, both mateo@acme.de) gets a number in it, as mail admins do."""
    owner: dict[str, str] = {}
    for rec in records:
        email = rec["Email"]
        if email and owner.setdefault(email, rec["person"]) != rec["person"]:
            local, domain = email.split("@")
            rec["Email"] = f"{local}{rec['person']}@{domain}"
    return records


def generate(
    n: int = 2_000, *, seed: int = 16, duplicate_share: float = 0.25, hard_share: float = 0.1
) -> pd.DataFrame:
    """About ``n`` records (module docstring): ``duplicate_share`` of the people have 2-3
    records, ``hard_share`` of them have a relative or colleague (another person) who shares
    their last name and phone or company."""
    rng = np.random.default_rng(seed)
    nicknames = _nickname_table()
    records: list[dict[str, str]] = []
    person = 0
    while len(records) < n:
        base = _person(rng, person)
        records.append(base)
        if rng.random() < duplicate_share:
            records.extend(_copy(base, nicknames, rng) for _ in range(int(rng.integers(1, 3))))
        if rng.random() < hard_share:
            person += 1
            records.append(_relative(base, rng, person))
        person += 1
    records = _unique_mailboxes(records[:n])
    order = rng.permutation(len(records))
    rows = [_row(records[i], k, rng) for k, i in enumerate(order)]
    return pd.DataFrame(rows, dtype=object)


def true_pairs(records: pd.DataFrame) -> set[tuple[str, str]]:
    """Every pair of Ids (sorted) that belong to one person."""
    pairs: set[tuple[str, str]] = set()
    for _, ids in records.groupby("person")["Id"]:
        members = sorted(ids)
        pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return pairs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=20)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    frame = generate(args.n, seed=args.seed)
    print(frame.sort_values("person").to_string())
