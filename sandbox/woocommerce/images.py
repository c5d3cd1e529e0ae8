"""Images sent by `src`: "sideloaded" as WooCommerce does, but never downloaded.

WooCommerce downloads each `src` into the media library and answers with the *new* URL under
wp-content/uploads/YYYY/MM/, renaming the file when the name is taken (`shirt-1.jpg`), so an
importer cannot compare the `src` it sent with the one it reads back. An image sent without an
`id` is uploaded again on every write, as a new attachment.
https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/wc-rest-functions.php
(wc_rest_upload_image_from_url, wc_rest_set_uploaded_image_as_attachment)

Failures the sandbox reproduces without a network: a URL WordPress will not fetch, a host that
does not resolve (the reserved `.invalid` TLD, RFC 2606), a file type that is not an image.
Unlike WordPress, loopback hosts are accepted: the other sandbox stores live there.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from sandbox.woocommerce.database import Attachment, Database
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.text import IMAGE_EXTENSIONS, sanitize_file_name, sanitize_text_field
from sandbox.woocommerce.times import site_time


def _fetch_problem(url: str) -> tuple[str, str] | None:
    """Why download_url() would fail for `url`, as (error code, message), or None."""
    if not url:
        return (
            "woocommerce_rest_invalid_remote_image_url",
            "Error getting remote image . Error: Invalid URL Provided.",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        reason = "A valid URL was not provided."
    elif parts.hostname.endswith(".invalid") or ("." not in parts.hostname and parts.hostname != "localhost"):
        reason = f"cURL error 6: Could not resolve host: {parts.hostname}"
    else:
        name = parts.path.rsplit("/", 1)[-1]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension and extension not in IMAGE_EXTENSIONS:
            return (
                "woocommerce_rest_invalid_image",
                "Invalid image: Sorry, you are not allowed to upload this file type.",
            )
        return None
    return "woocommerce_rest_invalid_remote_image_url", f"Error getting remote image {url}. Error: {reason}"


def _escaped(src: str) -> str:
    """esc_url_raw(): a scheme-less URL gets `http://`."""
    src = src.strip()
    if src and ":" not in src and src[0] not in "/#?":
        return "http://" + src
    return src


def check_src(src: str) -> WooError | None:
    """The error wc_rest_upload_image_from_url() returns for `src` (raw code), or None."""
    problem = _fetch_problem(_escaped(src))
    return WooError(problem[0], problem[1], 400) if problem else None


def upload(db: Database, src: str) -> Attachment:
    """Record a sideloaded image (`src` already checked) under a unique uploads path."""
    now = time.time()
    url = _escaped(src)
    name = sanitize_file_name(urlsplit(url).path.rsplit("/", 1)[-1]) or "image"
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, "jpg"
    folder = site_time(now).strftime("%Y/%m")
    path = f"{folder}/{stem}.{extension}"
    # wp_unique_filename(): the second shirt.jpg of the month is shirt-1.jpg, then shirt-2.jpg.
    number = 0
    while db.uploads[path.lower()]:
        number += 1
        path = f"{folder}/{stem}-{number}.{extension}"
    db.uploads[path.lower()] += 1
    attachment = Attachment(db.new_post_id(), path, path.rsplit("/", 1)[-1], "", now, url)
    db.attachments[attachment.id] = attachment
    return attachment


def describe(attachment: Attachment, image: dict[str, Any]) -> None:
    """An image's `name` and `alt`, when the request gives non-empty ones."""
    if image.get("name"):
        attachment.title = str(image["name"])
    if image.get("alt"):
        attachment.alt = sanitize_text_field(str(image["alt"]))


def payload(attachment: Attachment, site: str) -> dict[str, Any]:
    stamp = site_time(attachment.created).strftime("%Y-%m-%dT%H:%M:%S")
    stamp_gmt = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(attachment.created))
    return {
        "id": attachment.id,
        "date_created": stamp,
        "date_created_gmt": stamp_gmt,
        "date_modified": stamp,
        "date_modified_gmt": stamp_gmt,
        "src": f"{site}/wp-content/uploads/{attachment.path}",
        "name": attachment.title,
        "alt": attachment.alt,
    }
