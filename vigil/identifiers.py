"""Identifiers in the formats real VictorOps data shows (slugs, API ids, UUIDs) and secret hashing."""

import hashlib
import secrets
import string
import uuid

_ALNUM = string.ascii_letters + string.digits


def random_alnum(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def slug(prefix: str) -> str:
    """A VictorOps-style slug such as `team-Z3scfG2gh0qF3QsL`."""
    return f"{prefix}-{random_alnum(16)}"


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_api_id() -> str:
    return secrets.token_hex(4)


def new_api_secret() -> str:
    return secrets.token_hex(16)


def hash_secret(secret: str) -> str:
    """Keys are long random tokens, so a plain SHA-256 is a safe and fast way to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()
