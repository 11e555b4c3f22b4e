"""A fake lead mining service on loopback, speaking the JSON-RPC shape of
Odoo's (``/iap/clearbit/1/lead_mining_request`` and ``/iap/clearbit/1/reveal``).

``mode`` says how it answers: ``ok`` (``companies`` as given), ``credits``
and ``no_result`` (its error answers), ``slow`` (waits past the client's
timeout), ``http500``, ``garbage`` (not JSON). ``requests`` keeps every call.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

from tests.loopback import LoopbackServer


def company(i: int, **values) -> dict:
    data = {
        "clearbit_id": f"cb-{i}",
        "name": f"Remote Soft {i}",
        "domain": f"remote{i}.example",
        "country_code": "BE",
        "state_code": "",
        "sic_code": "7372",
        "employees": 25,
        "founded_year": 2010,
        "estimated_annual_revenue": "1M–10M",
        "linkedin": f"https://www.linkedin.com/company/remote{i}",
        "phone_numbers": ["+32 2 555 00 00"],
    }
    data.update(values)
    return data


def person(name: str, role: str = "engineering", seniority: str = "manager") -> dict:
    return {
        "full_name": name,
        "email": f"{name.split()[0].lower()}@x.example",
        "title": "Lead",
        "role": role,
        "seniority": seniority,
    }


class FakeLeadService(LoopbackServer):
    def __init__(self):
        self.mode = "ok"
        self.results: list[dict] = []
        self.reveal_result: dict = {"reveal_data": [], "not_found": []}
        self.requests: list[tuple[str, dict]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.path, body))
                if fake.mode == "slow":
                    fake._stopping.wait(3)
                if fake.mode == "http500":
                    self._send(500, b"oops")
                    return
                if fake.mode == "garbage":
                    self._send(200, b"<html>maintenance</html>")
                    return
                answer = {"jsonrpc": "2.0", "id": body.get("id")}
                if fake.mode in ("credits", "no_result"):
                    name = (
                        "odoo.addons.iap.tools.iap_tools.InsufficientCreditError"
                        if fake.mode == "credits"
                        else "odoo.exceptions.NoResultError"
                    )
                    answer["error"] = {
                        "code": 200,
                        "message": "Odoo Server Error",
                        "data": {"name": name, "message": f"{fake.mode} here"},
                    }
                elif self.path.endswith("/reveal"):
                    answer["result"] = fake.reveal_result
                else:
                    answer["result"] = {"data": fake.results}
                self._send(200, json.dumps(answer).encode())

            def _send(self, status, payload):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._listen(Handler)

    @property
    def url(self) -> str:
        return self.origin
