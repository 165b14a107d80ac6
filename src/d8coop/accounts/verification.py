"""What the session knows about the second step of signing in.

- A session is *verified* once its user gave a code of their authenticator app (at sign-in or at
  enrolment); it holds the id of the device the code came from. A signed-in session whose user
  has a device but which is not verified with it is not signed in at all (the middleware signs
  it out): no way in skips the second step, whichever view called `login()`.
- Between the password and the code, the session holds a *pending* sign-in: who gave the right
  password, when, and where to go next. It lapses after PENDING_SECONDS.
- During enrolment, the session holds the secret being enrolled until a code confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from d8coop.accounts.models import TwoFactorDevice

VERIFIED_KEY = "d8coop_two_factor_verified"
PENDING_KEY = "d8coop_two_factor_pending"
ENROLMENT_KEY = "d8coop_two_factor_enrolment"
PENDING_SECONDS = 10 * 60


def confirmed_device(user: Any) -> TwoFactorDevice | None:
    """The user's device, if enrolled; free when the user was loaded by the backend, which
    fetches the device with the user."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.two_factor_device
    except TwoFactorDevice.DoesNotExist:
        return None


def mark_verified(session: SessionBase, device: TwoFactorDevice) -> None:
    session[VERIFIED_KEY] = device.pk


def is_verified(session: SessionBase, device: TwoFactorDevice) -> bool:
    return session.get(VERIFIED_KEY) == device.pk


@dataclass(frozen=True)
class PendingSignIn:
    user_id: int
    backend: str
    next_url: str


def pending_sign_in_start(session: SessionBase, *, user: Any, next_url: str, now: datetime) -> None:
    session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": now.timestamp(),
    }


def pending_sign_in(session: SessionBase, *, now: datetime) -> PendingSignIn | None:
    """The sign-in waiting for its code, unless there is none or it lapsed."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if now.timestamp() - float(pending.get("since", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    return PendingSignIn(
        user_id=int(pending["user"]), backend=str(pending["backend"]), next_url=pending["next"]
    )


def pending_sign_in_end(session: SessionBase) -> None:
    session.pop(PENDING_KEY, None)
