"""The wizard's pages: show a step, take its form (Next, Back, Test connection), start over.

A step's buttons all submit its one form, telling which they are in `direction`.

The session cookie holds only the draft's id; everything entered lives in the draft row. Moving
to another step answers an HTMX request with that step's `main` block in one round trip (the
URL pushed, the title replaced); without JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, request, session, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from jobs.store.models import Draft
from wizard import drafts
from wizard.auth import current_user
from wizard.flow import WIZARD
from wizard.rendering import is_htmx, render, render_block
from wizard.services import services
from wizard.steps import Step

blueprint = Blueprint("wizard", __name__, url_prefix="/wizard")

DRAFT_KEY = "draft_id"
NEXT, TEST, BACK = "next", "test", "back"  # the `direction` a form was sent in


def _draft(db: Session) -> Draft:
    """This browser's draft: the one its cookie names, else the user's latest, else a new one."""
    user = current_user()
    assert user is not None  # the login gate ran first
    draft = (
        drafts.find_draft(db, user.id, session.get(DRAFT_KEY))
        or drafts.latest_draft(db, user.id)
        or drafts.new_draft(db, user.id, WIZARD.steps[0].name)
    )
    session[DRAFT_KEY] = draft.id
    return draft


def _step(name: str) -> Step:
    step = WIZARD.get(name)
    if step is None:
        abort(404)
    return step


def _context(step: Step, draft: Draft, form: object) -> dict[str, object]:
    return {"wizard": WIZARD, "step": step, "draft": draft, "form": form, **step.context(draft)}


def _show(step: Step, draft: Draft, form: object) -> str:
    return render(step.template, **_context(step, draft, form))


def _go(db: Session, step: Step, draft: Draft) -> Response:
    """Move the draft to `step` and show it."""
    draft.step = step.name
    db.commit()
    url = url_for(".show", name=step.name)
    if not is_htmx():
        return redirect(url, code=303)
    context = _context(step, draft, step.form(draft, formdata=None))
    title = render_block(step.template, "title", **context)
    body = f"<title>{title} · Ferry</title>" + render_block(step.template, "main", **context)
    return Response(
        body,
        mimetype="text/html",
        headers={"HX-Push-Url": url, "HX-Retarget": "#main", "HX-Reswap": "innerHTML show:window:top"},
    )


@blueprint.get("/")
def start() -> Response:
    with services().sessions() as db:
        draft = _draft(db)
        db.commit()
        step = WIZARD.get(draft.step)
        if step is None or not WIZARD.may_open(step, draft):
            step = WIZARD.first_open(draft)
    return redirect(url_for(".show", name=step.name))


@blueprint.get("/<name>")
def show(name: str) -> Response | str:
    step = _step(name)
    with services().sessions() as db:
        draft = _draft(db)
        if not WIZARD.may_open(step, draft):
            db.commit()
            return redirect(url_for(".show", name=WIZARD.first_open(draft).name))
        draft.step = step.name
        db.commit()
        return _show(step, draft, step.form(draft, formdata=None))


@blueprint.post("/<name>")
def submit(name: str) -> Response | str:
    """Next (check, store, move on), Test (check and store, stay) or Back (store unchecked)."""
    step = _step(name)
    box = services().box
    with services().sessions() as db:
        draft = _draft(db)
        if not WIZARD.may_open(step, draft):
            db.commit()
            return _go(db, WIZARD.first_open(draft), draft)
        form = step.form(draft, formdata=request.form)
        direction = request.form.get("direction", NEXT)
        if direction == BACK:
            step.keep(draft, form, box)
            return _go(db, WIZARD.before(step), draft)
        saved = step.save(draft, form, box)
        db.commit()
        if saved and direction == NEXT:
            return _go(db, WIZARD.after(step, draft), draft)
        return _show(step, draft, form)  # 200: htmx swaps it, the errors beside their fields


@blueprint.post("/restart")
def restart() -> Response:
    """Drop this draft and begin again."""
    with services().sessions() as db:
        old = _draft(db)
        db.delete(old)
        draft = drafts.new_draft(db, old.user_id, WIZARD.steps[0].name)
        session[DRAFT_KEY] = draft.id
        return _go(db, WIZARD.steps[0], draft)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    # The home page is the wizard until the saved imports page exists.
    app.add_url_rule("/", "index", lambda: redirect(url_for("wizard.start")))
