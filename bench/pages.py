"""Requests per second of the contact form page, every addon enabled versus none,
and the cost of one UI hook call.

    python bench/pages.py [--quick] [--seconds 4] [--rounds 10] [--synthetic 6]
                          [--messages 5] [--attachment-kb 0] [--before] [--json out.json]

In one process, on one SQLite file, with Flask's test client logged in as an
admin (``host.testing.log_in``):

* ``GET /contacts/<id>`` with every addon that loads enabled (the built-in
  list of ``host/config.py`` and the entry points; the ones that do not
  exist yet fail to load and are listed), against the same page with every
  addon disabled ("bare"). The states alternate in ``--rounds`` short slices
  (bare, full, …, then back), and "× bare" is the median over the rounds of
  each round's ratio, so a burst from a noisy neighbour hits one round, not
  the result. Target: the full page at most 1.2× the bare one.
* What-if: the same with ``--synthetic N`` bench-local addons enabled, each
  adding a field button, a field widget, a header button, a document action
  (which makes the page ask for the contact's documents) and a menu entry.
* ``--before``: the same full page with the country list rendered by wtforms'
  own ``Select`` as before ``host.forms.OptionsOnceSelect``; the HTML is
  compared with the full page's, byte for byte.
* ``registry.hooks.record_field_buttons(model=…, record=…)`` in µs
  (best of 5 ``timeit`` runs): in a request (as a page calls it) and outside
  one, against a plain Python function call and the bare pluggy hook call.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402
from host import Button, FieldButton, FieldWidget, Manifest, MenuItem, hookimpl  # noqa: E402

TARGET_PAGE_RATIO = 1.2
WIDGET_FIELDS = ("email", "phone", "mobile", "street", "city", "zip", "website", "vat")


class SyntheticAddon:
    """What a typical service addon adds to the contact page."""

    def __init__(self, number: int):
        self.number = number
        self.key = f"bench_ui{number}"
        self.manifest = Manifest(name=self.key, title=f"Bench UI {number}", summary="bench")

    @hookimpl
    def record_field_buttons(self, model, record):
        if model != "contact":
            return []
        return [
            FieldButton(
                id=f"{self.key}-phone",
                label="Call",
                url=f"/{self.key}/call/{record.id}",
                field="phone",
                icon="☎",
                target="dialog",
            )
        ]

    @hookimpl
    def record_header_buttons(self, model, record):
        if model != "contact":
            return []
        return [Button(id=f"{self.key}-send", label="Send", url=f"/{self.key}/send/{record.id}")]

    @hookimpl
    def record_field_widgets(self, model, record):
        if model != "contact":
            return []
        field = WIDGET_FIELDS[self.number % len(WIDGET_FIELDS)]
        return [FieldWidget(id=f"{self.key}-suggest", field=field, url=f"/{self.key}/suggest")]

    @hookimpl
    def document_actions(self, model, record, documents):
        return [
            Button(
                id=f"{self.key}-{document.id}",
                label=f"Fax {document.title}",
                url=f"/{self.key}/fax/{model}/{record.id}/{document.id}",
                target="post",
            )
            for document in documents
        ]

    @hookimpl
    def menu_items(self, user):
        return [MenuItem(id=f"menu-{self.key}", label=self.manifest.title, url=f"/{self.key}/")]


# -- the page before the fixes (``--before``) -----------------------------------------


@contextlib.contextmanager
def wtforms_select():
    """The country list rendered by wtforms' own ``Select`` on every page, as
    before ``host.forms.OptionsOnceSelect`` (the last fix of the prototype)."""
    from wtforms.widgets import Select

    from host.forms import ContactForm

    saved = ContactForm.country.kwargs.get("widget")
    ContactForm.country.kwargs["widget"] = Select()
    try:
        yield
    finally:
        ContactForm.country.kwargs["widget"] = saved


def _setup(directory: str, synthetic: int, messages: int, attachment_kb: int = 0):
    from host import Contact, create_app, post_message
    from host.testing import log_in, make_user

    path = os.path.join(directory, "pages.db")
    config = common.app_config(
        f"sqlite:///{path}",
        HOST_LOAD_ENTRY_POINTS=True,  # the production default: every addon it finds
        HOST_EXTRA_ADDONS=[SyntheticAddon(i) for i in range(synthetic)],
        HOST_JOBS_PATH=os.path.join(directory, "jobs.db"),
    )
    app = create_app(config)
    registry = app.extensions["host"]
    with app.app_context():
        admin = make_user("admin@example.com", admin=True, name="Admin")
        contact = Contact.create(
            name="Marie Dubois",
            email="marie@example.com",
            mobile="+32 470 12 34 56",
            phone="+32 2 555 12 12",
            country="BE",
            city="Brussels",
            street="Rue Gheude 56",
            zip="1070",
        )
        for i in range(messages):
            files = [(f"quote-{i}.pdf", "application/pdf", b"%PDF" * (attachment_kb * 256))]
            post_message(
                contact,
                f"Note {i}: called about the quote.",
                kind="note",
                author=admin,
                attachments=files if attachment_kb else (),
            )
    client = log_in(app.test_client(), admin)
    synthetic_names = {f"bench_ui{i}" for i in range(synthetic)}
    real = [a.name for a in registry.loaded() if not a.core and a.name not in synthetic_names]
    failed = {n: a.error for n, a in registry.addons.items() if a.error}
    return app, client, contact.id, real, sorted(synthetic_names), failed


def _set_enabled(app, names: list[str]) -> None:
    """Enable exactly ``names`` (and the core): dependents are disabled first."""
    registry = app.extensions["host"]
    with app.test_request_context():
        want = set(names)
        for name in reversed(registry.order):
            addon = registry.addons[name]
            if not addon.core and name not in want and registry.is_enabled(name):
                registry.disable(name)
        for name in registry.order:
            if name in want and not registry.is_enabled(name):
                registry.enable(name)
        registry.forget_cache()


def _slice(client, url: str, seconds: float) -> tuple[int, float, int]:
    count = errors = 0
    began = time.perf_counter()
    end = began + seconds
    now = began
    while now < end:
        response = client.get(url)
        if response.status_code != 200:
            errors += 1
        count += 1
        now = time.perf_counter()
    return count, now - began, errors


def _pages(app, client, contact_id: int, states: dict, seconds: float, rounds: int) -> dict:
    """``states``: label -> (addons to enable, context manager factory)."""
    url = f"/contacts/{contact_id}"
    database = app.extensions["host_db"]
    statements, bodies = {}, {}
    for label, (names, context) in states.items():  # warm up, count the statements
        _set_enabled(app, names)
        with context():
            for _ in range(20):
                client.get(url)
            with common.capture_statements(database) as log:
                bodies[label] = client.get(url).data
        statements[label] = len(log)
    for label in states:
        if "before" in label:
            same = bodies[label] == bodies["full"]
            print(f"  {label}: {'the same HTML as' if same else 'WARNING: other HTML than'} full")
    totals = {label: [0, 0.0, 0] for label in states}
    per_round = {label: [] for label in states}
    order = list(states)
    for round_number in range(rounds):
        for label in order if round_number % 2 == 0 else order[::-1]:
            names, context = states[label]
            _set_enabled(app, names)
            with context():
                count, elapsed, errors = _slice(client, url, seconds / rounds)
            totals[label][0] += count
            totals[label][1] += elapsed
            totals[label][2] += errors
            per_round[label].append(elapsed / count)
    results = {}
    for label, (n, elapsed, errors) in totals.items():
        pairs = zip(per_round[label], per_round["bare"], strict=True)
        paired = [mine / bare for mine, bare in pairs]
        results[label] = {
            "requests": n,
            "rate": n / elapsed,
            "ms": elapsed / n * 1000,
            "errors": errors,
            "statements": statements[label],
            # Each round's slices run back to back: their ratio sees the same
            # neighbours, and the median drops the rounds a burst hit.
            "vs_bare": statistics.median(paired),
        }
    return results


def _per_call_us(fn, number: int) -> float:
    """Best of 5 timeit runs, in µs per call (the usual microbenchmark rule)."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def _hook_costs(app, contact_id: int, names: list[str], number: int) -> dict:
    from host import Contact

    registry = app.extensions["host"]
    _set_enabled(app, names)

    def plain(model, record):
        return []

    costs = {}
    with app.app_context():
        record = Contact.get_by_id(contact_id)
        impls = len(
            [
                i
                for i in registry.pm.hook.record_field_buttons.get_hookimpls()
                if i.plugin_name in registry.enabled_names()
            ]
        )
        costs["plain function call"] = _per_call_us(
            lambda: plain(model="contact", record=record), number * 10
        )
        costs["pluggy hook call (all loaded)"] = _per_call_us(
            lambda: registry.pm.hook.record_field_buttons(model="contact", record=record), number
        )
        with app.test_request_context(f"/contacts/{contact_id}"):
            registry.enabled_names()  # cached for the request, as on a page
            costs["collect() in a request"] = _per_call_us(
                lambda: registry.hooks.record_field_buttons(model="contact", record=record),
                number,
            )
        costs["collect() outside a request"] = _per_call_us(
            lambda: registry.hooks.record_field_buttons(model="contact", record=record),
            max(number // 10, 10),
        )
    return {"implementations": impls, "us": costs}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="0.4 s per page state")
    parser.add_argument("--seconds", type=float, default=4.0, help="per page state")
    parser.add_argument(
        "--synthetic", type=int, default=6, help="extra bench addons for the what-if (0: none)"
    )
    parser.add_argument("--rounds", type=int, default=10, help="alternations of the states")
    parser.add_argument("--messages", type=int, default=5, help="chatter messages on the contact")
    parser.add_argument(
        "--attachment-kb", type=int, default=0, help="a file of this size on every message"
    )
    parser.add_argument(
        "--before", action="store_true", help="also the full page as before the fixes"
    )
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args(argv)
    seconds = 0.4 if args.quick else args.seconds
    number = 2000 if args.quick else 20000
    rounds = 4 if args.quick else args.rounds

    logging.basicConfig(level=logging.CRITICAL)  # the missing built-in addons log errors
    started = time.monotonic()
    directory = tempfile.mkdtemp(prefix="bench-pages-")
    os.environ.setdefault("HOST_INSTANCE_PATH", os.path.join(directory, "instance"))
    print(
        f"contact page and hook calls, {seconds:g} s per page state in {rounds} rounds, "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}\n{common.machine()}"
    )
    try:
        app, client, contact_id, real, synthetic, failed = _setup(
            directory, args.synthetic, args.messages, args.attachment_kb
        )
        print(f"  loaded addons: {', '.join(real) or 'none'}")
        for name, error in sorted(failed.items()):
            print(f"  not loaded (expected while they are written): {name}: {error[:70]}")
        plain = contextlib.nullcontext
        states = {"bare": ([], plain), "full": (real, plain)}
        if synthetic:
            states[f"full+{len(synthetic)} synthetic"] = (real + synthetic, plain)
        if args.before:
            states["full, before"] = (real, wtforms_select)
        pages = _pages(app, client, contact_id, states, seconds, rounds)
        files = f", each with a {args.attachment_kb} KB file" if args.attachment_kb else ""
        print(f"\n  GET /contacts/{contact_id} ({args.messages} chatter messages{files})")
        for label, stats in pages.items():
            slower = stats["vs_bare"]
            errors = f"  {stats['errors']} ERRORS" if stats["errors"] else ""
            print(
                f"  {label:<20} {stats['rate']:>7.0f} req/s {stats['ms']:>7.2f} ms/request"
                f" {stats['statements']:>4} SQL   {slower:5.2f}× bare (paired median){errors}"
            )
        hooks = {
            "no addon": _hook_costs(app, contact_id, [], number),
            "all loaded": _hook_costs(app, contact_id, real, number),
        }
        if synthetic:
            hooks[f"+{len(synthetic)} synthetic"] = _hook_costs(
                app, contact_id, real + synthetic, number
            )
        for label, result in hooks.items():
            print(
                f"\n  one record_field_buttons call, {label} enabled "
                f"({result['implementations']} implementation(s)):"
            )
            base = result["us"]["plain function call"]
            for what, us in result["us"].items():
                print(f"    {what:<30} {us:>9.2f} µs   {us / base:>7.0f}× plain")
        app.extensions["host_db"].close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    ratio = pages["full"]["vs_bare"]
    print("\n== target")
    print(
        f"  full page {ratio:.2f}× the bare one (target ≤ {TARGET_PAGE_RATIO}×): "
        f"{'met' if ratio <= TARGET_PAGE_RATIO else 'NOT MET'}"
    )
    for label in pages:
        if label not in ("bare", "full"):
            print(f"  {label}: {pages[label]['vs_bare']:.2f}× the bare page")
    print(
        f"\ntotal {time.monotonic() - started:.0f} s; "
        f"load average now {common.load_average()} (other processes skew the figures)"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {"seconds": seconds, "loaded": real, "pages": pages, "hooks": hooks},
                fh,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
