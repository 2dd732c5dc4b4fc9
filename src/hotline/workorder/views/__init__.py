"""Pages of work orders: the agent's intake console (受理台), the order lists by role, the
order detail with the actions the caller may take now, and the callback queue (回访).

Every page reaches orders through ``hotline.auth.access`` and changes them only through
``workorder.service``. Forms follow Post/Redirect/Get; on an error the page is rendered again
with the field messages and nothing written. Each action form carries the version of the
order it was rendered from: if someone else changed the order meanwhile, the page comes back
with the fresh state and a banner instead of acting on what the user no longer sees.

All pages hang on the one ``router`` (``hotline.workorder.views.router``, included by the app);
the package is split by page: ``console`` (intake console), ``lists`` (order lists), ``search``
(the order search, before ``order`` so that its path is not read as a number), ``prints``
(the printable sheets), ``order``
(the order page), ``actions`` (actions posted from it), ``callbacks`` (the callback queue), and
``_common`` (what they share)."""

from hotline.workorder.views._common import countdown, router

# isort: off
# The pages register their routes on ``router`` when imported, in the order they had in one file.
from hotline.workorder.views import console, lists, search, prints, order, actions, callbacks  # noqa: F401
# isort: on

__all__ = ["countdown", "router"]
