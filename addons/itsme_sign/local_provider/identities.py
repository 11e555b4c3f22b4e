"""The test people of the local provider: fictional, one per case a signer may be."""

from __future__ import annotations

from addons.itsme_sign.oidc.claims import BE_NATIONAL_NUMBER, CITIZENSHIP, PLACE_OF_BIRTH

IDENTITIES = {
    "be-anna": {
        "country": "BE",
        "sub": "local-be-anna-0001",
        "given_name": "Anna",
        "family_name": "Peeters",
        "birthdate": "1986-04-12",
        "gender": "female",
        "locale": "nl",
        "eid": {
            # A checksum-valid Belgian national number of no real person (born 1986-04-12).
            BE_NATIONAL_NUMBER: "86041200217",
            PLACE_OF_BIRTH: {"city": "Gent", "country": "BE"},
            CITIZENSHIP: "BE",
        },
    },
    "be-luc": {
        "country": "BE",
        "sub": "local-be-luc-0002",
        "given_name": "Luc",
        "family_name": "Dubois",
        "birthdate": "1971-11-03",
        "gender": "male",
        "locale": "fr",
        "eid": {
            BE_NATIONAL_NUMBER: "71110300122",
            PLACE_OF_BIRTH: {"city": "Namur", "country": "BE"},
            CITIZENSHIP: "BE",
        },
    },
    "nl-sanne": {
        "country": "NL",
        "sub": "local-nl-sanne-0003",
        "given_name": "Sanne",
        "family_name": "de Vries",
        "birthdate": "1992-07-30",
        "gender": "female",
        "locale": "nl",
        "eid": {},  # itsme yields Belgian eID data only
    },
}


def label(key: str) -> str:
    person = IDENTITIES[key]
    return f"{person['given_name']} {person['family_name']} ({person['country']})"


def userinfo(key: str, scopes: list[str]) -> dict:
    person = IDENTITIES[key]
    claims = {"sub": person["sub"]}
    if "profile" in scopes:
        claims.update(
            name=f"{person['given_name']} {person['family_name']}",
            given_name=person["given_name"],
            family_name=person["family_name"],
            birthdate=person["birthdate"],
            gender=person["gender"],
            locale=person["locale"],
        )
    if "eid" in scopes:
        claims.update(person["eid"])
    return claims
