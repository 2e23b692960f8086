"""Moves this interpreter's clock ahead when ``TEST_CLOCK_SHIFT_DAYS`` is set (tests only).

The clock test puts this folder first on ``PYTHONPATH``, so every Python process of the run (pytest,
the CLI it starts, the Jupyter kernels nbval starts) imports it at start-up and travels the same
number of days ahead with time-machine; the clock keeps ticking from there.
"""

import datetime as _dt
import os as _os

_DAYS = _os.environ.get("TEST_CLOCK_SHIFT_DAYS")
if _DAYS:
    import time_machine as _time_machine

    _time_machine.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(days=int(_DAYS)), tick=True).start()
