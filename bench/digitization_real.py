"""Benchmark of Documents Digitization on real documents written by other people.

    python bench/digitization_real.py [--corpus ../shared/corpus] [--jobs 2] [--no-ocr]
                                      [--only einvoice|receipt] [--misses] [--misses-of dev]
                                      [--json out.json]
                                      [--ocr-cache DIR]

Two folders of the shared corpus (see their READMEs; nothing from them is copied here):

- ``einvoices/``: real Factur-X / ZUGFeRD PDFs. The embedded XML states every answer.
  The printed page is read three ways: the PDF with its XML stripped (text layer), the
  same pages rasterised at 150 dpi into an image-only PDF (a scan), and the original
  PDF (the embedded XML path). For the first two, a field is scored only when the page
  prints its value somewhere; the XML path is scored on every field the XML states.
- ``receipts/``: real till receipts (JPEG) with ``company``, ``date`` and ``total``.

Prints the share of fields right per field and per document kind, the misses (expected
and read values), calibration (how many fields are right among those with confidence
>= 0.9, in [0.5, 0.9) and below 0.5), born-digital seconds per page, and seconds per
scanned page next to raw ``tesseract`` on the same page images in the same run.
Receipts are read with PP-OCR (``extract/pp_ocr.py``), its models loaded once per run as
the sandbox's fork server loads them once; bills with Tesseract.

The corpus path comes from ``--corpus``, else ``$DIGITIZATION_REAL_CORPUS``, else
``../shared/corpus`` next to the repository; without it the bench says so and exits 0.
``--ocr-cache`` keeps tesseract's and PP-OCR's output per page image between runs, for
quick iterations on the field finders (timings are then not measured).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal, InvalidOperation

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import pdfplumber  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402

from addons.digitization.extract import extract, pp_ocr  # noqa: E402
from addons.digitization.extract import ocr as ocr_module  # noqa: E402
from addons.digitization.extract.ocr import (  # noqa: E402
    RASTER_DPI,
    pdftoppm_command,
    tesseract_command,
)

DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
TARGETS = {"einvoice_text": 0.95, "einvoice_scan": 0.90, "receipt_scan": 0.85,
           "calibration_high": 0.98, "ocr_ratio": 1.3, "text_s": 0.5}  # fmt: skip
BILL_FIELDS = ("vendor_name", "vendor_vat", "invoice_number", "invoice_date", "due_date",
               "currency", "untaxed_amount", "tax_amount", "total_amount", "iban",
               "payment_reference")  # fmt: skip
RECEIPT_FIELDS = ("merchant", "date", "total_amount", "currency")


# ---------------------------------------------------------------- answers from the XML
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node, *path: str):
    """First descendant reached through local names ``path`` (any depth per step)."""
    for name in path:
        if node is None:
            return None
        node = next((e for e in node.iter() if e is not node and _local(e.tag) == name), None)
    return node


def _text(node, *path: str) -> str | None:
    found = _find(node, *path)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _iso(raw: str | None) -> str | None:
    if raw and re.fullmatch(r"\d{8}", raw):
        return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    return raw if raw and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None


def _money(raw: str | None) -> str | None:
    try:
        return f"{Decimal(raw).quantize(Decimal('0.01')):.2f}" if raw else None
    except InvalidOperation:
        return None


def cii_answers(data: bytes) -> dict:
    """The answer for each bill field from a CII document (ZUGFeRD 1.0 or 2.x)."""
    root = ET.fromstring(data)
    seller = _find(root, "SellerTradeParty")
    vat = None
    if seller is not None:
        for reg in seller.iter():
            if _local(reg.tag) == "ID" and reg.get("schemeID") == "VA" and reg.text:
                vat = re.sub(r"[\s.\-]", "", reg.text).upper()
    header = next(
        e for e in root if _local(e.tag) in ("ExchangedDocument", "HeaderExchangedDocument")
    )
    trade = next(e for e in root if "SupplyChainTradeTransaction" in _local(e.tag))
    settlement = next(e for e in trade if _local(e.tag) in (
        "ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement"))  # fmt: skip
    currency = _text(settlement, "InvoiceCurrencyCode")
    summation = next((e for e in settlement if "MonetarySummation" in _local(e.tag)), None)
    tax = None
    if summation is not None:
        taxes = [e for e in summation if _local(e.tag) == "TaxTotalAmount"]
        chosen = next((e for e in taxes if e.get("currencyID") in (None, currency)), None)
        tax = _money(chosen.text.strip()) if chosen is not None and chosen.text else None
    iban = _text(settlement, "PayeePartyCreditorFinancialAccount", "IBANID")
    reference = next(
        (e.text.strip() for e in settlement if _local(e.tag) == "PaymentReference" and e.text),
        None,
    )
    return {
        "vendor_name": _text(seller, "Name"),
        "vendor_vat": vat,
        "invoice_number": _text(header, "ID"),
        "invoice_date": _iso(_text(header, "IssueDateTime", "DateTimeString")),
        "due_date": _iso(
            _text(settlement, "SpecifiedTradePaymentTerms", "DueDateDateTime", "DateTimeString")
        ),  # fmt: skip
        "currency": currency,
        "untaxed_amount": _money(_text(summation, "TaxBasisTotalAmount")),
        "tax_amount": tax,
        "total_amount": _money(_text(summation, "GrandTotalAmount")),
        "iban": re.sub(r"\s", "", iban).upper() if iban else None,
        "payment_reference": reference,
    }


def embedded_answers(path: str) -> dict | None:
    reader = PdfReader(path)
    for name, blobs in reader.attachments.items():
        if name.lower().endswith(".xml"):
            return cii_answers(blobs[0])
    return None


# ---------------------------------------------------------------- is it printed?
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def _compact(text: str) -> str:
    return re.sub(r"[\W_]", "", _fold(text))


def _amount_forms(value: str) -> list[str]:
    whole, cents = value.lstrip("-").split(".")
    grouped = f"{int(whole):,}"
    dotted = grouped.replace(",", ".")
    return [f"{whole},{cents}", f"{dotted},{cents}", f"{whole}.{cents}", f"{grouped}.{cents}"]


_DE_MONTHS = [
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
]


def _date_forms(value: str) -> list[str]:
    d = dt.date.fromisoformat(value)
    return [f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.day}.{d.month}.{d.year}",
            f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}", value,
            f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day}. {_DE_MONTHS[d.month - 1]} {d.year}",
            f"{d.day:02d}. {_DE_MONTHS[d.month - 1]} {d.year}"]  # fmt: skip


def printed(field: str, value: str, text: str) -> bool:
    """Does the page print ``value`` in some usual form? Fields it does not are not scored."""
    folded = " ".join(_fold(text).split())
    if field == "vendor_name":
        return _compact(value) in _compact(text)
    if field in ("vendor_vat", "iban", "invoice_number", "payment_reference"):
        return _compact(value) in _compact(text)
    if field.endswith("_date"):
        return any(form in folded for form in _date_forms(value))
    if field.endswith("_amount"):
        spaced = folded.replace(" ", "")
        return any(form in spaced for form in _amount_forms(value))
    if field == "currency":
        signs = {"EUR": ("eur", "€"), "USD": ("usd", "$"), "GBP": ("gbp", "£"), "CHF": ("chf",)}
        return any(s in folded for s in signs.get(value, (value.casefold(),)))
    return True


# ---------------------------------------------------------------- comparing
def _name_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", _fold(text)).split())


def same(field: str, expected, got) -> bool:
    if got in (None, "", []):
        return False
    if field in ("vendor_name", "merchant"):
        return _name_key(expected) == _name_key(str(got))
    if field in ("vendor_vat", "iban"):
        return _compact(expected) == _compact(str(got))
    if field in ("invoice_number", "payment_reference"):
        return re.sub(r"\s", "", expected).casefold() == re.sub(r"\s", "", str(got)).casefold()
    return str(expected) == str(got)


# ---------------------------------------------------------------- documents
def strip_xml(path: str, out: str) -> None:
    """Copy of the PDF without its attachments: the extractor must read the page."""
    writer = PdfWriter(clone_from=path)
    root = writer.root_object
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        if "/EmbeddedFiles" in names:
            del names["/EmbeddedFiles"]
    if "/AF" in root:
        del root["/AF"]
    with open(out, "wb") as fh:
        writer.write(fh)


def rasterise(path: str, out_pdf: str, tmp: str) -> list[tuple[str, int]]:
    """Every page at RASTER_DPI, greyscale, into an image-only PDF; the page images
    (for raw tesseract) are returned."""
    pages = len(PdfReader(path).pages)
    images, frames = [], []
    for number in range(1, pages + 1):
        stem = os.path.join(tmp, f"{os.path.basename(out_pdf)}-{number}")
        subprocess.run(pdftoppm_command(path, number, stem), check=True, capture_output=True)
        images.append((stem + ".pgm", RASTER_DPI))
        frames.append(Image.open(stem + ".pgm"))
    frames[0].save(out_pdf, "PDF", resolution=RASTER_DPI, save_all=True,
                   append_images=frames[1:])  # fmt: skip
    return images


def receipt_answers(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    return {
        "merchant": raw["company"],
        "date": receipt_date(raw["date"]),
        "total_amount": _money(re.sub(r"[^\d.]", "", raw["total"])),
        # Every shop of this folder is Malaysian: ringgit, printed RM or not at all.
        "currency": "MYR",
    }


_EN_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def receipt_date(raw: str) -> str | None:
    raw = raw.strip().lower()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", raw):
        return raw
    if m := re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})", raw):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return dt.date(year, int(m[2]), int(m[1])).isoformat()
    if m := re.fullmatch(r"(\d{1,2}) ([a-z]{3}) (\d{4})", raw):
        return dt.date(int(m[3]), _EN_MONTHS.index(m[2]) + 1, int(m[1])).isoformat()
    return None


def _image_dpi(path: str) -> int:
    with Image.open(path) as image:
        dpi = image.info.get("dpi")
    try:
        value = int(round(float(dpi[0]))) if dpi else 0
    except (TypeError, ValueError):
        value = 0
    return value if 50 <= value <= 1200 else ocr_module.DEFAULT_IMAGE_DPI


# ---------------------------------------------------------------- running
def _extract(path: str, kind: str) -> tuple[dict | None, float, str | None]:
    start = time.perf_counter()
    try:
        return extract(path, kind, ocr_workers=1), time.perf_counter() - start, None
    except Exception as exc:  # a bench reports failures instead of stopping
        return None, time.perf_counter() - start, repr(exc)


def _raw_text_layer(path: str) -> float:
    start = time.perf_counter()
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words()
    return time.perf_counter() - start


def _raw_tesseract(images: list[tuple[str, int]]) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.perf_counter()
    for image, dpi in images:
        subprocess.run(tesseract_command(image, dpi), capture_output=True, env=env, check=True)
    return time.perf_counter() - start


def install_ocr_cache(directory: str) -> None:
    """Memoise tesseract's TSV and PP-OCR's words per image content, so reruns skip
    the OCR."""
    os.makedirs(directory, exist_ok=True)
    original = ocr_module._run_tesseract

    def cached(image_path: str, dpi: int, psm: str | None = None) -> str:
        with open(image_path, "rb") as fh:
            command = repr(tesseract_command("", dpi, psm)).encode()
            key = hashlib.sha1(fh.read() + command).hexdigest()
        path = os.path.join(directory, key + ".tsv")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                return fh.read()
        tsv = original(image_path, dpi, psm)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(tsv)
        return tsv

    ocr_module._run_tesseract = cached
    original_pp = pp_ocr.read_image

    def cached_pp(image_path: str, page: int, dpi: int):
        with open(image_path, "rb") as fh:
            settings = f"pp-ocr {page} {dpi} {pp_ocr.SETTINGS}"
            key = hashlib.sha1(fh.read() + settings.encode()).hexdigest()
        path = os.path.join(directory, key + ".pp.pickle")
        if os.path.exists(path):
            with open(path, "rb") as fh:
                return pickle.load(fh)
        found = original_pp(image_path, page, dpi)
        with open(path, "wb") as fh:
            pickle.dump(found, fh)
        return found

    pp_ocr.read_image = cached_pp


def split_of(name: str) -> str:
    """The half a document belongs to, dev or held-out, fixed by a hash of its name:
    the misses of the dev half are the ones to look at while changing the reader; the
    held-out half shows whether a change is general (no tuning to single files)."""
    return "dev" if hashlib.sha1(name.encode()).digest()[0] % 2 == 0 else "held-out"


class Score:
    """Right/scored counts per (group, field), misses and confidence buckets."""

    def __init__(self):
        self.right = defaultdict(int)
        self.scored = defaultdict(int)
        self.misses = []
        self.buckets = defaultdict(lambda: [0, 0])  # bucket -> [right, scored]
        self.errors = []
        self.splits = defaultdict(lambda: [0, 0])  # (group, split) -> [right, scored]
        self.show_split = None  # list only this half's misses

    def add(self, group: str, name: str, fields: dict, answers: dict, names: tuple) -> None:
        for field in names:
            expected = answers.get(field)
            if expected is None:
                continue
            read = fields.get(field, {}) if fields else {}
            got, confidence = read.get("value"), read.get("confidence", 0.0)
            ok = same(field, expected, got)
            self.scored[group, field] += 1
            self.right[group, field] += ok
            self.splits[group, split_of(name)][0] += ok
            self.splits[group, split_of(name)][1] += 1
            bucket = "≥ 0.9" if confidence >= 0.9 else "0.5–0.9" if confidence >= 0.5 else "< 0.5"
            self.buckets[bucket][0] += ok
            self.buckets[bucket][1] += 1
            if not ok:
                self.misses.append((group, name, field, expected, got, confidence))

    def group_share(self, group: str) -> float:
        right = sum(v for (g, _), v in self.right.items() if g == group)
        scored = sum(v for (g, _), v in self.scored.items() if g == group)
        return right / scored if scored else 0.0

    def groups(self) -> list[str]:
        return sorted({g for g, _ in self.scored})


def run_einvoices(corpus: str, args, score: Score, timing: dict) -> None:
    folder = os.path.join(corpus, "einvoices")
    files = sorted(f for f in os.listdir(folder) if f.endswith(".pdf"))[: args.limit or None]
    tmp = tempfile.mkdtemp(prefix="digitization-real-")
    scans = []
    for index, name in enumerate(files):
        path = os.path.join(folder, name)
        answers = embedded_answers(path)
        if answers is None:
            continue
        text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
        shown = {k: v for k, v in answers.items() if v is not None and printed(k, v, text)}
        # The embedded XML, as an upload of the original PDF.
        result, _, error = _extract(path, "bill")
        score.add("einvoice_xml", name, result and result["fields"], answers, BILL_FIELDS)
        # The printed page, text layer only.
        stripped = os.path.join(tmp, name)
        strip_xml(path, stripped)
        # Paired with the raw baseline, pdfplumber's own word extraction of the same
        # pages, in alternating order so that load hits both alike.
        raw = _raw_text_layer(stripped) if index % 2 else None
        cpu = time.process_time()
        result, seconds, error = _extract(stripped, "bill")
        cpu = time.process_time() - cpu
        raw = raw if raw is not None else _raw_text_layer(stripped)
        if error:
            score.errors.append((name, error))
        elif not args.ocr_cache:  # cached OCR of pictures would flatter the time
            pages = result["pages"]
            timing["text_s"].append(seconds / pages)
            timing["text_cpu_s"].append(cpu / pages)
            timing["text_raw_s"].append(raw / pages)
            if result["origin"] == "mixed":  # its pictures were read by OCR too
                timing["text_mixed_s"].append(seconds / pages)
        score.add("einvoice_text", name, result and result["fields"], shown, BILL_FIELDS)
        if not args.no_ocr:
            scan = os.path.join(tmp, "scan-" + name)
            images = rasterise(stripped, scan, tmp)
            scans.append((name, scan, images, shown, "bill", "einvoice_scan"))
    if scans:
        run_scans(scans, args, score, timing)


def run_receipts(corpus: str, args, score: Score, timing: dict) -> None:
    if args.no_ocr:
        return
    folder = os.path.join(corpus, "receipts")
    files = sorted(f for f in os.listdir(folder) if f.endswith(".jpg"))[: args.limit or None]
    scans = []
    for name in files:
        path = os.path.join(folder, name)
        answers = receipt_answers(path[:-4] + ".json")
        scans.append((name, path, [(path, _image_dpi(path))], answers, "expense", "receipt_scan"))
    run_scans(scans, args, score, timing)


def run_scans(scans: list, args, score: Score, timing: dict) -> None:
    """Paired timing: each worker runs raw tesseract and extract() on the same pages back
    to back (alternating which goes first), so load on the machine hits both alike."""

    def paired(index: int):
        name, path, images, answers, kind, group = scans[index]
        if args.ocr_cache:
            return _extract(path, kind), None
        if index % 2:
            result = _extract(path, kind)
            raw = _raw_tesseract(images)
        else:
            raw = _raw_tesseract(images)
            result = _extract(path, kind)
        return result, raw

    with ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(paired, range(len(scans))))
    for (name, _, images, answers, kind, group), ((result, seconds, error), raw) in zip(
        scans, outcomes, strict=True
    ):
        if error:
            score.errors.append((name, error))
        score.add(group, name, result and result["fields"], answers,
                  BILL_FIELDS if kind == "bill" else RECEIPT_FIELDS)  # fmt: skip
        if raw is not None and result:
            timing["ocr_s"].append(seconds)
            timing["raw_s"].append(raw)
            timing["ocr_pages"].append(len(images))


def report(score: Score, timing: dict, args) -> str:
    out = ["# Documents Digitization on real documents", ""]
    out.append(f"Corpus: `{args.corpus}`; {os.cpu_count()} cores, {args.jobs} documents in flight.")
    load = timing.get("load") or []
    if len(load) == 2:
        out.append(f"1-minute load average: {load[0]:.1f} at the start, {load[1]:.1f} at the end.")
    out += ["", "## Fields right per document kind", "", "| kind | fields right | target |",
            "| --- | ---: | ---: |"]  # fmt: skip
    for group in score.groups():
        right = sum(v for (g, _), v in score.right.items() if g == group)
        scored = sum(v for (g, _), v in score.scored.items() if g == group)
        target = TARGETS.get(group)
        target_text = f"≥ {target:.0%}" if target else ""
        out.append(f"| {group} | {right}/{scored} = {right / scored:.1%} | {target_text} |")
    every_right, every = sum(score.right.values()), sum(score.scored.values())
    if every:
        out.append(f"| all | {every_right}/{every} = {every_right / every:.1%} | |")
    out += ["", "## Dev and held-out halves (`split_of`: a hash of the file name)", "",
            "| kind | dev | held-out |", "| --- | ---: | ---: |"]  # fmt: skip
    for group in score.groups():
        cells = []
        for split in ("dev", "held-out"):
            right, n = score.splits.get((group, split), [0, 0])
            cells.append(f"{right}/{n} = {right / n:.1%}" if n else "")
        out.append(f"| {group} | " + " | ".join(cells) + " |")
    out += ["", "## Per field", ""]
    groups = score.groups()
    out.append("| field | " + " | ".join(groups) + " |")
    out.append("| --- |" + " ---: |" * len(groups))
    for field in dict.fromkeys(f for _, f in sorted(score.scored, key=lambda k: k[1])):
        cells = []
        for group in groups:
            n = score.scored.get((group, field), 0)
            cells.append(f"{score.right[group, field]}/{n}" if n else "")
        out.append(f"| {field} | " + " | ".join(cells) + " |")
    out += ["", "## Calibration (all groups)", "", "| confidence | right |", "| --- | ---: |"]
    for bucket in ("≥ 0.9", "0.5–0.9", "< 0.5"):
        right, n = score.buckets.get(bucket, [0, 0])
        out.append(f"| {bucket} | {right}/{n}" + (f" = {right / n:.1%}" if n else "") + " |")
    out += ["", "## Speed", ""]
    if timing["text_s"]:
        ours, raw = statistics.fmean(timing["text_s"]), statistics.fmean(timing["text_raw_s"])
        out.append(
            f"- born-digital (text layer): {ours:.3f} s per page wall (median "
            f"{statistics.median(timing['text_s']):.3f}, max {max(timing['text_s']):.3f}), "
            f"{statistics.fmean(timing['text_cpu_s']):.3f} s CPU in this process (target < "
            f"{TARGETS['text_s']} s) vs raw pdfplumber `extract_words` {raw:.3f} s per page on "
            f"the same pages: ratio {ours / raw:.2f}×; {len(timing['text_s'])} documents"
        )
        if timing["text_mixed_s"]:
            mixed = timing["text_mixed_s"]
            out.append(
                f"  - of which {len(mixed)} with pictures read by OCR (name or total unsure): "
                f"{statistics.fmean(mixed):.3f} s per page (max {max(mixed):.3f})"
            )
    elif args.ocr_cache:
        out.append("- born-digital: not timed (--ocr-cache also holds the pictures' OCR)")
    if timing["raw_s"]:
        ours, raw, pages = sum(timing["ocr_s"]), sum(timing["raw_s"]), sum(timing["ocr_pages"])
        out.append(
            f"- scans: {ours / pages:.2f} s per page vs raw `tesseract` {raw / pages:.2f} s on "
            f"the same page images: ratio {ours / raw:.2f}× (target ≤ {TARGETS['ocr_ratio']}×); "
            f"{pages} pages"
        )
    elif not args.no_ocr:
        out.append("- scans: not timed (--ocr-cache)")
    if score.errors:
        out += ["", "## Errors", ""] + [f"- {n}: {e}" for n, e in score.errors]
    out += ["", "## Targets", ""]
    high = score.buckets.get("≥ 0.9", [0, 0])
    checks = [
        (f"{g} ≥ {TARGETS[g]:.0%}", score.group_share(g) >= TARGETS[g])
        for g in ("einvoice_text", "einvoice_scan", "receipt_scan")
        if g in groups
    ]
    if high[1]:
        checks.append(("≥ 98% right at confidence ≥ 0.9", high[0] / high[1] >= 0.98))
    if timing["raw_s"]:
        checks.append(
            (
                "scan time ≤ 1.3× raw tesseract",
                sum(timing["ocr_s"]) / sum(timing["raw_s"]) <= TARGETS["ocr_ratio"],
            )
        )
    if timing["text_s"]:
        checks.append(("born-digital page < 0.5 s", statistics.fmean(timing["text_s"]) < 0.5))
    out += [f"- {'met' if ok else 'NOT met'}: {label}" for label, ok in checks]
    return "\n".join(out) + "\n"


def misses_text(score: Score) -> str:
    lines = ["## Misses (group, document, field: expected / read, confidence)", ""]
    for group, name, field, expected, got, confidence in score.misses:
        if score.show_split in (None, split_of(name)):
            lines.append(f"- {group} {name} {field}: {expected!r} / {got!r} ({confidence:.2f})")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("DIGITIZATION_REAL_CORPUS",
                                                           DEFAULT_CORPUS))  # fmt: skip
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=("einvoice", "receipt"))
    parser.add_argument("--limit", type=int, help="first N documents of each folder")
    parser.add_argument("--no-ocr", action="store_true", help="skip scans and receipts")
    parser.add_argument("--ocr-cache", help="directory keeping tesseract output between runs")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--misses-of", choices=("dev", "held-out"),
                        help="list only the misses of this half (implies --misses)")  # fmt: skip
    parser.add_argument("--json", help="write the raw scores as JSON to this file")
    args = parser.parse_args(argv)
    args.corpus = os.path.normpath(args.corpus)
    if not os.path.isdir(os.path.join(args.corpus, "einvoices")) and not os.path.isdir(
        os.path.join(args.corpus, "receipts")
    ):
        print(f"skipped: no real corpus at {args.corpus} (set --corpus or "
              "DIGITIZATION_REAL_CORPUS)")  # fmt: skip
        return 0
    if args.ocr_cache:
        install_ocr_cache(args.ocr_cache)
    # PP-OCR's models are loaded once per run, as the sandbox's fork server loads them
    # once for every document's child (``extract/pp_ocr_preload.py``).
    score, timing = Score(), defaultdict(list)
    timing["load"].append(os.getloadavg()[0])
    score.show_split = args.misses_of
    args.misses = args.misses or bool(args.misses_of)
    if args.only != "receipt" and os.path.isdir(os.path.join(args.corpus, "einvoices")):
        run_einvoices(args.corpus, args, score, timing)
    if args.only != "einvoice" and os.path.isdir(os.path.join(args.corpus, "receipts")):
        run_receipts(args.corpus, args, score, timing)
    timing["load"].append(os.getloadavg()[0])
    print(report(score, timing, args))
    print(
        misses_text(score) if args.misses else f"{len(score.misses)} misses (--misses lists them)"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"right": {f"{g}/{f}": v for (g, f), v in score.right.items()},
                       "scored": {f"{g}/{f}": v for (g, f), v in score.scored.items()},
                       "buckets": dict(score.buckets), "timing": timing,
                       "misses": score.misses}, fh, indent=1, default=str)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
