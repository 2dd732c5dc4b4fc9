"""Where other domains add to the work-order pages without this package knowing them: the
telephony's seat panel and screen-pop on the intake console, and the calls an order was
registered from on the order page. A domain registers its parts when its pages are imported
(``hotline.app`` imports them all); the pages call every registered part. A part that
writes (``prepare``, ``registered``) does so in the request's transaction, through its own
services, and may raise a ``HotlineError`` that the console shows like any intake error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.auth.principal import Principal
from hotline.workorder.models import WorkOrder
from hotline.workorder.service import IntakeData

Form = dict[str, Any]


@dataclass(frozen=True)
class ConsoleExtension:
    """A part of the intake console (受理台)."""

    #: HTML shown above the form (None: nothing for this user)
    panel: Callable[[Request, Session, Principal], Markup | None]
    #: HTML inside the form (hidden fields it posts back), given the form's values
    form: Callable[[Request, Session, Principal, Form], Markup | None]
    #: fill a blank form's values from the query string (e.g. ``?call=``)
    prefill: Callable[[Request, Session, Principal, Form], None]
    #: adjust what is registered from the posted form, before intake
    prepare: Callable[[Session, Principal, Form, IntakeData], IntakeData]
    #: the order the form registered (or found again on a retried submit), same transaction
    registered: Callable[[Session, Principal, Form, WorkOrder], None]


#: The parts of the console, in registration order.
CONSOLE: list[ConsoleExtension] = []

#: Sections of the order page: each gives HTML for the order (None: nothing for this viewer).
ORDER_SECTIONS: list[Callable[[Request, Session, Principal, WorkOrder], Markup | None]] = []

#: Fields inside the order page's callback form (e.g. the rating of a referred merchant):
#: HTML for the order (None: nothing to add).
CALLBACK_FIELDS: list[Callable[[Request, Session, Principal, WorkOrder], Markup | None]] = []
#: Called with the posted callback form once the callback is recorded, in the same
#: transaction: a ``HotlineError`` refuses the whole callback like any callback error.
CALLBACK_RECORDED: list[Callable[[Session, Principal, WorkOrder, Form], None]] = []
