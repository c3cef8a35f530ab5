"""Synthetic extracted Lead/Contact records for the scan benchmark, with planted clusters.

:func:`generate` returns one DataFrame in the shape :func:`sfclean.scanning.engine.cluster_records`
reads (``object, Id, Email, Phone, MobilePhone, FirstName, LastName, Company, AccountId,
LeadSource, MailingCountry, Country, CreatedById, created_by, user_type, profile,
CreatedDate, IsConverted, ConvertedContactId, MasterRecordId, IsDeleted`` as Bulk API text)
plus two answer columns the engine ignores: ``planted`` (the planted cluster number, -1 for a
singleton) and ``link`` (how a member meets its cluster's first member: ``email``,
``provider`` (a Gmail dots/+tag spelling) or ``phone`` (another email, the same phone)).

- 80 % Contacts (Id prefix 003), 20 % Leads (00Q), 18-character Ids;
- ``cluster_share`` (5 %) of the records in planted clusters of 2-4 records, Leads and
  Contacts mixed; members carry dirty spellings of one address: capitals, padding,
  ``"Name" <addr>`` wrappers, and Gmail dots/+tags; some share only a phone, written in
  another national or international format (trunk prefix ``1``/``0``, ``00`` prefix,
  ``+``); extensions appear only on singletons (an extension makes another key);
- accented names (José, Zoë, Björk, Łukasz...), countries in their own language
  (Deutschland, España) or as codes;
- creators: 40 sales users, three integration users (API) that create most newer duplicates
  in bursts seconds apart, one migration user who holds Set Audit Fields;
- records that must be left out, each sharing the email of a record it would otherwise
  cluster with: converted leads (IsConverted, ConvertedContactId), merge victims
  (MasterRecordId set, IsDeleted) and deleted records (IsDeleted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MIGRATION_USER", "generate"]

FIRST = [
    "Ann",
    "José",
    "Zoë",
    "Björk",
    "Łukasz",
    "Sara",
    "Omar",
    "Li",
    "Eva",
    "Raj",
    "Mia",
    "Kofi",
    "Inès",
    "Søren",
    "Chloé",
    "Tom",
]
LAST = [
    "Lee",
    "García",
    "Müller",
    "Chen",
    "Khan",
    "Novák",
    "Okafor",
    "Rossi",
    "Meyer",
    "Silva",
    "Nguyễn",
    "O'Brien",
    "Smith",
    "Dubois",
]
ASCII_LAST = [
    "lee",
    "garcia",
    "muller",
    "chen",
    "khan",
    "novak",
    "okafor",
    "rossi",
    "meyer",
    "silva",
    "nguyen",
    "obrien",
    "smith",
    "dubois",
]
ASCII_FIRST = [
    "ann",
    "jose",
    "zoe",
    "bjork",
    "lukasz",
    "sara",
    "omar",
    "li",
    "eva",
    "raj",
    "mia",
    "kofi",
    "ines",
    "soren",
    "chloe",
    "tom",
]
DOMAINS = [
    "acme.com",
    "example.org",
    "globex.io",
    "initech.co.uk",
    "umbrella.de",
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "stark.fr",
]
# (country cell, region, phone formats); {a} area/city, {n} subscriber digits
COUNTRIES = [
    ("USA", "US"),
    ("United States", "US"),
    ("", "US"),
    ("US", "US"),
    ("UK", "GB"),
    ("United Kingdom", "GB"),
    ("Deutschland", "DE"),
    ("Germany", "DE"),
    ("France", "FR"),
    ("España", "ES"),
]
US_AREAS = [212, 310, 312, 415, 512, 617, 206, 303, 404, 305, 702, 503, 646, 718, 213, 408]
SOURCES = ["Web", "Trade Show", "Partner", "Purchased List", "Phone Inquiry", ""]
MIGRATION_USER = "005000000000900AAA"


def _user_ids(count: int, start: int) -> list[str]:
    return [f"005000000{start + i:06d}AAA" for i in range(count)]


def _creators() -> pd.DataFrame:
    sales = _user_ids(40, 100)
    integrations = _user_ids(3, 800)
    return pd.DataFrame(
        {
            "CreatedById": [*sales, *integrations, MIGRATION_USER],
            "created_by": [f"rep{i}@corp.example" for i in range(40)]
            + ["marketo.sync@corp.example", "zapier@corp.example", "webform@corp.example"]
            + ["migration@corp.example"],
            "user_type": ["Standard"] * 44,
            "profile": ["Sales User"] * 40 + ["Integration User"] * 3 + ["System Administrator"],
        }
    )


def _phone(region: str, serial: int, style: int) -> str:
    """A phone that is unique per ``serial``, in one of the formats people type."""
    if region == "US":
        area, sub = US_AREAS[serial % len(US_AREAS)], 2_000_000 + serial // len(US_AREAS)
        e, s = f"{sub // 10000:03d}", f"{sub % 10000:04d}"
        return [
            f"({area}) {e}-{s}",
            f"{area}.{e}.{s}",
            f"+1 {area} {e} {s}",
            f"1-{area}-{e}-{s}",
            f"011 1 {area} {e} {s}",
        ][style % 5]
    if region == "GB":
        sub = 70_000_000 + serial % 10_000_000  # London 020 7xxx xxxx
        return [
            f"020 {sub // 10000:04d} {sub % 10000:04d}",
            f"+44 20 {sub // 10000:04d} {sub % 10000:04d}",
            f"0044 20 {sub:08d}",
            f"(020) {sub:08d}",
            f"020{sub:08d}",
        ][style % 5]
    if region == "DE":
        sub = 2_000_000 + serial % 7_000_000
        return [f"030 {sub}", f"+49 30 {sub}", f"0049 30 {sub}", f"(030) {sub}", f"030-{sub}"][
            style % 5
        ]
    if region == "FR":
        sub = 10_000_000 + serial % 80_000_000
        d = f"{sub:08d}"
        return [
            f"01 {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
            f"+33 1 {d}",
            f"0033 1 {d}",
            f"01.{d[:2]}.{d[2:4]}.{d[4:6]}.{d[6:]}",
            f"01{d}",
        ][style % 5]
    d = f"{serial % 10_000_000:07d}"
    return [f"91 {d[:3]} {d[3:]}", f"+34 91{d}", f"0034 91 {d}", f"91{d}", f"(91) {d}"][style % 5]


def _dirty(address: str, name: str, style: int) -> str:
    """One stored spelling of ``address`` that cleans to the same email key."""
    if style == 0:
        return address
    if style == 1:
        return address.upper()
    if style == 2:
        return f"  {address.capitalize()} "
    if style == 3:
        return f'"{name}" <{address}>'
    return f"<{address.title()}>"


def _gmail_variant(local: str, serial: int) -> str:
    """A Gmail spelling of ``local@gmail.com`` that only the provider key joins."""
    dotted = ".".join(local.replace(".", "")) if serial % 2 else local.replace(".", "")
    return f"{dotted}+crm{serial % 7}@gmail.com" if serial % 3 else f"{dotted}@googlemail.com"


def _cluster_sizes(rng: np.random.Generator, members: int) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < members:
        sizes.append(int(rng.choice([2, 2, 2, 2, 3, 3, 4])))
    if sum(sizes) > members:
        sizes[-1] -= sum(sizes) - members
        if sizes[-1] < 2:
            sizes[-2] += sizes.pop()
    return sizes


def _slots(rng: np.random.Generator, n: int, cluster_share: float, left_out: int) -> pd.DataFrame:
    """One row per record: person, planted cluster, position in it, link kind."""
    sizes = _cluster_sizes(rng, round(n * cluster_share))
    clustered = sum(sizes)
    singles = n - clustered - left_out
    planted = np.repeat(np.arange(len(sizes)), sizes)
    position = np.concatenate([np.arange(s) for s in sizes])
    person = np.concatenate([singles + planted, np.arange(singles)])
    roll = rng.random(clustered)
    link = np.where(roll < 0.7, "email", np.where(roll < 0.85, "provider", "phone"))
    link[position == 0] = "email"
    return pd.DataFrame(
        {
            "person": person,
            "planted": np.concatenate([planted, np.full(singles, -1)]),
            "position": np.concatenate([position, np.zeros(singles, dtype=np.int64)]),
            "link": np.concatenate([link, np.full(singles, "email")]),
        }
    )


_START = pd.Timestamp("2019-01-01", tz="UTC").value // 10**9
_SPLIT = pd.Timestamp("2025-07-01", tz="UTC").value // 10**9
_END = pd.Timestamp("2025-12-31", tz="UTC").value // 10**9


def _contact_row(p: int, planted: int, position: int, link: str, roll: float) -> tuple:
    """(Email, Phone, MobilePhone, FirstName, LastName, country cell) of one record."""
    fi, li = p % len(FIRST), (p // len(FIRST)) % len(LAST)
    domain = "gmail.com" if planted >= 0 and planted % 3 == 0 else DOMAINS[p % len(DOMAINS)]
    local = f"{ASCII_FIRST[fi]}.{ASCII_LAST[li]}{p}"
    address = f"{local}@{domain}"
    country, region = COUNTRIES[p % len(COUNTRIES)]
    name = f"{FIRST[fi]} {LAST[li]}"
    phone = (
        _phone(region, p, position)
        if (planted >= 0 and (position == 0 or link == "phone")) or roll < 0.65
        else ""
    )
    if link == "provider" and domain == "gmail.com":
        email = _gmail_variant(local, p + position)
    elif link == "phone":
        email = f"{local}.work{position}@{DOMAINS[(p + position) % 5]}"
    else:
        email = _dirty(address, name, (p + position) % 5)
    if planted < 0 and phone and region == "US" and roll < 0.02:
        phone += f" ext. {p % 900 + 100}"  # an extension: another key than the bare number
    area = US_AREAS[p % len(US_AREAS)]
    sub = 2_000_000 + (10_000_000 + p) // len(US_AREAS)
    mobile = f"+1 {area} {sub // 10000:03d} {sub % 10000:04d}" if roll > 0.7 else ""
    return email, phone, mobile, FIRST[fi], LAST[li], country


def _creators_and_times(rng: np.random.Generator, slots: pd.DataFrame, users: pd.DataFrame):
    """(user row index, epoch seconds) per record: incumbents and singletons spread over
    2019-2025 mostly by sales reps; newer duplicates after 2025-07, 60 % by the three
    integrations in bursts of up to 25 records 1-20 s apart (every 10th run 120 s apart)."""
    n = len(slots)
    newer = slots["position"].to_numpy() > 0
    user = rng.choice(44, size=n, p=[0.85 / 40] * 40 + [0.1 / 3] * 3 + [0.05])
    when = rng.integers(_START, _SPLIT, size=n)
    dup = np.flatnonzero(newer)
    roll = rng.random(len(dup))
    user[dup] = np.where(roll < 0.6, 40 + (dup % 3), np.where(roll < 0.9, dup % 40, 43))
    when[dup] = rng.integers(_SPLIT, _END, size=len(dup))
    for integration in (40, 41, 42):
        rows = dup[user[dup] == integration]
        for k, start in enumerate(range(0, len(rows), 25)):
            chunk = rows[start : start + 25]
            gaps = np.full(len(chunk), 120) if k % 10 == 9 else rng.integers(1, 21, len(chunk))
            when[chunk] = rng.integers(_SPLIT, _END - 10**5) + np.cumsum(gaps)
    return user, when


def generate(n: int = 2_000_000, *, seed: int = 7, cluster_share: float = 0.05) -> pd.DataFrame:
    """``n`` extracted records (see the module docstring), rows in random order."""
    rng = np.random.default_rng(seed)
    left_out = round(n * 0.015)
    slots = _slots(rng, n, cluster_share, left_out)
    rolls = rng.random(len(slots))
    rows = [
        _contact_row(p, c, q, link, r)
        for p, c, q, link, r in zip(
            slots["person"].tolist(),
            slots["planted"].tolist(),
            slots["position"].tolist(),
            slots["link"].tolist(),
            rolls.tolist(),
            strict=True,
        )
    ]
    frame = pd.DataFrame(
        rows, columns=["Email", "Phone", "MobilePhone", "FirstName", "LastName", "country"]
    )
    frame["object"] = np.where(rng.random(len(frame)) < 0.2, "Lead", "Contact")
    frame["planted"], frame["link"] = slots["planted"].to_numpy(), slots["link"].to_numpy()
    users = _creators()
    user, when = _creators_and_times(rng, slots, users)
    frame["user"], frame["when"] = user, when
    frame = pd.concat([frame, _left_out(rng, frame, left_out)], ignore_index=True)
    return _finish(rng, frame, users)


def _left_out(rng: np.random.Generator, frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """Converted leads, merge victims and deleted records, each a copy of a singleton's
    email and phone, so that only the exclusions keep them out of clusters."""
    singles = frame["planted"].to_numpy() < 0
    contacts = np.flatnonzero(singles & (frame["object"].to_numpy() == "Contact"))
    kind = np.where(
        np.arange(count) % 20 < 10,
        "converted",
        np.where(np.arange(count) % 20 < 17, "merged", "deleted"),
    )
    targets = rng.choice(np.flatnonzero(singles), size=count, replace=False)
    converted = np.flatnonzero(kind == "converted")
    targets[converted] = rng.choice(contacts, size=len(converted), replace=False)
    copy = frame.iloc[targets].reset_index(drop=True).copy()
    copy["Email"] = [e.upper() if k % 2 else e for k, e in enumerate(copy["Email"].tolist())]
    copy["object"] = np.where(kind == "converted", "Lead", copy["object"])
    copy["kind"], copy["target"] = kind, targets
    copy["planted"], copy["link"] = -1, "left-out"
    copy["when"] = rng.integers(_START, _END, size=count)
    return copy


def _ids(prefix: str, count: int) -> np.ndarray:
    # 15 characters of digits have the case-checksum suffix "AAA"
    return np.array([f"{prefix}000{k:09d}AAA" for k in range(count)], dtype=object)


def _finish(rng: np.random.Generator, frame: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Ids in creation order per object, the Salesforce fields as Bulk API text, shuffled."""
    frame = frame.sort_values("when", kind="stable").reset_index()
    objects = frame["object"].to_numpy(dtype=object)
    ids = np.empty(len(frame), dtype=object)
    for name, prefix in (("Contact", "003"), ("Lead", "00Q")):
        rows = np.flatnonzero(objects == name)
        ids[rows] = _ids(prefix, len(rows))
    id_of = pd.Series(ids, index=frame["index"].to_numpy())
    kind = frame["kind"].fillna("").to_numpy(dtype=object)
    target = frame["target"].fillna(-1).astype(np.int64).to_numpy()
    target_id = np.where(target >= 0, id_of.reindex(target).to_numpy(dtype=object), "")
    is_contact = objects == "Contact"
    user = frame["user"].to_numpy()
    out = pd.DataFrame(
        {
            "object": objects,
            "Id": ids,
            "Email": frame["Email"].to_numpy(dtype=object),
            "Phone": frame["Phone"].to_numpy(dtype=object),
            "MobilePhone": frame["MobilePhone"].to_numpy(dtype=object),
            "FirstName": frame["FirstName"].to_numpy(dtype=object),
            "LastName": frame["LastName"].to_numpy(dtype=object),
            "Company": np.where(is_contact, "", "Acme Corporation"),
            "AccountId": np.where(
                is_contact, [f"001000{k % 400_000:09d}AAA" for k in range(len(frame))], ""
            ),
            "LeadSource": np.array(SOURCES, dtype=object)[np.arange(len(frame)) % len(SOURCES)],
            "MailingCountry": np.where(is_contact, frame["country"], ""),
            "Country": np.where(is_contact, "", frame["country"]),
            "CreatedById": users["CreatedById"].to_numpy(dtype=object)[user],
            "created_by": users["created_by"].to_numpy(dtype=object)[user],
            "user_type": users["user_type"].to_numpy(dtype=object)[user],
            "profile": users["profile"].to_numpy(dtype=object)[user],
            "CreatedDate": pd.to_datetime(frame["when"], unit="s", utc=True)
            .dt.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
            .to_numpy(dtype=object),
            "IsConverted": np.where(kind == "converted", "true", np.where(is_contact, "", "false")),
            "ConvertedContactId": np.where(kind == "converted", target_id, ""),
            "MasterRecordId": np.where(kind == "merged", target_id, ""),
            "IsDeleted": np.where((kind == "merged") | (kind == "deleted"), "true", "false"),
            "planted": frame["planted"].to_numpy(),
            "link": frame["link"].to_numpy(dtype=object),
        }
    )
    return out.iloc[rng.permutation(len(out))].reset_index(drop=True)
