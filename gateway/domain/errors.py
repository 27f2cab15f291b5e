"""The gateway's domain errors: what a rule refuses, said in Chinese and English.

    FloorError              a rule refused; `zh` and `en` say why, for the person in front of it
    ├── Refusal             a read its workflow cannot take (the station hears it, error beep)
    ├── NotAllowed          the signed-on person's role may not do this (a floor page's action)
    ├── Unknown             the page named something the gateway does not know (a task, a reason)
    └── Conflict            the device is not in the state the action needs

Each entry point turns them into its answers in one place: the intake's `decide` makes a
Refusal a `refused` answer (gateway/domain/workflows), the floor pages one exception handler
(gateway/entrypoints/floor_web.py) makes each a status code.
"""

from __future__ import annotations


class FloorError(Exception):
    """A rule refused; `zh` and `en` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class Refusal(FloorError):
    """A read the workflow cannot take: the operator hears why (Chinese, English)."""


class NotAllowed(FloorError):
    """The person's role may not do this."""


class Unknown(FloorError):
    """A name (a task, a reason) the gateway does not know."""


class Conflict(FloorError):
    """The device is not in the state the action needs."""
