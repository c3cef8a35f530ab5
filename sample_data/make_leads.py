"""Generate sample_data/leads.csv: a ~200-row lead/enrichment export with every problem
sfclean normalize handles (see the README). Deterministic: run it again and the file is
byte-for-byte the same.

    python sample_data/make_leads.py            # writes sample_data/leads.csv

Companies use reserved example domains (``*.example``, example.com/org/net); public webmail
and disposable domains (gmail.com, mailinator.com, ...) appear only where a rule needs them.
Phone numbers come from fictional ranges (US/CA 555-01xx, UK 020 7946 0xxx, AU 02 5550 xxxx,
...).
"""

from __future__ import annotations

import csv
import random
import unicodedata
from pathlib import Path

SEED = 20261127
HEADER = [
    "FirstName",
    "LastName",
    "Title",
    "Company",
    "Email",
    "Phone",
    "MobilePhone",
    "Street",
    "City",
    "State",
    "PostalCode",
    "Country",
    "Industry",
    "NumberOfEmployees",
    "LeadSource",
    "Enrichment_Id__c",
    "Description",
]

FIRST = [
    "Ann", "Ben", "Chloé", "David", "Emma", "Farid", "Grace", "Hiro", "Isabel", "Jonas",
    "Kavya", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Rosa", "Sven", "Tara",
    "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoë", "Amelia", "Björn", "Carlos", "Deepa",
    "Elena", "Finn", "Gabriel", "Hannah", "Ines", "Jack", "Keiko", "Lars", "Mateo", "Nora",
]  # fmt: skip
LAST = [
    "Lee", "Okafor", "Martin", "Schmidt", "Dubois", "Patel", "Nguyen", "Smith", "Müller",
    "García", "Kowalski", "O'Brien", "Rossi", "Tanaka", "Jensen", "Silva", "Khan", "Brown",
    "Wilson", "Moreau", "Fischer", "Iyer", "Walsh", "Novak", "Berg", "Costa", "Evans", "Sato",
]  # fmt: skip
COMPANY_WORDS = [
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Woodgrove", "Adatum", "Litware",
    "Proseware", "Wingtip", "Lucerne", "Fourth Coffee", "Blue Yonder", "Alpine Ski",
    "Margie Travel", "Coho Vineyard", "Trey Research", "Humongous", "Wide World",
]  # fmt: skip
SUFFIXES = ["Inc.", "Ltd", "GmbH", "SARL", "Pty Ltd", "LLC", "Group", "Labs"]
TITLES = ["VP Sales", "CTO", "Head of Marketing", "Office Manager", "Data Analyst",
          "Procurement Lead", "CEO", "IT Director", "Operations Manager", "Buyer"]  # fmt: skip
INDUSTRIES = ["Technology", "Retail", "Manufacturing", "Healthcare", "Finance", "Education"]
SOURCES = ["Web", "Trade Show", "Enrichment", "Partner Referral", "Webinar", "Purchased List"]

# Per country: how the Country cell is written, city, state, postcode, and phone formatters
# (national and international) built from fictional ranges.
COUNTRIES = {
    "US": {
        "names": ["US", "USA", "United States", "us", ""],
        "places": [
            ("Boston", "MA", "02134"),
            ("Jersey City", "NJ", "07302"),
            ("San Francisco", "CA", "94105"),
            ("Austin", "TX", "78701"),
        ],
        "phones": [
            "({a}) 555-01{n:02d}",
            "{a}.555.01{n:02d}",
            "+1-{a}-555-01{n:02d}",
            "1 {a} 555 01{n:02d}",
            "{a}55501{n:02d}",
        ],
        "areas": ["617", "201", "415", "512"],
    },
    "GB": {
        "names": ["UK", "United Kingdom", "GB", "England"],
        "places": [("London", "", "EC1A 1BB"), ("Leeds", "", "LS1 4AP")],
        "phones": ["020 7946 0{n:03d}", "+44 20 7946 0{n:03d}", "00 44 20 7946 0{n:03d}"],
        "areas": [""],
    },
    "DE": {
        "names": ["DE", "Germany", "Deutschland"],
        "places": [("Dresden", "SN", "01067"), ("Berlin", "BE", "10115")],
        "phones": ["030 901820{n:02d}", "+49 30 901820{n:02d}", "+49 (0)30 901820{n:02d}"],
        "areas": [""],
    },
    "FR": {
        "names": ["FR", "France"],
        "places": [("Nice", "", "06000"), ("Paris", "", "75002")],
        "phones": ["01 99 00 12 {n:02d}", "+33 1 99 00 12 {n:02d}", "0033 1 99 00 12 {n:02d}"],
        "areas": [""],
    },
    "IN": {
        "names": ["IN", "India"],
        "places": [("Mumbai", "MH", "400001"), ("Bengaluru", "KA", "560001")],
        "phones": ["022 2345 67{n:02d}", "+91 22 2345 67{n:02d}", "+91-98765-432{n:02d}"],
        "areas": [""],
    },
    "AU": {
        "names": ["AU", "Australia"],
        "places": [("Sydney", "NSW", "2000"), ("Darwin", "NT", "0800")],
        "phones": ["02 5550 12{n:02d}", "+61 2 5550 12{n:02d}", "0491 570 1{n:02d}"],
        "areas": [""],
    },
    "CA": {
        "names": ["CA", "Canada"],
        "places": [("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6B 1A1")],
        "phones": ["(416) 555-01{n:02d}", "+1 604 555 01{n:02d}"],
        "areas": [""],
    },
}
COUNTRY_WEIGHTS = {"US": 40, "GB": 14, "DE": 10, "FR": 8, "IN": 8, "AU": 8, "CA": 6}

# Email cells that break one rule each (reason code -> raw cell values).
INVALID_EMAILS = ["ann.lee@", "mark smith@tailspin.example", "sales@@contoso.example",
                  "j.doe@fabrikam", "olivia.example.com", "raj@wingtip..example", "n/a", "NA",
                  "Null", "see notes", "tom@proseware.example, tim@proseware.example"]  # fmt: skip
NOREPLY = ["noreply@adatum.example", "no-reply@litware.example", "do-not-reply@lucerne.example",
           "DoNotReply@example.org", "no_reply@wingtip.example", "noreply+bounce@example.net"]  # fmt: skip
ROLE = ["info@northwind.example", "sales@contoso.example", "Support@fabrikam.example",
        "admin@example.com", "contact@alpine-ski.example", "hello@blue-yonder.example",
        "office@humongous.example", "marketing@example.org"]  # fmt: skip
DISPOSABLE = ["jane.fake@mailinator.com", "test123@guerrillamail.com", "k.l@10minutemail.com",
              "shopper@yopmail.com", "deals4me@trashmail.com", "x9@eu.mailinator.com"]  # fmt: skip
BAD_PHONES = ["555-1234", "123", "n/a", "0000000000", "+1 (999) 000-0000", "phone on request"]
NOTES = [
    "Met at booth 12, asked for pricing.\nFollow up in Q3, or sooner if budget frees up.",
    'Replied "maybe later", wants a demo, not a call.',
    "Referred by partner; prefers email.",
    "",
]


def _slug(words: str) -> str:
    return "-".join(words.lower().replace(".", "").split())


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def _local_part(rng: random.Random, first: str, last: str, used: set[str]) -> str:
    f, last_ = _ascii(first).lower(), _ascii(last).lower()
    for local in (
        f"{f}.{last_}",
        f"{f[0]}.{last_}",
        f"{f}{last_[0]}",
        f"{f}.{last_}{rng.randint(2, 99)}",
    ):
        if local not in used:
            used.add(local)
            return local
    raise AssertionError("ran out of addresses")  # pragma: no cover


def _person(rng: random.Random, i: int, used: set[str]) -> dict[str, str]:
    code = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    spec = COUNTRIES[code]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    word = rng.choice(COMPANY_WORDS)
    company = f"{word} {rng.choice(SUFFIXES)}"
    domain = rng.choice([f"{_slug(word)}.example", "example.com", "example.org", "example.net"])
    local = _local_part(rng, first, last, used)
    city, state, postcode = rng.choice(spec["places"])
    area = rng.choice(spec["areas"])
    phone = rng.choice(spec["phones"]).format(a=area or "415", n=i % 100)
    mobile = rng.choice(spec["phones"]).format(a=area or "415", n=(i * 7 + 3) % 100)
    return {
        "FirstName": first,
        "LastName": last,
        "Title": rng.choice(TITLES),
        "Company": company,
        "Email": f"{local}@{domain}",
        "Phone": phone,
        "MobilePhone": mobile if rng.random() < 0.5 else "",
        "Street": f"{rng.randint(1, 400)} {rng.choice(['High', 'Main', 'Park', 'Station'])} St",
        "City": city,
        "State": state,
        "PostalCode": postcode,
        "Country": rng.choice(spec["names"]),
        "Industry": rng.choice(INDUSTRIES),
        "NumberOfEmployees": str(rng.choice([12, 50, 250, 1200, 8000])),
        "LeadSource": rng.choice(SOURCES),
        "Enrichment_Id__c": f"{rng.randint(0, 9_999_999):07d}",
        "Description": rng.choice(NOTES[1:]) if rng.random() < 0.2 else "",
    }


def _damage_email(rng: random.Random, email: str, name: str) -> str:
    """Wrap a good address the way exports and copy-paste do; it stays the same address."""
    kinds = [
        lambda e: e.upper(),
        lambda e: e.title(),
        lambda e: f"  {e} ",
        lambda e: f"{e}\u00a0",
        lambda e: f"\u200b{e}",
        lambda e: f"\ufeff{e}\t",
        lambda e: f"mailto:{e}",
        lambda e: f"MAILTO:{e}",
        lambda e: f"{name} <{e}>",
        lambda e: f'"{name}" <{e}>',
    ]
    return rng.choice(kinds)(email)


def _damage_phone(rng: random.Random, row: dict[str, str]) -> None:
    """Spreadsheet and export damage on a phone cell (with a Country that fits it)."""
    n = rng.randint(0, 99)
    kinds = [
        (f"'+1 415 555 01{n:02d}", "US", "US"),
        (f"'020 7946 0{n:03d}", "GB", "UK"),
        ("4.15555E+09", "US", "US"),
        (f"41555501{n:02d}.0", "US", "United States"),
        (f"tel:+1-415-555-01{n:02d}", "US", ""),
        (f"(415) 555-01{n:02d} x{rng.randint(10, 999)}", "US", "USA"),
        (f"+1 415 555 01{n:02d} ext. {rng.randint(10, 99)}", "US", "US"),
        (f"011 44 20 7946 0{n:03d}", "US", "US"),
        (f"00 49 30 901820{n:02d}", "DE", "Germany"),
        (f"+44 (0)20 7946 0{n:03d}", "GB", "GB"),
    ]
    row["Phone"], code, row["Country"] = rng.choice(kinds)
    row["MobilePhone"] = ""
    row["City"], row["State"], row["PostalCode"] = rng.choice(COUNTRIES[code]["places"])


def build_rows(seed: int = SEED) -> list[dict[str, str]]:
    rng = random.Random(seed)
    used: set[str] = set()
    rows = [_person(rng, i, used) for i in range(150)]
    for row in rows[:40]:  # cosmetic email damage that must be cleaned, not rejected
        name = f"{row['FirstName']} {row['LastName']}"
        row["Email"] = _damage_email(rng, row["Email"], name)
    for row in rows[40:58]:
        _damage_phone(rng, row)
    for row, bad in zip(rows[58:64], BAD_PHONES, strict=True):
        row["Phone"] = bad
    for row in rows[64:70]:  # "NA" / "Null" / blanks in other columns must survive as text
        row[rng.choice(["Title", "Industry", "State"])] = rng.choice(["NA", "Null", "N/A"])
    rows[70]["FirstName"] = "Zoe\u0308"  # NFD (e + combining diaeresis), normalised to NFC
    rows[71]["Company"] = "Smith, Jones & Co"
    rows[72]["Street"] = "100 Main St\nSuite 200, Floor 3"
    rows[72]["Description"] = NOTES[0]
    rows[73]["Company"] = "  Northwind Traders\u00a0 "

    held: list[dict[str, str]] = []
    for value in INVALID_EMAILS + NOREPLY + ROLE + DISPOSABLE:  # one held-back reason each
        row = _person(rng, len(rows) + len(held), used)
        row["Email"] = value
        held.append(row)
    for _ in range(5):  # missing emails: blank and whitespace-only
        row = _person(rng, len(rows) + len(held), used)
        row["Email"] = rng.choice(["", " ", "\u00a0"])
        held.append(row)

    final = rows + held
    rng.shuffle(final)

    def insert_after(source: dict[str, str], copy: dict[str, str]) -> None:
        position = next(i for i, row in enumerate(final) if row is source)
        final.insert(rng.randint(position + 1, len(final)), copy)

    for source in rng.sample(rows[80:150], 8):  # in-file duplicates: same address, new wrapping
        copy = dict(source)
        copy["Email"] = rng.choice(
            [source["Email"].upper(), f" {source['Email']}", source["Email"]]
        )
        copy["Phone"] = ""
        copy["LeadSource"] = "Purchased List"
        insert_after(source, copy)
    for source in rng.sample(rows[80:150], 2):  # a later duplicate fills the kept row's blank
        copy = dict(source)
        source["Title"] = ""
        insert_after(source, copy)

    previous: dict[str, str] | None = None
    for first, last, email in [  # one inbox written several ways (provider-aware match key)
        ("Sara", "Lee", "sara.lee@gmail.com"),
        ("Sara", "Lee", "saralee+webinar@gmail.com"),
        ("Sara", "Lee", "Sara.Lee@googlemail.com"),
        ("Sam", "Ortiz", "sam.ortiz@gmail.com"),
        ("Sam", "Ortiz", "s.a.m.ortiz@gmail.com"),
        ("Ravi", "Iyer", "ravi.iyer@outlook.com"),
        ("Ravi", "Iyer", "ravi.iyer+crm@outlook.com"),
    ]:
        row = _person(rng, len(final), used)
        row.update({"FirstName": first, "LastName": last, "Email": email, "Company": ""})
        if previous is not None and previous["LastName"] == last:
            insert_after(previous, row)
        else:
            final.insert(rng.randint(0, len(final)), row)
        previous = row
    return final


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    out = Path(__file__).with_name("leads.csv")
    rows = build_rows()
    write(out, rows)
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
