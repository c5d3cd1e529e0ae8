"""Where the wizard ends for now: both stores answer."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from jobs.store.models import Draft
from wizard import drafts
from wizard.platforms import SOURCE_GUIDES
from wizard.steps import FormData, Step, platform_of


class ConnectedStep(Step):
    """Where the wizard ends for now: both stores answer. Filters, mapping, write options and the
    schedule, the review and the run come next (design.md §4)."""

    name = "connected"
    title = "Both stores are connected"
    template = "wizard/connected.html"

    def form(self, draft: Draft, formdata: FormData) -> FlaskForm:
        return FlaskForm(formdata=formdata)

    def context(self, draft: Draft) -> dict[str, Any]:
        return {
            "source_report": drafts.section(draft, "source_report"),
            "target_report": drafts.section(draft, "target_report"),
            "source_guide": SOURCE_GUIDES[platform_of(draft) or ""],
        }
