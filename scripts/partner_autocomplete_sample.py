"""Generate the partner_autocomplete addon's sample register (fictional companies).

    python scripts/partner_autocomplete_sample.py            # rewrites the shipped seed file
    python scripts/partner_autocomplete_sample.py OUT.csv --count 100000 --seed 7

The output is a GLEIF LEI-CDF CSV (the columns the addon reads, plus its
``Extra.*`` columns) of made-up companies with checksum-valid LEIs and VAT
numbers across the EU, Northern Ireland (XI), GB, CH, NO and the US. Every
row says it is sample data. The same count and seed give the same file.
"""

from __future__ import annotations

import csv
import random
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stdnum.iso7064 import mod_97_10  # noqa: E402

from addons.partner_autocomplete import vat  # noqa: E402

SEED_FILE = ROOT / "addons" / "partner_autocomplete" / "data" / "sample_companies.csv"
COLUMNS = [
    "LEI",
    "Entity.LegalName",
    "Entity.LegalAddress.FirstAddressLine",
    "Entity.LegalAddress.AdditionalAddressLine.1",
    "Entity.LegalAddress.City",
    "Entity.LegalAddress.Region",
    "Entity.LegalAddress.Country",
    "Entity.LegalAddress.PostalCode",
    "Entity.LegalForm.OtherLegalForm",
    "Entity.EntityCreationDate",
    "Extra.VAT",
    "Extra.Website",
    "Extra.Email",
    "Extra.Phone",
    "Extra.Industry",
    "Extra.Employees",
    "Extra.Description",
]
DESCRIPTION = "Sample data: a fictional company generated for demos and tests."

# country: (VAT prefix, legal forms, tld, phone prefix, cities [(city, zip, region)],
#           surnames, street)
COUNTRIES = {
    "AT": (
        "AT",
        ["GmbH", "AG", "KG"],
        "at",
        "+43",
        [("Wien", "1010", ""), ("Graz", "8010", ""), ("Linz", "4020", "")],
        ["Gruber", "Huber", "Wagner", "Pichler", "Moser", "Steiner"],
        "Hauptstraße",
    ),
    "BE": (
        "BE",
        ["NV", "BV", "SA", "SRL"],
        "be",
        "+32",
        [
            ("Bruxelles", "1000", ""),
            ("Antwerpen", "2000", ""),
            ("Gent", "9000", ""),
            ("Liège", "4000", ""),
        ],
        ["Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Vandenberghe", "Wouters"],
        "Rue de la Loi",
    ),
    "BG": (
        "BG",
        ["EOOD", "OOD", "AD"],
        "bg",
        "+359",
        [("Sofia", "1000", ""), ("Plovdiv", "4000", "")],
        ["Ivanov", "Georgiev", "Dimitrov", "Petrov"],
        "Vitosha Blvd",
    ),
    "CY": (
        "CY",
        ["Ltd"],
        "com.cy",
        "+357",
        [("Nicosia", "1010", ""), ("Limassol", "3030", "")],
        ["Christou", "Georgiou", "Charalambous"],
        "Makariou Avenue",
    ),
    "CZ": (
        "CZ",
        ["s.r.o.", "a.s."],
        "cz",
        "+420",
        [("Praha", "110 00", ""), ("Brno", "602 00", "")],
        ["Novák", "Svoboda", "Dvořák", "Černý"],
        "Národní",
    ),
    "DE": (
        "DE",
        ["GmbH", "AG", "KG", "GmbH & Co. KG"],
        "de",
        "+49",
        [
            ("Berlin", "10115", ""),
            ("München", "80331", ""),
            ("Hamburg", "20095", ""),
            ("Köln", "50667", ""),
        ],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Schäfer"],
        "Hauptstraße",
    ),
    "DK": (
        "DK",
        ["A/S", "ApS"],
        "dk",
        "+45",
        [("København", "1050", ""), ("Aarhus", "8000", "")],
        ["Jensen", "Nielsen", "Hansen", "Sørensen"],
        "Strøget",
    ),
    "EE": (
        "EE",
        ["OÜ", "AS"],
        "ee",
        "+372",
        [("Tallinn", "10111", ""), ("Tartu", "51003", "")],
        ["Tamm", "Saar", "Sepp", "Mägi"],
        "Narva mnt",
    ),
    "GR": (
        "EL",
        ["AE", "EPE", "IKE"],
        "gr",
        "+30",
        [("Athina", "105 57", ""), ("Thessaloniki", "546 24", "")],
        ["Papadopoulos", "Vlachos", "Angelopoulos", "Nikolaou"],
        "Odos Ermou",
    ),
    "ES": (
        "ES",
        ["S.A.", "S.L."],
        "es",
        "+34",
        [("Madrid", "28001", ""), ("Barcelona", "08001", ""), ("Sevilla", "41001", "")],
        ["García", "Fernández", "López", "Martínez", "Peña", "Muñoz"],
        "Calle Mayor",
    ),
    "FI": (
        "FI",
        ["Oy", "Oyj"],
        "fi",
        "+358",
        [("Helsinki", "00100", ""), ("Tampere", "33100", "")],
        ["Korhonen", "Virtanen", "Mäkinen", "Nieminen"],
        "Mannerheimintie",
    ),
    "FR": (
        "FR",
        ["SA", "SAS", "SARL"],
        "fr",
        "+33",
        [
            ("Paris", "75002", ""),
            ("Lyon", "69002", ""),
            ("Marseille", "13001", ""),
            ("Toulouse", "31000", ""),
        ],
        ["Martin", "Bernard", "Lefèvre", "Girard", "Moreau", "Rousseau", "Fournier"],
        "Rue de Rivoli",
    ),
    "HR": (
        "HR",
        ["d.o.o.", "d.d."],
        "hr",
        "+385",
        [("Zagreb", "10000", ""), ("Split", "21000", "")],
        ["Horvat", "Kovačević", "Babić", "Marić"],
        "Ilica",
    ),
    "HU": (
        "HU",
        ["Kft.", "Zrt."],
        "hu",
        "+36",
        [("Budapest", "1051", ""), ("Debrecen", "4024", "")],
        ["Nagy", "Kovács", "Tóth", "Szabó"],
        "Andrássy út",
    ),
    "IE": (
        "IE",
        ["Limited", "DAC", "PLC"],
        "ie",
        "+353",
        [("Dublin", "D02 X285", ""), ("Cork", "T12 W8CV", "")],
        ["Murphy", "Kelly", "O'Sullivan", "Walsh", "Byrne"],
        "Grafton Street",
    ),
    "IT": (
        "IT",
        ["S.p.A.", "S.r.l."],
        "it",
        "+39",
        [("Milano", "20121", "MI"), ("Roma", "00184", "RM"), ("Torino", "10121", "TO")],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Colombo"],
        "Via Roma",
    ),
    "LT": (
        "LT",
        ["UAB", "AB"],
        "lt",
        "+370",
        [("Vilnius", "01103", ""), ("Kaunas", "44280", "")],
        ["Kazlauskas", "Jankauskas", "Petrauskas"],
        "Gedimino pr.",
    ),
    "LU": (
        "LU",
        ["S.A.", "S.à r.l."],
        "lu",
        "+352",
        [("Luxembourg", "L-1724", ""), ("Esch-sur-Alzette", "L-4002", "")],
        ["Schmit", "Muller", "Weber", "Hoffmann"],
        "Boulevard Royal",
    ),
    "LV": (
        "LV",
        ["SIA", "AS"],
        "lv",
        "+371",
        [("Rīga", "LV-1050", ""), ("Liepāja", "LV-3401", "")],
        ["Bērziņš", "Kalniņš", "Ozoliņš"],
        "Brīvības iela",
    ),
    "MT": (
        "MT",
        ["Ltd", "p.l.c."],
        "com.mt",
        "+356",
        [("Valletta", "VLT 1117", ""), ("Sliema", "SLM 1549", "")],
        ["Borg", "Camilleri", "Vella", "Farrugia"],
        "Republic Street",
    ),
    "NL": (
        "NL",
        ["B.V.", "N.V."],
        "nl",
        "+31",
        [
            ("Amsterdam", "1012 AB", ""),
            ("Rotterdam", "3011 AD", ""),
            ("Utrecht", "3511 AA", ""),
            ("Eindhoven", "5611 AB", ""),
        ],
        ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit"],
        "Damrak",
    ),
    "PL": (
        "PL",
        ["Sp. z o.o.", "S.A."],
        "pl",
        "+48",
        [("Warszawa", "00-001", ""), ("Kraków", "31-001", ""), ("Gdańsk", "80-001", "")],
        ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński"],
        "ul. Marszałkowska",
    ),
    "PT": (
        "PT",
        ["Lda", "S.A."],
        "pt",
        "+351",
        [("Lisboa", "1100-148", ""), ("Porto", "4000-322", "")],
        ["Silva", "Santos", "Ferreira", "Pereira", "Gonçalves"],
        "Rua Augusta",
    ),
    "RO": (
        "RO",
        ["S.R.L.", "S.A."],
        "ro",
        "+40",
        [("București", "010011", ""), ("Cluj-Napoca", "400001", "")],
        ["Popescu", "Ionescu", "Popa", "Stan"],
        "Calea Victoriei",
    ),
    "SE": (
        "SE",
        ["AB"],
        "se",
        "+46",
        [("Stockholm", "111 22", ""), ("Göteborg", "411 03", ""), ("Malmö", "211 20", "")],
        ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson"],
        "Drottninggatan",
    ),
    "SI": (
        "SI",
        ["d.o.o.", "d.d."],
        "si",
        "+386",
        [("Ljubljana", "1000", ""), ("Maribor", "2000", "")],
        ["Novak", "Horvat", "Kranjc", "Zupančič"],
        "Slovenska cesta",
    ),
    "SK": (
        "SK",
        ["s.r.o.", "a.s."],
        "sk",
        "+421",
        [("Bratislava", "811 01", ""), ("Košice", "040 01", "")],
        ["Horváth", "Kováč", "Varga", "Tóth"],
        "Obchodná",
    ),
    "XI": (
        "XI",
        ["Ltd"],
        "co.uk",
        "+44",
        [("Belfast", "BT1 5GS", ""), ("Derry", "BT48 6HQ", "")],
        ["McCann", "Doherty", "Quinn"],
        "Royal Avenue",
    ),
    "GB": (
        "GB",
        ["Ltd", "PLC", "LLP"],
        "co.uk",
        "+44",
        [
            ("London", "EC1A 1BB", ""),
            ("Manchester", "M1 1AE", ""),
            ("Edinburgh", "EH1 1YZ", ""),
            ("Bristol", "BS1 4DJ", ""),
        ],
        ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans"],
        "High Street",
    ),
    "CH": (
        "CHE",
        ["AG", "GmbH", "SA", "Sàrl"],
        "ch",
        "+41",
        [
            ("Zürich", "8001", ""),
            ("Genève", "1204", ""),
            ("Basel", "4051", ""),
            ("Lausanne", "1003", ""),
        ],
        ["Meier", "Keller", "Brunner", "Baumann", "Favre"],
        "Bahnhofstrasse",
    ),
    "NO": (
        "NO",
        ["AS", "ASA"],
        "no",
        "+47",
        [("Oslo", "0150", ""), ("Bergen", "5003", ""), ("Trondheim", "7011", "")],
        ["Hansen", "Johansen", "Olsen", "Larsen", "Haugen"],
        "Karl Johans gate",
    ),
    "US": (
        "US",
        ["Inc.", "LLC", "Corp."],
        "com",
        "+1",
        [
            ("New York", "10001", "NY"),
            ("San Francisco", "94103", "CA"),
            ("Austin", "78701", "TX"),
            ("Chicago", "60601", "IL"),
            ("Boston", "02108", "MA"),
        ],
        ["Johnson", "Miller", "Davis", "Anderson", "Thompson", "Harris", "Clark"],
        "Main Street",
    ),
}
TRADES = [
    ("Brewing", "Food & beverage"),
    ("Logistics", "Transport & logistics"),
    ("Software", "Software"),
    ("Engineering", "Engineering"),
    ("Textiles", "Textiles"),
    ("Pharma", "Pharmaceuticals"),
    ("Consulting", "Consulting"),
    ("Solar", "Energy"),
    ("Bakeries", "Food & beverage"),
    ("Robotics", "Machinery"),
    ("Print", "Printing"),
    ("Furniture", "Furniture"),
    ("Foods", "Food & beverage"),
    ("Analytics", "Software"),
    ("Construction", "Construction"),
    ("Shipping", "Transport & logistics"),
]
PREFIXES = ["", "", "", "Nova", "Alpha", "Nord", "Atlas", "Helio", "Terra", "Blue", "Vita", "Orbis"]
BANDS = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"]


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def valid_vat(rng: random.Random, prefix: str) -> str:
    """A random number with the country's shape that python-stdnum accepts."""
    example = vat.expected_format(prefix).split("(")[1].rstrip(")")[len(prefix) :]
    if prefix == "US":
        example = "91" + example[2:]  # a valid IRS campus prefix, the rest random
    for _ in range(200_000):
        body = "".join(
            str(rng.randrange(10)) if c.isdigit() else c for c in example[: len(example)]
        )
        if prefix == "US":
            body = example[:2] + body[2:]
        if vat.is_valid(prefix + body):
            return vat.parse(prefix + body).compact
    raise RuntimeError(f"no valid number found for {prefix}")


def lei(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    base = "5493" + "00" + "".join(rng.choice(alphabet) for _ in range(12))
    return base + mod_97_10.calc_check_digits(base)


def companies(count: int, seed: int = 1):
    """``count`` sample companies as CSV rows (dicts), the same for the same seed."""
    rng = random.Random(seed)
    codes = sorted(COUNTRIES)
    used: set[str] = set()
    produced = 0
    while produced < count:
        country = codes[produced % len(codes)]
        prefix, forms, tld, phone, cities, surnames, street = COUNTRIES[country]
        trade, industry = rng.choice(TRADES)
        lead = rng.choice(PREFIXES)
        surname = rng.choice(surnames)
        if count > 2000:  # a big register needs more distinct names
            surname = f"{surname} {rng.choice(surnames)}" if rng.random() < 0.3 else surname
            lead = lead or rng.choice(PREFIXES[3:]) + rng.choice(["tec", "line", "gen", "ia", "or"])
        core = " ".join(p for p in (lead, surname, trade) if p)
        if core in used:
            core = f"{core} {rng.choice(['Group', 'Partners', 'Holding', 'Europe', 'Services'])}"
        if core in used:
            continue
        used.add(core)
        form = rng.choice(forms)
        city, zip_code, region = rng.choice(cities)
        domain = f"{_slug(core)}.{tld}"
        iso = "GB" if country == "XI" else country
        yield {
            "LEI": lei(rng),
            "Entity.LegalName": f"{core} {form}",
            "Entity.LegalAddress.FirstAddressLine": f"{street} {rng.randrange(1, 250)}",
            "Entity.LegalAddress.AdditionalAddressLine.1": rng.choice(["", "", "", "Building B"]),
            "Entity.LegalAddress.City": city,
            "Entity.LegalAddress.Region": f"{iso}-{region}" if region else "",
            "Entity.LegalAddress.Country": iso,
            "Entity.LegalAddress.PostalCode": zip_code,
            "Entity.LegalForm.OtherLegalForm": form,
            "Entity.EntityCreationDate": (
                f"{rng.randrange(1890, 2024)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}"
            ),
            "Extra.VAT": valid_vat(rng, prefix),
            "Extra.Website": f"https://www.{domain}",
            "Extra.Email": f"info@{domain}",
            "Extra.Phone": (
                f"{phone} {rng.randrange(10, 99)} {rng.randrange(100, 999)} "
                f"{rng.randrange(1000, 9999)}"
            ),
            "Extra.Industry": industry,
            "Extra.Employees": rng.choice(BANDS),
            "Extra.Description": DESCRIPTION,
        }
        produced += 1


def write(path: Path, count: int, seed: int = 1) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(companies(count, seed))


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(SEED_FILE))
    parser.add_argument("--count", type=int, default=320)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    write(Path(args.out), args.count, args.seed)
    print(f"wrote {args.count} sample companies to {args.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
