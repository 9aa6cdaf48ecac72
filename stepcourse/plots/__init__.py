"""Drawing with matplotlib: every function takes ``ax=None`` and returns a :class:`Drawn`.

Nothing here changes matplotlib's global settings. Colours come from :data:`PALETTE`, the Okabe-Ito
palette, which stays distinguishable under the common forms of colour blindness.

Figures are drawn for the column they land in. The book's column is about 700 CSS px wide, so a figure
is :data:`COLUMN_WIDTH` inches wide (shown at 100 CSS px per inch) and its smallest text is
:data:`MIN_FONT_PT` points, which is at least 9 px on screen. At most two panels sit side by side; more
panels stack in rows. :func:`subplots` makes such a figure::

    fig, ax = sc.plots.subplots()                  # one panel, the column's width
    fig, (ax1, ax2) = sc.plots.subplots(2)         # two panels side by side
    fig, axes = sc.plots.subplots(4, height=2.8)   # 2 x 2; ``axes`` is flat, in reading order

and :func:`text_px` says how large a figure's smallest text is on screen.

Called without ``ax``, a plot function draws on a new figure of its own (not registered with pyplot)
and the :class:`Drawn` it returns shows that figure when it is the last value of a notebook cell.
"""
from . import _base, batches, boosting, curves, depth, flow, gradients, learning_rates, momentum, race, surfaces, theory
from ._base import *  # noqa: F401,F403
from .batches import *  # noqa: F401,F403
from .boosting import *  # noqa: F401,F403
from .curves import *  # noqa: F401,F403
from .depth import *  # noqa: F401,F403
from .flow import *  # noqa: F401,F403
from .gradients import *  # noqa: F401,F403
from .learning_rates import *  # noqa: F401,F403
from .momentum import *  # noqa: F401,F403
from .race import *  # noqa: F401,F403
from .surfaces import *  # noqa: F401,F403
from .theory import *  # noqa: F401,F403

__all__ = [name for module in (_base, batches, boosting, curves, depth, flow, gradients, learning_rates, momentum, race, surfaces, theory) for name in module.__all__]
