"""itsme's names for its scopes, levels of assurance and claims, and the identity we keep."""

from __future__ import annotations

from dataclasses import dataclass

ACR_BASIC = "http://itsme.services/v2/claim/acr_basic"
ACR_ADVANCED = "http://itsme.services/v2/claim/acr_advanced"
# Higher is stronger: a returned acr must rank at least as high as the one asked for.
ACR_RANK = {ACR_BASIC: 1, ACR_ADVANCED: 2}
ACR_BY_NAME = {"basic": ACR_BASIC, "advanced": ACR_ADVANCED}

BE_NATIONAL_NUMBER = "http://itsme.services/v2/claim/BENationalNumber"
PLACE_OF_BIRTH = "http://itsme.services/v2/claim/place_of_birth"
CITIZENSHIP = "http://itsme.services/v2/claim/claim_citizenship"

# The countries whose itsme identities we accept.
COUNTRIES = ("BE", "NL")


def scope(service_code: str, *, eid: bool) -> str:
    """The scope of an identification request (``eid`` adds the Belgian eID data)."""
    parts = ["openid", f"service:{service_code}", "profile"]
    if eid:
        parts.append("eid")
    return " ".join(parts)


def acr_satisfies(returned: str | None, requested: str) -> bool:
    return ACR_RANK.get(returned or "", 0) >= ACR_RANK[requested]


@dataclass(frozen=True)
class Identity:
    """What a completed identification proved about the signer."""

    subject: str
    name: str
    given_name: str
    family_name: str
    birthdate: str
    acr: str
    national_number: str | None = None

    @classmethod
    def from_claims(cls, claims: dict, *, acr: str) -> Identity:
        given = str(claims.get("given_name") or "")
        family = str(claims.get("family_name") or "")
        name = str(claims.get("name") or f"{given} {family}".strip())
        national = claims.get(BE_NATIONAL_NUMBER)
        return cls(
            subject=str(claims["sub"]),
            name=name,
            given_name=given,
            family_name=family,
            birthdate=str(claims.get("birthdate") or ""),
            acr=acr,
            national_number=str(national) if national else None,
        )
