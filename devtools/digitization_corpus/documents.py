"""Random document contents (what is printed) and their ground truth.

A document is a plain dict: ``truth`` holds exactly the extractor's field names and
normalised values; the other keys describe how to print it (language, formats...).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers

from . import identifiers
from .locales import MONEY_PLACEMENTS

CENT = Decimal("0.01")

_COUNTRY_LANGS = {"BE": ("fr", "nl", "en"), "NL": ("nl", "en"), "FR": ("fr",), "DE": ("de", "en")}
_TAX_RATES = {"BE": (21, 6), "NL": (21, 9), "FR": (20, 10), "DE": (19, 7)}
_SUFFIXES = {"BE": ("NV", "BV", "SA", "SRL"), "NL": ("B.V.", "N.V."), "FR": ("SAS", "SARL"),
             "DE": ("GmbH", "AG", "KG")}  # fmt: skip
_NAME_HEADS = (
    "Acme", "Nordwind", "Blauwe Haven", "Atelier Lumière", "Brightwater", "Kestrel",
    "Vandermeer", "Schwarzwald", "Delta Ponts", "Orion", "Meridian", "Hoogland",
    "Rivoli", "Alpenglück", "Polder", "Sable d'Or", "Greenfield", "Falkenberg",
)  # fmt: skip
_NAME_TAILS = (
    "Trading", "Consulting", "Logistics", "Software", "Bouw", "Technik", "Services",
    "Imprimerie", "Drukkerij", "Maschinenbau", "Design", "Solutions", "Transport",
)  # fmt: skip
_STREETS = {
    "BE": ("Rue de la Loi", "Kerkstraat", "Avenue Louise", "Meir"),
    "NL": ("Keizersgracht", "Dorpsstraat", "Stationsweg"),
    "FR": ("Rue de Rivoli", "Avenue Jean Jaurès", "Boulevard Haussmann"),
    "DE": ("Hauptstraße", "Bahnhofstraße", "Lindenallee"),
}
_CITIES = {
    "BE": (("1000", "Bruxelles"), ("2000", "Antwerpen"), ("9000", "Gent"), ("4000", "Liège")),
    "NL": (("1012 AB", "Amsterdam"), ("3511 CD", "Utrecht"), ("2511 EF", "Den Haag")),
    "FR": (("75001", "Paris"), ("69002", "Lyon"), ("33000", "Bordeaux")),
    "DE": (("10115", "Berlin"), ("80331", "München"), ("50667", "Köln")),
}
_ITEMS = {
    "en": ("Consulting services", "Website maintenance", "Office chairs", "Printer toner",
           "Software licence", "Delivery costs", "Training session", "Cloud hosting"),
    "fr": ("Prestations de conseil", "Maintenance du site", "Chaises de bureau",
           "Cartouches d'encre", "Licence logicielle", "Frais de livraison", "Formation"),
    "nl": ("Adviesdiensten", "Onderhoud website", "Bureaustoelen", "Printertoner",
           "Softwarelicentie", "Leveringskosten", "Opleiding", "Cloudhosting"),
    "de": ("Beratungsleistungen", "Wartung Webseite", "Bürostühle", "Druckertoner",
           "Softwarelizenz", "Versandkosten", "Schulung", "Cloud-Hosting"),
}  # fmt: skip


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT, ROUND_HALF_UP):.2f}"


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _company(rng: random.Random, country: str) -> dict:
    street = rng.choice(_STREETS[country])
    postcode, city = rng.choice(_CITIES[country])
    return {
        "name": f"{rng.choice(_NAME_HEADS)} {rng.choice(_NAME_TAILS)} "
        f"{rng.choice(_SUFFIXES[country])}",
        "address": [f"{street} {rng.randint(1, 220)}", f"{postcode} {city}"],
        "country": country,
        "vat": identifiers.make_vat(rng, country),
    }


def make_bill(rng: random.Random, index: int) -> dict:
    """Contents and ground truth of one vendor bill."""
    vendor = _company(rng, rng.choice(identifiers.VAT_COUNTRIES))
    customer = _company(rng, rng.choice(identifiers.VAT_COUNTRIES))
    while customer["name"] == vendor["name"]:
        customer = _company(rng, rng.choice(identifiers.VAT_COUNTRIES))
    lang = rng.choice(_COUNTRY_LANGS[vendor["country"]])
    currency = rng.choices(("EUR", "USD", "GBP"), weights=(6, 1, 1))[0]
    amount_style = {"en": "comma_dot", "fr": "space_comma", "nl": "dot_comma", "de": "dot_comma"}[
        lang
    ]
    if rng.random() < 0.3:
        amount_style = rng.choice(("comma_dot", "dot_comma", "space_comma"))
    rate = rng.choice(_TAX_RATES[vendor["country"]])
    lines = []
    for description in rng.sample(_ITEMS[lang], rng.randint(1, 6)):
        quantity = (
            Decimal(rng.choice((1, 1, 2, 3, 5, 10, 12, 40)))
            if rng.random() < 0.85
            else (Decimal(rng.randint(1, 40)) / 2)
        )
        unit_price = (Decimal(rng.randint(250, 250_000)) / 100).quantize(CENT)
        amount = (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)
        lines.append(
            {"description": description, "quantity": quantity, "unit_price": unit_price,
             "amount": amount}
        )  # fmt: skip
    untaxed = sum((line["amount"] for line in lines), Decimal(0))
    tax = (untaxed * rate / 100).quantize(CENT, ROUND_HALF_UP)
    total = untaxed + tax
    invoice_date = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 500))
    due_date = invoice_date + dt.timedelta(days=rng.choice((0, 14, 30, 30, 45, 60)))
    prefix = rng.choice(("INV", "F", "FA", "RE", "2026-", "FV"))
    number = f"{prefix}{rng.choice(('', '-', '/'))}{rng.randint(2024, 2026)}-{index + 1:05d}"
    if prefix.endswith("-"):
        number = f"{prefix}{rng.randint(100, 99999):05d}"
    printed_ref, ref = identifiers.make_payment_reference(rng, vendor["country"])
    iban = identifiers.make_iban(rng, vendor["country"])
    truth = {
        "vendor_name": vendor["name"],
        "vendor_vat": vendor["vat"],
        "invoice_number": number,
        "invoice_date": invoice_date.isoformat(),
        "due_date": due_date.isoformat(),
        "currency": currency,
        "untaxed_amount": _money(untaxed),
        "tax_amount": _money(tax),
        "total_amount": _money(total),
        "iban": iban,
        "payment_reference": ref,
        "lines": [
            {"description": line["description"], "quantity": _quantity(line["quantity"]),
             "unit_price": _money(line["unit_price"]), "amount": _money(line["amount"])}
            for line in lines
        ],
    }  # fmt: skip
    return {
        "kind": "bill",
        "lang": lang,
        "vendor": vendor,
        "customer": customer,
        "currency": currency,
        "amount_style": amount_style,
        "money_placement": rng.choice(MONEY_PLACEMENTS),
        "rate": rate,
        "lines": lines,
        "untaxed": untaxed,
        "tax": tax,
        "total": total,
        "invoice_date": invoice_date,
        "due_date": due_date,
        "number": number,
        "printed_reference": printed_ref,
        "iban": iban,
        "truth": truth,
    }


_MERCHANTS = {
    "Lunch": ("Brasserie du Parc", "Restaurant De Gouden Lepel", "Café Central",
              "Trattoria Roma", "Gasthaus zum Löwen"),
    "Taxi": ("Taxi Verts", "TaxiCentrale Utrecht", "City Cab Company", "Funk Taxi Berlin"),
    "Parking": ("Interparking Centre", "Q-Park Station", "Parkhaus am Markt"),
    "Fuel": ("Total Energies Relais", "Shell Station Noord", "Aral Tankstelle"),
    "Hotel": ("Hotel Astoria", "Ibis Centre Gare", "Hotel Am Dom"),
    "Train": ("SNCB Gare Centrale", "NS Reizigers", "SNCF Voyageurs", "Deutsche Bahn Reisezentrum"),
}  # fmt: skip
_RECEIPT_ITEMS = {
    "Lunch": ("Menu du jour", "Dagschotel", "Lunch menu", "Tagesgericht", "Espresso", "Water"),
    "Taxi": ("Taxi ride", "Course taxi", "Taxirit", "Taxifahrt"),
    "Parking": ("Parking 3h", "Stationnement", "Parkeren", "Parkgebühr"),
    "Fuel": ("Diesel", "Essence SP95", "Benzine Euro 95", "Super E10"),
    "Hotel": ("Hotel night", "Nuitée", "Overnachting", "Übernachtung"),
    "Train": ("Train ticket", "Billet de train", "Treinkaartje", "Fahrkarte"),
}
_RECEIPT_RATES = {"Lunch": 12, "Taxi": 6, "Parking": 21, "Fuel": 21, "Hotel": 6, "Train": 6}


def make_expense(rng: random.Random, index: int) -> dict:
    """Contents and ground truth of one narrow till receipt."""
    category = rng.choice(sorted(_MERCHANTS))
    lang = rng.choice(("en", "fr", "nl", "de"))
    currency = rng.choices(("EUR", "USD", "GBP"), weights=(8, 1, 1))[0]
    items = []
    for description in rng.sample(_RECEIPT_ITEMS[category], rng.randint(1, 3)):
        items.append((description, (Decimal(rng.randint(150, 9000)) / 100).quantize(CENT)))
    total = sum((price for _, price in items), Decimal(0))
    rate = _RECEIPT_RATES[category]
    tax = (total * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
    date = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 500))
    merchant = rng.choice(_MERCHANTS[category])
    return {
        "kind": "expense",
        "lang": lang,
        "merchant": merchant,
        "address": rng.choice(sum(_STREETS.values(), ())) + f" {rng.randint(1, 99)}",
        "items": items,
        "rate": rate,
        "date": date,
        "time": f"{rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}",
        "currency": currency,
        "amount_style": rng.choice(("comma_dot", "dot_comma")),
        "money_placement": rng.choice(MONEY_PLACEMENTS),
        "truth": {
            "merchant": merchant,
            "date": date.isoformat(),
            "total_amount": _money(total),
            "tax_amount": _money(tax),
            "currency": currency,
            "description": category,
        },
    }


_FIRST = ("Sophie", "Lucas", "Emma", "Noah", "Julia", "Thomas", "Léa", "Jan", "Anna", "Pieter",
          "Marie", "Felix", "Chloé", "Daan", "Hannah", "Karim")  # fmt: skip
_LAST = ("Peeters", "Janssens", "Dubois", "de Vries", "Müller", "Martin", "Bakker", "Schmidt",
         "Lambert", "Visser", "Weber", "Lefèvre", "Van Damme", "Fischer")  # fmt: skip
# country: (calling code, mobile prefix, national significant number length)
_PHONE_PREFIX = {
    "BE": ("+32", "470", 9),
    "NL": ("+31", "6", 9),
    "FR": ("+33", "6", 9),
    "DE": ("+49", "151", 11),
}


def make_resume(rng: random.Random, index: int) -> dict:
    """Contents and ground truth of one short resume."""
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    country = rng.choice(sorted(_PHONE_PREFIX))
    lang = rng.choice(_COUNTRY_LANGS[country])
    code, mobile, national_length = _PHONE_PREFIX[country]
    while True:  # keep numbers that libphonenumber accepts as valid mobiles
        subscriber = "".join(rng.choice("0123456789") for _ in range(national_length - len(mobile)))
        if phonenumbers.is_valid_number(phonenumbers.parse(f"{code}{mobile}{subscriber}")):
            break
    phone = f"{code}{mobile}{subscriber}"
    groups = [subscriber[i : i + 2] for i in range(0, len(subscriber), 2)]
    printed_phone = f"{code} {mobile} " + " ".join(groups)
    if rng.random() < 0.3:
        printed_phone = f"{code} ({mobile}) {subscriber}"
    domain = rng.choice(("gmail.com", "outlook.com", "proton.me", "telenet.be", "web.de"))
    email = f"{first.lower()}.{last.lower().replace(' ', '')}@{domain}"
    email = email.replace("é", "e").replace("ü", "u").replace("è", "e")
    return {
        "kind": "resume",
        "lang": lang,
        "country": country,
        "name": f"{first} {last}",
        "printed_phone": printed_phone,
        "email": email,
        "truth": {"name": f"{first} {last}", "email": email, "phone": phone},
    }
