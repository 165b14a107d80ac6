"""Time-based one-time passwords (RFC 6238) and recovery codes, free of Django.

Plain values in, plain values out: the services decide what to store and record.
Codes are 6 digits over 30-second steps, as every authenticator app shows by default.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

import pyotp
import segno
from pyotp.utils import strings_equal

ISSUER = "D-8 Industrial Cooperation"
DIGITS = 6
# A code is accepted one step (30 s) early or late: phones' clocks drift.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
# 16 characters of base32: 80 random bits, beyond any search even with the stored hash.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_RECOVERY_LENGTH = 16
_SEPARATORS = re.compile(r"[\s\-]+")


def new_secret() -> str:
    """A random 160-bit secret in base32, as authenticator apps expect."""
    return pyotp.random_base32(length=32)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type from the screen."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, *, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_code_svg(uri: str, *, title: str) -> str:
    """The otpauth URI as an inline SVG QR code: dark on white, whatever the page's colours."""
    code = segno.make(uri, error="m", micro=False)
    return code.svg_inline(scale=4, dark="#000", light="#fff", title=title, svgclass="qr-code")


def clean_code(typed: str) -> str:
    """What the person typed, without the spaces and dashes they may add, lower-case."""
    return _SEPARATORS.sub("", typed).lower()


def is_totp_shaped(code: str) -> bool:
    return len(code) == DIGITS and code.isdigit()


def is_recovery_shaped(code: str) -> bool:
    return len(code) == _RECOVERY_LENGTH and all(c in _RECOVERY_ALPHABET for c in code)


def matching_step(secret: str, code: str, *, at: datetime, after: int) -> int | None:
    """The time step, within one step of `at`, whose code is `code`, if later than `after`.

    Steps up to `after` were used already: their codes are refused, even a right one.
    """
    totp = pyotp.TOTP(secret, digits=DIGITS)
    current = totp.timecode(at)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if step > after and strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh recovery codes, shown as four groups of four (`abcd-efgh-ijkl-mnop`)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def recovery_code_hash(code: str) -> str:
    """The stored form of a recovery code, from what was typed or shown."""
    return hashlib.sha256(clean_code(code).encode()).hexdigest()
