"""Credentials at rest: Fernet encryption under keys Ferry is given or makes itself.

Keys come from `FERRY_SECRET_KEY` (one or more Fernet keys separated by commas, the first one
encrypts, every one decrypts: that is how a key is rotated in without downtime) or, when it is not
set, from the file `secret.key` in Ferry's data folder, created with mode 0600 on first use (one key
per line, the same order). `rotate()` re-encrypts a value under the first key; `ferry rotate-key`
(jobs/secrets_cli.py) does it for every stored secret.

The box is a value passed around, never a process-wide global: a test, a worker and `ferry
rotate-key` each hold the keys they were given.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from jobs.store.database import data_dir

KEY_FILE_NAME = "secret.key"


class SecretKeyError(RuntimeError):
    """The keys are missing, malformed, or do not open a stored secret."""


class SecretBox:
    """Encrypts and decrypts the secret fields of a connection (a small JSON object)."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise SecretKeyError("no encryption key: set FERRY_SECRET_KEY or let Ferry create its key file")
        try:
            self._fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError) as error:
            raise SecretKeyError(
                "FERRY_SECRET_KEY (or the key file) holds a malformed key: each key must be 32 url-safe "
                "base64-encoded bytes, as `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'` prints"
            ) from error
        self._multi = MultiFernet(self._fernets)

    def __repr__(self) -> str:  # never show key material
        return f"SecretBox({len(self._fernets)} key(s))"

    def seal(self, values: Mapping[str, Any]) -> str:
        return self._multi.encrypt(json.dumps(dict(values), sort_keys=True).encode()).decode("ascii")

    def open(self, token: str) -> dict[str, Any]:
        try:
            return json.loads(self._multi.decrypt(token.encode("ascii")))
        except InvalidToken as error:
            raise SecretKeyError(
                "a stored secret cannot be decrypted with the configured keys: FERRY_SECRET_KEY (or the "
                "key file) lost the key it was encrypted with; put the old key back after the new one"
            ) from error

    def rotate(self, token: str) -> str:
        """The same secret, encrypted under the first key."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as error:
            raise SecretKeyError("a stored secret cannot be decrypted with the configured keys") from error


def key_file(folder: Path | None = None) -> Path:
    return (folder or data_dir()) / KEY_FILE_NAME


def configured_keys(folder: Path | None = None) -> list[str]:
    """The keys in force: `FERRY_SECRET_KEY`, else the key file, which is created when missing."""
    configured = os.environ.get("FERRY_SECRET_KEY", "").strip()
    if configured:
        return [key.strip() for key in configured.split(",") if key.strip()]
    path = key_file(folder)
    if not path.exists():
        _create_key_file(path, [Fernet.generate_key().decode()])
    return read_key_file(path)


def read_key_file(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Replace the key file atomically, keeping mode 0600."""
    temporary = path.with_suffix(".new")
    temporary.unlink(missing_ok=True)
    _create_key_file(temporary, keys)
    os.replace(temporary, path)


def _create_key_file(path: Path, keys: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a key; the loser reads the winner's.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as handle:
        handle.write("".join(f"{key}\n" for key in keys))


def secret_box(folder: Path | None = None) -> SecretBox:
    return SecretBox(configured_keys(folder))
