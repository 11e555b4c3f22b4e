"""Who a mass SMS reaches and at what price: the plan, one SQL query.

A batch keeps the contacts selected, in order (``sms_batch.contact_ids``).
The plan gives each one line: the number (the contact's kept, validated
number, see ``contact_numbers``), its country's price, or why nothing is sent
to it, first of: a missing or malformed number, a country without a price, a
blacklisted number, a number already planned for an earlier contact (sent
once). The composer shows the plan's counts; ``Send SMS`` inserts the messages
straight from the same query, so what is queued is what the rules say at that
moment, and no number is parsed on the way when the contacts were saved
through the host.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from addons.sms import contact_numbers, pricing, recipients
from addons.sms.contact_numbers import CONTACT, MATCHES, NUMBERS
from addons.sms.models import SmsBatch, SmsBlacklist, SmsDefaultPrice, SmsPrice
from host import Contact, db, is_postgres, sql_named

BLACKLIST = SmsBlacklist._meta.table_name
OVERRIDES = SmsPrice._meta.table_name
DEFAULTS = SmsDefaultPrice._meta.table_name
SKIPPED = frozenset({"duplicate", "blacklisted"})
DUPLICATE = "Same number as {}: sent once."

# The refused lines the composer lists (the counts cover all of them).
REFUSED_SHOWN = 500


class Refusal(NamedTuple):
    contact_id: int
    recipient_name: str
    number_raw: str
    number: str
    failure_type: str
    reason: str


@dataclass
class Plan:
    """The composer's view of a plan: counts, cost and the refused lines."""

    total: int = 0
    counts: Counter = field(default_factory=Counter)
    per_part_total: Decimal = Decimal(0)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def valid(self) -> int:
        return self.counts.get("valid", 0)

    @property
    def refused_count(self) -> int:
        return self.total - self.valid


def selection(batch: SmsBatch) -> tuple[str, dict]:
    """SQL yielding the batch's selected contacts as ``(seq, contact_id)``."""
    if is_postgres():
        sql = (
            "SELECT CAST(t.ord AS integer) - 1 AS seq, CAST(t.value AS integer) AS contact_id "
            "FROM json_array_elements_text(CAST(:selection AS json)) "
            "WITH ORDINALITY AS t(value, ord)"
        )
    else:
        sql = (
            "SELECT CAST(key AS INTEGER) AS seq, CAST(value AS INTEGER) AS contact_id "
            "FROM json_each(:selection)"
        )
    return sql, {"selection": batch.contact_ids or "[]"}


def refresh_numbers(batch: SmsBatch, company: str) -> int:
    """Validate again the selected contacts' numbers that are missing or stale."""
    sql, params = selection(batch)
    return contact_numbers.refresh(sql, params, company)


# Why a number is blacklisted, from its entry ``b``: the rule of
# ``blacklist.why`` in SQL, so the composer names the real source.
_WHY = """CASE b.source
  WHEN 'reply' THEN 'its owner replied ' || COALESCE(NULLIF(TRIM(
    CASE WHEN SUBSTR(b.reason, 1, 8) = 'Replied ' THEN SUBSTR(b.reason, 9)
         ELSE b.reason END), ''), 'STOP')
  WHEN 'gateway' THEN 'the gateway reported that its owner opted out'
  ELSE 'it was added by hand' || CASE WHEN b.reason <> '' THEN ' (' || b.reason || ')' ELSE '' END
  END"""


def plan_sql(batch: SmsBatch, company: str) -> tuple[str, dict]:
    """The plan as a ``WITH`` clause whose last table, ``plan``, has one row
    per selected contact still there, with
    ``seq, contact_id, recipient_name, number_raw, number, country,
    failure_type, failure_reason, per_part`` (``per_part`` in stored form, 0
    for a refused line). Contacts whose kept number is stale have no row:
    :func:`refresh_numbers` first; prices come from the admins' overrides,
    then the shipped table (``pricing.sync_default_prices`` first)."""
    sql, params = selection(batch)
    prefix, suffix = DUPLICATE.split("{}")
    params.update(company=company, dup_prefix=prefix, dup_suffix=suffix)
    query = f"""
    WITH sel AS ({sql}),
    base AS (
      SELECT sel.seq, c.id AS contact_id,
        SUBSTR({Contact.display_name_sql("c")}, 1, 128) AS recipient_name,
        n.number_raw, n.number, n.country,
        CASE WHEN n.failure_type <> '' THEN n.failure_type
             WHEN d.country IS NULL AND o.country IS NULL THEN 'country_not_supported'
             WHEN b.id IS NOT NULL THEN 'blacklisted'
             ELSE '' END AS failure_type,
        CASE WHEN n.failure_type <> '' THEN n.failure_reason
             WHEN d.country IS NULL AND o.country IS NULL THEN n.unsupported_reason
             WHEN b.id IS NOT NULL THEN SUBSTR(REPLACE(n.blacklisted_reason,
               ' is blacklisted.', ' is blacklisted: ' || {_WHY} || '.'), 1, 255)
             ELSE '' END AS failure_reason,
        COALESCE(o.credits_per_part, d.credits_per_part, 0) AS per_part
      FROM sel
      JOIN {CONTACT} AS c ON c.id = sel.contact_id
      JOIN {NUMBERS} AS n ON n.contact_id = c.id AND {MATCHES.format(company=":company")}
      LEFT JOIN {OVERRIDES} AS o ON o.country = n.country
      LEFT JOIN {DEFAULTS} AS d ON d.country = n.country
      LEFT JOIN {BLACKLIST} AS b ON b.number = n.number AND n.failure_type = ''
    ),
    ranked AS (
      SELECT base.*,
        ROW_NUMBER() OVER same_number AS nth,
        FIRST_VALUE(recipient_name) OVER same_number AS first_name
      FROM base
      -- Lines sharing a number share its failure too (the blacklist and the
      -- price go by number; a malformed number is ''), so the number alone
      -- tells duplicates apart. ROWS: SQLite's default RANGE frame costs more.
      WINDOW same_number AS (
        PARTITION BY number ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    plan AS (
    SELECT seq, contact_id, recipient_name, number_raw, number, country,
      CASE WHEN failure_type = '' AND nth > 1 THEN 'duplicate'
           ELSE failure_type END AS failure_type,
      CASE WHEN failure_type = '' AND nth > 1
           THEN SUBSTR(:dup_prefix || first_name || :dup_suffix, 1, 255)
           ELSE failure_reason END AS failure_reason,
      CASE WHEN failure_type = '' AND nth = 1 THEN per_part ELSE 0 END AS per_part
    FROM ranked)
    """
    return query, params


def prepare(batch: SmsBatch) -> tuple[str, dict]:
    """Refresh the stale numbers and the shipped prices, then the plan's SQL."""
    pricing.sync_default_prices()
    company = recipients.company_country()
    refresh_numbers(batch, company)
    return plan_sql(batch, company)


def summarize(batch: SmsBatch) -> Plan:
    """The composer's plan of a draft batch; its counts are kept on the batch
    for the live cost preview."""
    plan, params = prepare(batch)
    # One statement, so the plan is worked out once for the counts and the list.
    query = f"""{plan}
    SELECT 'count', failure_type, COUNT(*), SUM(per_part), NULL, NULL, NULL, NULL, NULL
    FROM plan GROUP BY failure_type
    UNION ALL
    SELECT * FROM (
      SELECT 'refused', failure_type, 0, 0, contact_id, recipient_name, number_raw, number,
        failure_reason
      FROM plan WHERE failure_type <> '' ORDER BY seq LIMIT {REFUSED_SHOWN}) AS refused"""
    result = Plan()
    per_part = 0
    for kind, failure_type, count, total, *refusal in db.execute_sql(*sql_named(query, params)):
        if kind == "count":
            result.counts[failure_type or "valid"] += count
            result.total += count
            per_part += int(total or 0)
        else:
            contact_id, name, raw, number, reason = refusal
            result.refused.append(Refusal(contact_id, name, raw, number, failure_type, reason))
    result.per_part_total = SmsBatch.per_part_total.python_value(per_part)
    SmsBatch.update(recipients=result.valid, per_part_total=result.per_part_total).where(
        (SmsBatch.id == batch.id) & (SmsBatch.state == "draft")
    ).execute()
    return result
