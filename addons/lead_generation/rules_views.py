"""Lead Generation Rules (admin): which website visitors become which leads,
and the page views they produced."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from peewee import fn

from addons.lead_generation.forms import RuleForm
from addons.lead_generation.models import PageView, Rule
from addons.lead_generation.tracking import snippet
from addons.lead_generation.views import _states, blueprint, dataset_summary
from host import admin_required, db


@blueprint.route("/rules")
@admin_required
def rules():
    counts = dict(
        PageView.select(PageView.state, fn.COUNT(PageView.id)).group_by(PageView.state).tuples()
    )
    return render_template(
        "lead_generation/rules.html",
        rules=list(Rule.select().order_by(Rule.sequence, Rule.id)),
        snippet=str(snippet()),  # text in the textarea, escaped, not markup
        dataset=dataset_summary(),
        counts=counts,
        recent=list(PageView.select().order_by(PageView.id.desc()).limit(20)),
    )


@blueprint.route("/rules/new", methods=["GET", "POST"], endpoint="rule_new")
@blueprint.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@admin_required
def rule(rule_id: int | None = None):
    record = Rule.get_or_none(Rule.id == rule_id) if rule_id else None
    if rule_id and record is None:
        abort(404, description="This rule does not exist.")
    states = _states()
    if request.method == "POST":
        form = RuleForm(request.form, states_by_country=states)
    else:
        form = RuleForm(states_by_country=states)
        if record is not None:
            _fill(form, record)
    if request.method == "POST":
        criteria = form.checked_criteria()
        if criteria is not None:
            values = form.values(criteria)
            values.update(
                name=form.name.data.strip(),
                sequence=form.sequence.data if form.sequence.data is not None else 10,
                active=bool(form.active.data),
                url_pattern=(form.url_pattern.data or "").strip(),
            )
            with db.atomic():
                if record is None:
                    record = Rule.create(**values)
                else:
                    Rule.update(**values).where(Rule.id == record.id).execute()
            flash("Rule saved.", "success")
            return redirect(url_for("lead_generation.rules"))
    return render_template(
        "lead_generation/rule_form.html",
        form=form,
        record=record,
        states={c: sorted(s) for c, s in states.items()},
    ), (422 if form.errors else 200)


def _fill(form: RuleForm, record: Rule) -> None:
    for name in (
        "name",
        "sequence",
        "active",
        "url_pattern",
        "search_type",
        "filter_on_size",
        "size_min",
        "size_max",
        "contact_number",
        "contact_filter",
        "preferred_role",
        "seniority",
        "lead_type",
        "team",
        "tags",
    ):
        getattr(form, name).data = getattr(record, name)
    for name in ("countries", "states", "sic_groups", "other_roles"):
        getattr(form, name).data = [p for p in getattr(record, name).split(",") if p]
    form.salesperson.data = str(record.salesperson_id or "")


@blueprint.route("/rules/<int:rule_id>/delete", methods=["POST"])
@admin_required
def rule_delete(rule_id: int):
    Rule.delete().where(Rule.id == rule_id).execute()
    flash("Rule deleted.", "success")
    return redirect(url_for("lead_generation.rules"))
