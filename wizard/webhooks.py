"""The webhook endpoints the source stores deliver to: POST /webhooks/shopify and /webhooks/bigcommerce.

No login and no CSRF token: a platform can send neither. A delivery is authenticated by its
signature instead, computed over the raw body with the app's client secret (jobs/webhooks.py), and
checked before anything parses the body. When the web UI adds Flask-WTF's CSRFProtect, exempt this
blueprint with one line: `csrf.exempt(webhooks.blueprint)`.

The answer comes at once: runs are queued, never executed here ("There's a five-second timeout for
the entire request", https://shopify.dev/docs/apps/webhooks/best-practices).

    200 {"status": "queued" | "duplicate" | "ignored"}   authentic; acted on, seen before, or nothing to do
    400 {"error": ...}   authentic but unreadable (no event id, a body that is not the platform's JSON)
    401 {"error": ...}   the signature is missing or verifies with no connection's webhook secret
    404 {"error": ...}   BigCommerce: signed with a secret Ferry holds, for a store it has no connection to
    413 {"error": ...}   a body larger than MAX_BODY_BYTES

A delivery Ferry cannot use gets an error, not a 200, so the platform retries it and then gives up on
the subscription (Shopify removes it, BigCommerce deactivates it and emails the app's owner): a
subscription left behind by a deleted connection ends itself instead of calling for ever.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, jsonify, request
from redis.exceptions import RedisError
from werkzeug.exceptions import RequestEntityTooLarge

from jobs.broker import MissingRedis
from jobs.webhook_intake import Outcome, receive
from jobs.webhooks import BigCommerceDelivery, Delivery, MalformedDelivery, ShopifyDelivery
from wizard.services import services

log = logging.getLogger(__name__)

# A Shopify product with 2,048 variants and their images runs to a few MB; nothing real comes close.
MAX_BODY_BYTES = 10 * 1024 * 1024
REFUSED = {
    Outcome.UNVERIFIED: (401, "the signature does not verify with the webhook secret of any connection"),
    Outcome.UNKNOWN_STORE: (404, "no connection to this store"),
}

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)


@blueprint.post("/shopify")
def shopify() -> tuple[Response, int]:
    return _receive(ShopifyDelivery.from_http(request.headers, _raw_body()))


@blueprint.post("/bigcommerce")
def bigcommerce() -> tuple[Response, int]:
    return _receive(BigCommerceDelivery.from_http(request.headers, _raw_body()))


def _raw_body() -> bytes:
    """The body exactly as it arrived (the signature covers these bytes), read before any parsing."""
    request.max_content_length = MAX_BODY_BYTES
    return request.get_data()


def _receive(delivery: Delivery) -> tuple[Response, int]:
    made = services()
    with made.sessions() as session:
        try:
            receipt = receive(session, made.box, delivery)
        except MalformedDelivery as error:
            return jsonify(error=str(error)), 400
        session.commit()
    if receipt.outcome in REFUSED:
        status, message = REFUSED[receipt.outcome]
        return jsonify(error=message), status
    for run_id in receipt.queued:
        try:
            made.enqueue(run_id)
        except (MissingRedis, RedisError):
            # The run is queued in the database; a worker's watchdog queues its job once Redis is
            # back (jobs/watchdog.py `requeue_lost`), so the delivery is still accepted.
            log.exception("webhook run %s is queued in the database; its job could not be queued yet", run_id)
    return jsonify(status=receipt.outcome.value), 200


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[Response, int]:
    return jsonify(error=f"the body is larger than {MAX_BODY_BYTES} bytes"), 413
