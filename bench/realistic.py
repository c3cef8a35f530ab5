"""A realistic contact export for the normalize bench (issue 13).

:func:`generate` writes ``FirstName``, ``LastName``, ``Email``, ``Phone``, ``MobilePhone`` and
``Country`` the way people type them, per country:

- national numbers with a trunk prefix (``020 7946 0958``, ``030 1234567``,
  ``06 12 34 56 78``, ``912 345 678``), ``/`` and ``.`` separators (``030/1234567``,
  ``01.23.45.67.89``), ``+44 (0)20 ...`` and ``+49 (0)30 ...``, ``00`` / ``0044`` / ``0033``
  international prefixes, extensions (``x12``, ``ext. 204``, ``#3``), NANP numbers with a
  leading ``1`` (``1-212-555-0123``), Canadian numbers (``+1`` with Canadian area codes);
- countries in their own language (``Deutschland``, ``España``, ``Royaume-Uni``) or as codes;
- Unicode names (``José García``, ``Łukasz Wójcik``, ``Zoë Müller``), emails mostly in ASCII
  and about 1 % with a non-ASCII local part (which normalize must hold back);
- about 30 % of rows repeat an earlier person; a quarter of those retype the email (case,
  padding) and give another phone, so about 75 % of the email cells are distinct;
- about 2 % role or disposable mailboxes, 1 % broken emails, 3 % blank and 2 % damaged phones.

Python's ``random`` (not numpy) draws per row: it is ~10x cheaper per call, so 3,000,000 rows
take about a minute.
"""

from __future__ import annotations

import argparse
import csv
import random
import unicodedata
from collections.abc import Iterator

import pandas as pd

__all__ = ["COLUMNS", "COUNTRY_REGION", "generate", "rows", "write_csv"]

FIRST = {
    "US": ["Sarah", "James", "Mary", "John", "Ana", "Li", "Omar", "Mia", "Tom", "Zoe"],
    "CA": ["Émilie", "Luc", "Chloé", "Noah", "Olivia", "François", "Liam", "Maëlle"],
    "GB": ["Oliver", "Amelia", "Siobhán", "Harry", "Isla", "Raj", "Niamh", "George"],
    "DE": ["Jürgen", "Zoë", "Lukas", "Anna", "Björn", "Käthe", "Łukasz", "Sören"],
    "FR": ["Élodie", "Jérôme", "Hélène", "Loïc", "Céline", "Théo", "Inès", "Gaël"],
    "ES": ["José", "María", "Iñigo", "Lucía", "Álvaro", "Begoña", "Raúl", "Núria"],
}
LAST = {
    "US": ["Smith", "Johnson", "Garcia", "Chen", "Khan", "Nguyen", "O'Brien", "Lee"],
    "CA": ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Wong", "MacDonald", "Lévesque"],
    "GB": ["Jones", "Williams", "Taylor", "Ó Briain", "Patel", "Evans", "Murphy", "Brown"],
    "DE": ["Müller", "Schäfer", "Wójcik", "Groß", "Weiß", "Köhler", "Schmidt", "Öztürk"],
    "FR": ["Dupont", "Lefèvre", "Bérénger", "Moreau", "Girard", "Français", "Rousseau"],
    "ES": ["García", "Muñoz", "Peña", "Fernández", "López", "Ibáñez", "Martínez", "Núñez"],
}
DOMAINS = {
    "US": ["acme.com", "globex.com", "gmail.com", "outlook.com", "initech.us"],
    "CA": ["northwind.ca", "gmail.com", "banque.ca", "maple.io"],
    "GB": ["initech.co.uk", "gmail.com", "btinternet.com", "contoso.org.uk"],
    "DE": ["umbrella.de", "gmx.de", "web.de", "firma.com"],
    "FR": ["societe.fr", "orange.fr", "gmail.com", "entreprise.eu"],
    "ES": ["empresa.es", "telefonica.es", "gmail.com", "correo.com"],
}
#: Country cells as people type them (own language, English, codes) -> the region they mean.
COUNTRY_REGION = {
    "US": ["USA", "United States", "US", "U.S.", ""],
    "CA": ["Canada", "CA", "Kanada"],
    "GB": ["United Kingdom", "UK", "GB", "England", "Royaume-Uni"],
    "DE": ["Deutschland", "Germany", "DE", "Allemagne"],
    "FR": ["France", "FR", "Frankreich"],
    "ES": ["España", "Spain", "ES"],
}
#: Rows per country (an EMEA-heavy export of a North American company).
WEIGHTS = {"US": 35, "CA": 10, "GB": 20, "DE": 15, "FR": 12, "ES": 8}
JUNK = ["info@acme.com", "noreply@globex.com", "sales@initech.co.uk", "x@mailinator.com"]
JUNK += ["kontakt@umbrella.de", "contact@societe.fr", "admin@empresa.es"]
BAD = ["n/a", "sara@", "joe at acme.com", "-", "none", "jean@@societe.fr"]
US_AREAS = [212, 310, 312, 415, 512, 617, 206, 303, 404, 305, 702, 503, 646, 718, 213, 408]
CA_AREAS = [416, 647, 604, 778, 514, 438, 403, 587, 613, 905, 902, 204, 306, 519]
GB_LONDON = ["20 7946", "20 3123", "20 8765"]


def _ext(r: random.Random) -> str:
    n = r.randint(2, 999)
    return r.choice([f" x{n}", f" ext. {n}", f" ext {n}", f" #{n}", f" Ext.{n}"])


def _nanp(r: random.Random, areas: list[int]) -> str:
    a, b, c = r.choice(areas), r.randint(201, 989), r.randint(0, 9999)
    if b % 100 == 11:
        b += 1
    style = r.randrange(10)
    text = [
        f"({a}) {b}-{c:04d}",
        f"{a}-{b}-{c:04d}",
        f"{a}.{b}.{c:04d}",
        f"{a}{b}{c:04d}",
        f"+1 {a} {b} {c:04d}",
        f"+1 ({a}) {b}-{c:04d}",
        f"1-{a}-{b}-{c:04d}",
        f"1 ({a}) {b}-{c:04d}",
        f"{a}/{b}-{c:04d}",
        f"+1.{a}.{b}.{c:04d}",
    ][style]
    return text + _ext(r) if r.random() < 0.08 else text


def _gb(r: random.Random, mobile: bool) -> str:
    if mobile:
        nsn = f"7{r.choice('4579')}{r.randint(0, 99):02d} {r.randint(100000, 999999)}"
    elif r.random() < 0.6:
        nsn = f"{r.choice(GB_LONDON)} {r.randint(0, 9999):04d}"
    else:
        nsn = f"{r.choice(['161 496', '131 496', '117 496', '121 496'])} {r.randint(0, 9999):04d}"
    style = r.randrange(6)
    text = [f"0{nsn}", f"0{nsn}", f"+44 {nsn}", f"+44 (0){nsn}", f"0044 {nsn}", f"+44 0{nsn}"]
    out = text[style]
    return out + _ext(r) if not mobile and r.random() < 0.06 else out


def _de(r: random.Random, mobile: bool) -> str:
    if mobile:
        area, rest = r.choice(["151", "160", "171", "176"]), f"{r.randint(1000000, 9999999)}"
    else:
        area = r.choice(["30", "89", "40", "69", "221"])
        rest = (
            f"{r.randint(1000000, 9999999)}" if len(area) == 2 else f"{r.randint(100000, 999999)}"
        )
    style = r.randrange(7)
    text = [
        f"0{area} {rest}",
        f"0{area}/{rest}",
        f"0{area}-{rest}",
        f"+49 {area} {rest}",
        f"+49 (0){area} {rest}",
        f"0049 {area} {rest}",
        f"(0{area}) {rest}",
    ][style]
    return text + f"-{r.randint(0, 99)}" if not mobile and r.random() < 0.03 else text


def _fr(r: random.Random, mobile: bool) -> str:
    lead = r.choice("67") if mobile else r.choice("12345")
    pairs = [f"{r.randint(0, 99):02d}" for _ in range(4)]
    style = r.randrange(6)
    return [
        f"0{lead} {' '.join(pairs)}",
        f"0{lead}.{'.'.join(pairs)}",
        f"0{lead}{''.join(pairs)}",
        f"+33 {lead} {' '.join(pairs)}",
        f"+33 (0){lead} {' '.join(pairs)}",
        f"0033 {lead} {' '.join(pairs)}",
    ][style]


def _es(r: random.Random, mobile: bool) -> str:
    lead = r.choice("67") if mobile else "9" + r.choice("1135")
    rest = f"{r.randint(0, 9999999):07d}" if len(lead) == 2 else f"{r.randint(0, 99999999):08d}"
    digits = lead + rest
    style = r.randrange(4)
    return [
        f"{digits[:3]} {digits[3:6]} {digits[6:]}",
        f"+34 {digits[:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}",
        f"0034 {digits}",
        digits,
    ][style]


def _phone(r: random.Random, region: str, mobile: bool) -> str:
    roll = r.random()
    if roll < 0.03:
        return ""
    if roll < 0.04:
        return r.choice(["4.15555E+09", "12345", "n/a", "000000", "tbd"])
    if roll < 0.05:
        return f"{r.randint(0, 99999):05d}"
    if region == "US":
        return _nanp(r, US_AREAS)
    if region == "CA":
        return _nanp(r, CA_AREAS)
    if region == "GB":
        return _gb(r, mobile)
    if region == "DE":
        return _de(r, mobile)
    if region == "FR":
        return _fr(r, mobile)
    return _es(r, mobile)


def _ascii(text: str) -> str:
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in flat.lower() if c.isalnum())


def _email(r: random.Random, region: str, first: str, last: str, i: int) -> str:
    roll = r.random()
    if roll < 0.02:
        return r.choice(JUNK)
    if roll < 0.03:
        return r.choice(BAD)
    if roll < 0.04:
        return ""
    domain = r.choice(DOMAINS[region])
    if roll < 0.05:  # a Unicode local part: held back (ASCII local parts only)
        return f"{first.lower()}.{last.lower().replace(' ', '')}{i}@{domain}"
    local = (
        f"{_ascii(first)}.{_ascii(last)}{i}"
        if r.random() < 0.8
        else f"{_ascii(first)[0]}{_ascii(last)}{i}"
    )
    email = f"{local}@{domain}"
    if roll < 0.12:
        return email.title()
    if roll < 0.15:
        return f" {email}\u00a0"
    return email


def _retype_email(r: random.Random, email: str) -> str:
    return r.choice([email.upper(), email.title(), f"  {email}", f"{email} "])


COLUMNS = ("FirstName", "LastName", "Email", "Phone", "MobilePhone", "Country")


def rows(n: int, seed: int = 7, *, pool: int | None = None) -> Iterator[tuple[str, ...]]:
    """N rows (:data:`COLUMNS`): ~70 % new people, ~30 % repeats of an earlier person (some
    retyped). ``pool``: remember at most this many people for the repeats (each new one
    then replaces one at random), so a file larger than memory can be written; None
    remembers everyone (what :func:`generate` does)."""
    r = random.Random(seed)
    regions = [code for code, w in WEIGHTS.items() for _ in range(w)]
    people: list[tuple[str, ...]] = []  # region, first, last, email, phone, mobile
    for i in range(n):
        if people and r.random() < 0.30:
            region, first, last, email, phone, mobile = people[r.randrange(len(people))]
            if r.random() < 0.25:
                email, phone = _retype_email(r, email), _phone(r, region, mobile=False)
        else:
            region = r.choice(regions)
            first, last = r.choice(FIRST[region]), r.choice(LAST[region])
            email = _email(r, region, first, last, i)
            phone = _phone(r, region, mobile=False)
            mobile = _phone(r, region, mobile=True) if r.random() < 0.6 else ""
            person = (region, first, last, email, phone, mobile)
            if pool is None or len(people) < pool:
                people.append(person)
            else:
                people[r.randrange(pool)] = person
        yield first, last, email, phone, mobile, r.choice(COUNTRY_REGION[region])


def generate(n: int, seed: int = 7) -> pd.DataFrame:
    """N rows (:func:`rows`) as a frame of text."""
    return pd.DataFrame(list(rows(n, seed)), columns=list(COLUMNS), dtype="str")


def write_csv(path: str, n: int, seed: int = 7, *, pool: int | None = 1_000_000) -> None:
    """N rows (:func:`rows`, remembering at most ``pool`` people) written to ``path`` as
    UTF-8 CSV, row by row (as pandas' ``to_csv`` would write them)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows(n, seed, pool=pool))


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a realistic contact export as CSV.")
    parser.add_argument("path")
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pool", type=int, default=1_000_000, help="people remembered")
    args = parser.parse_args()
    write_csv(args.path, args.rows, args.seed, pool=args.pool)


if __name__ == "__main__":
    main()
