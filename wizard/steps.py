"""The wizard's steps, each a small declared unit, and their order.

A step has a `name` (its URL), a `title`, a `template` whose block `step_form` is its form
component and whose block `main` is the whole step, a `form`, `keep` (store what was typed, unchecked:
Back), `save` (check and store; False leaves the errors on the form's fields), `done` (whether later
steps may be opened) and `next` (the step after it; by default the following one). A new step is a
Step subclass in a module of its own, added to `WIZARD` (wizard/flow.py) in its place; the views
need no change.

Draft sections: `source` and `target` (the connection settings as typed; secrets sealed apart,
wizard/drafts.py), `source_report` and `target_report` (the report of the last test the store answered, kept
while the values it was made with stay; its `ok` says whether the step is done).
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from jobs.connect import open_source, open_target
from jobs.definition import SourceSpec, TargetSpec
from jobs.secrets import SecretBox
from jobs.store.models import Draft
from wizard import drafts
from wizard.connection_check import CheckOutcome, Connectable, check
from wizard.forms import SOURCE_FORMS, ConnectionForm, PlatformForm, WooCommerceForm
from wizard.platforms import SOURCE_GUIDES, WOOCOMMERCE_GUIDE, Guide

FormData = MultiDict[str, Any] | None


class Step:
    name: ClassVar[str]
    title: ClassVar[str]
    template: ClassVar[str]

    def form(self, draft: Draft, formdata: FormData) -> FlaskForm:
        """The form filled from `formdata` (a POST) or, when None, from the draft."""
        raise NotImplementedError

    def keep(self, draft: Draft, form: FlaskForm, box: SecretBox) -> None:
        """Store what was typed without checking it, so Back loses nothing."""

    def save(self, draft: Draft, form: FlaskForm, box: SecretBox) -> bool:
        if not form.validate():
            return False
        self.keep(draft, form, box)
        return True

    def done(self, draft: Draft) -> bool:
        return False

    def next(self, draft: Draft) -> str | None:
        """The step after this one for this draft; None: the following one in the wizard."""
        return None

    def context(self, draft: Draft) -> dict[str, Any]:
        """What the template shows besides the form."""
        return {}


class PlatformStep(Step):
    name = "platform"
    title = "Choose your store's platform"
    template = "wizard/platform.html"

    def form(self, draft: Draft, formdata: FormData) -> PlatformForm:
        return PlatformForm(formdata=formdata, data={"platform": platform_of(draft)})

    def keep(self, draft: Draft, form: FlaskForm, box: SecretBox) -> None:
        chosen = form.platform.data
        if chosen in SOURCE_GUIDES and chosen != platform_of(draft):
            drafts.forget(draft, box, "source", "source_report")  # another platform's credentials
            drafts.set_section(draft, "source", {"platform": chosen})

    def done(self, draft: Draft) -> bool:
        return platform_of(draft) in SOURCE_GUIDES

    def context(self, draft: Draft) -> dict[str, Any]:
        return {"guides": SOURCE_GUIDES}


def platform_of(draft: Draft) -> str | None:
    return drafts.section(draft, "source").get("platform")


class ConnectionStep(Step):
    """A store's credentials and their test. Test connection and Next both store what was typed
    and test it; Next moves on only when the test passed."""

    section: ClassVar[str]
    spec_class: ClassVar[type[SourceSpec | TargetSpec]]
    template = "wizard/connection.html"

    def form_class(self, draft: Draft) -> type[ConnectionForm]:
        raise NotImplementedError

    def guide(self, draft: Draft) -> Guide:
        raise NotImplementedError

    def make_spec(self, draft: Draft, values: dict[str, Any]) -> SourceSpec | TargetSpec:
        """The connection spec of these values (raises DefinitionError naming the field)."""
        raise NotImplementedError

    def connect(self, spec: Any) -> Connectable:
        raise NotImplementedError

    def spec(self, draft: Draft, box: SecretBox) -> SourceSpec | TargetSpec:
        """The connection as entered, secrets opened: for later steps that read the store (never
        for a page). Raises DefinitionError when it is incomplete."""
        return self.make_spec(draft, self._spec_values(draft, box)[0])

    def _spec_values(self, draft: Draft, box: SecretBox) -> tuple[dict[str, Any], tuple[str, ...]]:
        """(the spec's values, the fields in use) from the draft."""
        values = {**drafts.section(draft, self.section), **drafts.secrets(draft, box, self.section)}
        in_use = self.form_class(draft).fields_in_use(values)
        # An empty field the spec requires goes in as None, for its "is required" message; an empty
        # one with a default is left out, so the default holds.
        required = {item.name for item in fields(self.spec_class) if item.default is MISSING}
        entered = {name: values.get(name) or None for name in in_use}
        return {name: value for name, value in entered.items() if value or name in required}, in_use

    def form(self, draft: Draft, formdata: FormData) -> ConnectionForm:
        return self.form_class(draft)(formdata=formdata, data=drafts.section(draft, self.section))

    def keep(self, draft: Draft, form: FlaskForm, box: SecretBox) -> None:
        assert isinstance(form, ConnectionForm)
        settings, typed = form.entered()
        before = drafts.section(draft, self.section)
        kept = drafts.secrets(draft, box, self.section)
        secrets = {name: value for name, value in {**kept, **typed}.items() if name in form.secret_names()}
        if {**before, **settings} != before or secrets != kept:
            drafts.set_section(draft, f"{self.section}_report", None)  # made with other values
        drafts.set_section(draft, self.section, {**before, **settings})
        drafts.set_secrets(draft, box, self.section, secrets)

    def save(self, draft: Draft, form: FlaskForm, box: SecretBox) -> bool:
        assert isinstance(form, ConnectionForm)
        self.keep(draft, form, box)
        values, in_use = self._spec_values(draft, box)
        result = check(lambda: self.connect(self.make_spec(draft, values)), in_use, self.guide(draft).name)
        drafts.set_section(draft, f"{self.section}_report", result.report)
        self.show(form, result, drafts.section(draft, self.section))
        return result.ok

    @staticmethod
    def show(form: ConnectionForm, result: CheckOutcome, values: dict[str, Any]) -> None:
        """Each of the test's problems beside its field (or above the form)."""
        for name, message in result.errors.items():
            target = form._fields.get(form.field_for(name, values)) if name else None
            if target is None:
                form.form_errors.append(message)
                continue
            if message[:1].islower():  # "is required": the spec's words, said of this field
                message = f"{target.label.text} {message}"
            target.errors = [*target.errors, message]

    def done(self, draft: Draft) -> bool:
        return drafts.section(draft, f"{self.section}_report").get("ok") is True

    def context(self, draft: Draft) -> dict[str, Any]:
        return {
            "guide": self.guide(draft),
            "saved_secrets": drafts.saved_secret_names(draft, self.section),
            "report": drafts.section(draft, f"{self.section}_report") or None,
        }


class SourceStep(ConnectionStep):
    name = "source"
    title = "Connect your store"
    section = "source"
    spec_class = SourceSpec

    def form_class(self, draft: Draft) -> type[ConnectionForm]:
        return SOURCE_FORMS[platform_of(draft) or ""]

    def guide(self, draft: Draft) -> Guide:
        return SOURCE_GUIDES[platform_of(draft) or ""]

    def make_spec(self, draft: Draft, values: dict[str, Any]) -> SourceSpec:
        return SourceSpec(platform=platform_of(draft) or "", **values)

    def connect(self, spec: SourceSpec) -> Connectable:
        return open_source(spec)


class TargetStep(ConnectionStep):
    name = "target"
    title = "Connect your WooCommerce store"
    section = "target"
    spec_class = TargetSpec

    def form_class(self, draft: Draft) -> type[ConnectionForm]:
        return WooCommerceForm

    def guide(self, draft: Draft) -> Guide:
        return WOOCOMMERCE_GUIDE

    def make_spec(self, draft: Draft, values: dict[str, Any]) -> TargetSpec:
        return TargetSpec(**values)

    def connect(self, spec: TargetSpec) -> Connectable:
        return open_target(spec)


class Wizard:
    """The steps in order, and which of them a draft may open."""

    def __init__(self, *steps: Step) -> None:
        names = [step.name for step in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"steps: two steps share a name in {names}")
        self.steps = steps
        self._by_name = {step.name: step for step in steps}

    def get(self, name: str) -> Step | None:
        return self._by_name.get(name)

    def first_open(self, draft: Draft) -> Step:
        """The first step not done: the furthest the draft may go."""
        return next((step for step in self.steps if not step.done(draft)), self.steps[-1])

    def may_open(self, step: Step, draft: Draft) -> bool:
        return self.steps.index(step) <= self.steps.index(self.first_open(draft))

    def after(self, step: Step, draft: Draft) -> Step:
        named = step.next(draft)
        if named is not None:
            return self._by_name[named]
        index = self.steps.index(step)
        return self.steps[min(index + 1, len(self.steps) - 1)]

    def before(self, step: Step) -> Step:
        return self.steps[max(self.steps.index(step) - 1, 0)]

    def position(self, step: Step) -> int:
        return self.steps.index(step) + 1
