"""Generate two contact exports as their tools write them, with the damage real ones carry.

    python sample_data/make_exports.py      # writes outlook_contacts.csv, linkedin_connections.csv

Deterministic: run it again and both files are byte-for-byte the same (a test checks it).
People, companies and numbers are made up: reserved example domains (``*.example``,
example.com/org/net), UK drama numbers (020 7946 0xxx, 07700 900xxx), US 555-01xx, and the
fictional ranges ``make_leads.py`` uses for Germany, France and Australia.

``outlook_contacts.csv`` is classic Outlook's "Export to a File > Comma Separated Values":
the 92 columns of Outlook's contact export in its own order ("First Name", "E-mail Address",
"Business Phone", "Mobile Phone", "Business Country/Region", ...), every field quoted, CRLF
line ends, in the Windows ANSI code page (cp1252), unset dates as ``0/0/00``, and Outlook's
defaults in "Gender", "Priority", "Private" and "Sensitivity". Its damage: an Exchange contact
whose "E-mail Address" is an X.500 path, not an address (``E-mail Type`` EX); contacts with
no address (phone-only); the same person twice (the second time in upper case); role
mailboxes; countries in their own language (Deutschland, España, Schweiz); national phone
numbers with trunk prefixes, 00 prefixes and extensions (x204, ext. 12); text in a phone
field ("ask reception"); multi-line Notes; Notes that start with "-" (a bullet Excel reads
as a formula) or "=".

``linkedin_connections.csv`` is LinkedIn's Connections.csv (Settings > Data privacy > Get a
copy of your data): a "Notes:" preamble of three rows before the header, so it is read with
``--skip-rows 3``; then "First Name,Last Name,URL,Email Address,Company,Position,Connected
On", UTF-8 without BOM, LF line ends, dates as ``04 Sep 2026``. Its damage: most addresses
empty (LinkedIn shows only those members allow), names with emoji and credentials
(``"Pat, MBA"``), companies with commas, one address in upper case with a trailing space,
the same address twice, and a "-" placeholder position.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).parent

#: Outlook's contact export columns, in the order Outlook writes them.
OUTLOOK_HEADER = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business Street 3", "Business City",
    "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
    "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code",
    "Home Country/Region", "Other Street", "Other Street 2", "Other Street 3", "Other City",
    "Other State", "Other Postal Code", "Other Country/Region", "Assistant's Phone",
    "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone",
    "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone",
    "Telex", "Account", "Anniversary", "Assistant's Name", "Billing Information", "Birthday",
    "Business Address PO Box", "Categories", "Children", "Directory Server", "E-mail Address",
    "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
    "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials",
    "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage",
    "Notes", "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority",
    "Private", "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2",
    "User 3", "User 4", "Web Page",
]  # fmt: skip

_X500 = (
    "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
    "cn=2f1c9a0e7b4d4c55a1e0f3b9c8d7e6a5-jonas.berg"
)

# (first, last, company, job title, city, postal code, country, business phone, mobile,
#  e-mail address, e-mail type, notes)
OUTLOOK_PEOPLE: list[tuple[str, ...]] = [
    ("Ann", "Lee", "Northwind Traders", "VP Sales", "Boston", "02134", "United States of America",
     "(617) 555-0101", "617.555.0102", "ann.lee@northwind.example", "SMTP", ""),
    ("José", "García", "Contoso Ltd", "CTO", "Madrid", "28013", "España",
     "+34 91 123 45 67", "", "jose.garcia@contoso.example", "SMTP",
     "Met at MWC.\r\nWants a demo in Spanish."),
    ("Zoë", "Müller", "Fabrikam GmbH", "Head of Marketing", "Berlin", "10115", "Deutschland",
     "030 90182011", "+49 (0)30 90182012", "zoe.mueller@fabrikam.example", "SMTP", ""),
    ("Chloé", "Dubois", "Tailspin SARL", "Buyer", "Paris", "75002", "France",
     "01 99 00 12 34", "0033 1 99 00 12 35", "c.dubois@tailspin.example", "SMTP",
     "- met at the trade show\r\n- send pricing"),
    ("Jonas", "Berg", "Woodgrove Bank", "IT Director", "London", "EC1A 1BB", "United Kingdom",
     "020 7946 0123", "07700 900123", _X500, "EX", ""),
    ("Priya", "Patel", "Adatum Corporation", "Data Analyst", "Leeds", "LS1 4AP", "United Kingdom",
     "+44 20 7946 0456 ext. 12", "", "priya.patel@adatum.example", "SMTP", ""),
    ("Liam", "O'Brien", "Litware Inc.", "CEO", "Austin", "78701", "United States",
     "+1 (512) 555-0199 x204", "(512) 555-0198", "liam.obrien@litware.example", "SMTP",
     "=call before the quarter ends"),
    ("Maya", "Rossi", "Proseware", "Office Manager", "Boston", "02134", "United States",
     "(617) 555-0131", "", "info@proseware.example", "SMTP", "Shared inbox, not a person."),
    ("Hiro", "Tanaka", "Wingtip Toys", "Operations Manager", "Sydney", "2000", "Australia",
     "02 5550 1234", "0491 570 156", "", "", "Phone only; ask for an address."),
    ("Björn", "Jensen", "Lucerne Publishing", "Procurement Lead", "Zürich", "8001", "Schweiz",
     "+41 44 668 18 00", "", "bjorn.jensen@lucerne.example", "SMTP", ""),
    ("ANN", "LEE", "Northwind Traders", "VP Sales", "Boston", "02134", "USA",
     "617-555-0101", "", "ANN.LEE@NORTHWIND.EXAMPLE", "SMTP", "Imported twice from the CRM."),
    ("Emma", "Walsh", "Fourth Coffee", "Buyer", "Dublin", "D02 X285", "Ireland",
     "+353 1 555 0142", "", "sales@fourthcoffee.example", "SMTP", ""),
    ("Farid", "Khan", "Blue Yonder Airlines", "VP Sales", "Toronto", "M5H 2N2", "Canada",
     "(416) 555-0177", "", "farid.khan@blue-yonder.example", "SMTP", ""),
    ("Grace", "Nguyen", "Trey Research", "Data Analyst", "San Francisco", "94105",
     "United States of America", "", "(415) 555-0161", "", "", ""),
    ("Victor", "Moreau", "Coho Vineyard", "CEO", "Nice", "06000", "France",
     "+33 1 99 00 12 56", "", "victor.moreau@coho.example", "SMTP", ""),
    ("Ines", "Silva", "Margie's Travel", "Operations Manager", "Lisboa", "1100-148", "Portugal",
     "+351 21 555 0199", "", "ines.silva@margiestravel.example", "SMTP", ""),
    ("Sven", "Fischer", "Alpine Ski House", "IT Director", "Dresden", "01067", "Germany",
     "0049 30 90182033", "", "sven.fischer@alpineski.example", "SMTP", ""),
    ("Tara", "Evans", "Humongous Insurance", "Head of Marketing", "London", "EC2A 4NE",
     "United Kingdom", "020 7946 0789", "ask reception", "t.evans@humongous.example", "SMTP",
     ""),
]  # fmt: skip

LINKEDIN_PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    "are missing. You will only see email addresses for connections who have allowed their "
    'connections to see or download their email address."\n'
    "\n"
)
LINKEDIN_HEADER = [
    "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
]  # fmt: skip
# (first, last, profile slug, email, company, position, connected on)
LINKEDIN_PEOPLE: list[tuple[str, ...]] = [
    ("Ann", "Lee", "annlee", "ann.lee@northwind.example", "Northwind Traders", "VP Sales",
     "04 Sep 2026"),
    ("Pat", "Sample, MBA", "pat-sample", "", "Contoso, Ltd.", "Director of Product",
     "02 Sep 2026"),
    ("Kavya 🚀", "Iyer", "kavya-iyer", "", "Wide World Importers", "Founder & CEO",
     "28 Aug 2026"),
    ("Mateo", "Costa", "mateocosta", "MATEO.COSTA@WOODGROVE.EXAMPLE ", "Woodgrove Bank",
     "Procurement Lead", "15 Aug 2026"),
    ("Keiko", "Sato", "keiko-sato-7b2a1", "", "Litware, Inc.", "Data Analyst", "01 Aug 2026"),
    ("Lars", "Novak", "larsnovak", "", "", "-", "22 Jul 2026"),
    ("Nora", "Berg", "nora-berg", "nora@gmail.com", "Self-employed", "Consultant",
     "10 Jul 2026"),
    ("Deepa", "Iyer", "deepa-iyer", "", "Adatum Corporation", "Head of Marketing",
     "30 Jun 2026"),
    ("Mateo", "Costa", "mateo-costa-2", "mateo.costa@woodgrove.example", "Woodgrove Bank",
     "Procurement Lead", "12 Jun 2026"),
    ("Carlos", "Silva", "carlos-silva", "", "Proseware", "CTO", "03 Jun 2026"),
    ("Elena", "Kowalski", "elenakowalski", "hello@tailspin.example", "Tailspin Toys",
     "Marketing", "21 May 2026"),
    ("Finn", "Walsh", "finn-walsh", "", "Fourth Coffee", "Buyer", "09 May 2026"),
]  # fmt: skip


def outlook_text() -> str:
    """The Outlook export as text (CRLF, every field quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(OUTLOOK_HEADER)
    for person in OUTLOOK_PEOPLE:
        first, last, company, title, city, postcode, country = person[:7]
        phone, mobile, email, email_type, notes = person[7:]
        row = dict.fromkeys(OUTLOOK_HEADER, "")
        row.update(
            {
                "First Name": first,
                "Last Name": last,
                "Company": company,
                "Job Title": title,
                "Business City": city,
                "Business Postal Code": postcode,
                "Business Country/Region": country,
                "Business Phone": phone,
                "Mobile Phone": mobile,
                "E-mail Address": email,
                "E-mail Type": email_type,
                "E-mail Display Name": f"{first} {last} ({email})" if email_type else "",
                "Notes": notes,
                "Anniversary": "0/0/00",
                "Birthday": "0/0/00",
                "Gender": "Unspecified",
                "Initials": f"{first[0]}.{last[0]}.",
                "Priority": "Normal",
                "Private": "False",
                "Sensitivity": "Normal",
            }
        )
        writer.writerow(row.values())
    return buffer.getvalue()


def linkedin_text() -> str:
    """LinkedIn's Connections.csv as text (the preamble, then LF-terminated rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LINKEDIN_HEADER)
    for first, last, slug, email, company, position, connected in LINKEDIN_PEOPLE:
        url = f"https://www.linkedin.com/in/{slug}"
        writer.writerow([first, last, url, email, company, position, connected])
    return LINKEDIN_PREAMBLE + buffer.getvalue()


def write(directory: Path = HERE) -> list[Path]:
    """Write both files into ``directory``; returns their paths."""
    outlook = directory / "outlook_contacts.csv"
    outlook.write_bytes(outlook_text().encode("cp1252"))
    linkedin = directory / "linkedin_connections.csv"
    linkedin.write_bytes(linkedin_text().encode("utf-8"))
    return [outlook, linkedin]


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")
