"""Checks and normal forms for what people type: usernames, e-mail addresses, phone numbers."""

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from vigil.errors import Invalid

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


def username(value: str) -> str:
    if not _USERNAME.match(value):
        raise Invalid(
            f"Username {value!r} is not valid: use 1 to 100 letters, digits and . _ @ + -, "
            "starting with a letter or digit"
        )
    return value


def email_address(value: str) -> str:
    """The normalized form of an RFC-valid address (domain lower-cased, no DNS look-up)."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise Invalid(f"E-mail address {value!r} is not valid: {error}") from None


def phone_number(value: str) -> str:
    """The E.164 form (+14155550100) of an international number."""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise Invalid(
            f"Phone number {value!r} is not valid: give it in international form, such as +14155550100"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
