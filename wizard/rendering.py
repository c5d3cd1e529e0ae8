"""Whole pages for the browser, blocks for HTMX (design.md §5).

A component is an element whose `id` is the name of a block of its page template. An HTMX
request names the element it will swap in its `HX-Target` header, so the view renders only that
block; any other request (and htmx's history restore, which wants the page) gets the whole page.
A block must be defined in the page template itself, not only in a template it extends, and must
import the macros it uses inside itself (`{% from ... import ... %}` within the block): a block
rendered alone does not run the template's top level.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def htmx_target() -> str | None:
    """The id of the element this HTMX request swaps, or None when the whole page is wanted."""
    if not is_htmx() or request.headers.get("HX-History-Restore-Request") == "true":
        return None
    return request.headers.get("HX-Target")


def render_block(template_name: str, block: str, **context: Any) -> str:
    template = current_app.jinja_env.get_template(template_name)
    current_app.update_template_context(context)
    return "".join(template.blocks[block](template.new_context(context)))


def render(template_name: str, **context: Any) -> str:
    """The page, or only the block the HTMX request targets when the page has one by that name."""
    block = htmx_target()
    template = current_app.jinja_env.get_template(template_name)
    if block is None or block not in template.blocks:
        return render_template(template_name, **context)
    return render_block(template_name, block, **context)
