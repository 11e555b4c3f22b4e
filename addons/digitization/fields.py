"""The form's fields: what it shows for each (value, confidence, candidates, box)
and how it reads what the user posted back into corrections."""

from __future__ import annotations

from dataclasses import dataclass

from addons.digitization import values
from addons.digitization.models import Document

# Below this, a field is highlighted on the form and counted as 'to check'.
LOW_CONFIDENCE = 0.8


def low_confidence(field: dict) -> bool:
    return field.get("value") not in (None, "", []) and field.get("confidence", 0) < LOW_CONFIDENCE


@dataclass
class FieldView:
    """What the form shows for one field."""

    name: str
    label: str
    type: str
    value: object
    extracted: object
    corrected: bool
    confidence: float | None
    candidates: list
    page: int | None
    box: list | None
    error: str = ""

    @property
    def low(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE

    @property
    def percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)

    @property
    def other_candidates(self) -> list:
        return [c for c in self.candidates if c != self.value]


def field_views(document: Document, form=None, errors: dict | None = None) -> list[FieldView]:
    """The form's fields, with what the user typed when ``form`` is given."""
    extracted = document.extracted_fields
    current = document.values()
    views = []
    for field in document.kind_info.fields:
        info = extracted.get(field.name) or {}
        found = info.get("value") not in (None, "", [])
        value = current.get(field.name)
        if form is not None:
            value = _raw_lines(form) if field.type == "lines" else form.get(field.name, value)
        views.append(
            FieldView(
                name=field.name,
                label=field.label,
                type=field.type,
                value=value if value is not None else ([] if field.type == "lines" else ""),
                extracted=info.get("value"),
                corrected=field.name in document.corrected_values,
                confidence=info.get("confidence") if found else None,
                candidates=list(info.get("candidates") or []),
                page=info.get("page"),
                box=info.get("box"),
                error=(errors or {}).get(field.name, ""),
            )
        )
    return views


def _raw_lines(form) -> list[dict]:
    rows = []
    index = 0
    while f"lines-{index}-description" in form:
        rows.append(
            {
                key: form.get(f"lines-{index}-{key}", "")
                for key in ("description", "quantity", "unit_price", "amount")
            }
        )
        index += 1
    return rows


def read_form(document: Document, form) -> tuple[dict, dict]:
    """``(corrections, errors)`` from a posted form.

    A correction is a value that differs from the extracted one; a field
    absent from the form keeps its current value."""
    extracted = {name: f.get("value") for name, f in document.extracted_fields.items()}
    corrections = dict(document.corrected_values)
    errors = {}
    for field in document.kind_info.fields:
        if field.type == "lines":
            if "lines-0-description" not in form and "lines-present" not in form:
                continue
            try:
                value = values.parse_lines(_raw_lines(form))
            except values.InvalidValue as exc:
                errors[field.name] = str(exc)
                continue
            if value == (extracted.get(field.name) or []):
                corrections.pop(field.name, None)
            else:
                corrections[field.name] = value
            continue
        if field.name not in form:
            continue
        try:
            value = values.parse(field.type, form.get(field.name))
        except values.InvalidValue as exc:
            errors[field.name] = str(exc)
            continue
        if value == extracted.get(field.name) or (value is None and not extracted.get(field.name)):
            corrections.pop(field.name, None)
        else:
            corrections[field.name] = value
    return corrections, errors
