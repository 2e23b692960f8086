"""The ledningsgrupp's dashboard: the widget layer, and a start view kept ready between data changes.

The numbers and figures come from :mod:`egenkontroll._panel` (:class:`Model`, :func:`figures`,
:func:`key_figures`): reading a workspace, estimating and drawing take seconds with tens of thousands
of answers. The first screen (the first checklist, every period and enhet) changes only when the
data do, so :func:`warm` stores it in the workspace (``.cache/instrumentpanel.json``) under a stamp
of the data (schema version, imports, audit log, loop log; see :func:`egenkontroll._location.data_stamp`),
the evaluation date and the program version. :func:`show`, which ``notebooks/dashboard.ipynb`` calls,
shows a start view whose stamp still matches at once, without importing pandas, scipy or
matplotlib, and computes only when a filter changes; a missing or outdated start view is computed
and stored first. ``egenkontroll dashboard`` prepares it before serving and, while it serves,
checks every minute whether the data have changed (:func:`refresh`). What it prepares holds also the
screens of each period alone and each enhet alone, and the first screen of every other checklist
(:attr:`StartView.prepared`), so that these filter changes, the commonest, are shown without building
the model. For any other choice the model is built in a background thread a moment after a stored
start view is shown (:meth:`App.build_ahead`), while the reader reads the page; it takes the chart
sections the start view holds and computes ahead every checklist's results per enhet and period, the
start view's checklist first, so that a choice of a period and an enhet draws only the sections that
depend on both.

Below the charts, a section on the quality loop (:mod:`egenkontroll._loop_panel`: the
egenkontrollplan of the per_datum's year, the åtgärder, their effect and the risk matrix) is part of the
start view and stays the same whatever the filters.

The widgets show the charts as SVG images inside HTML (no JavaScript library, nothing from the internet),
each with an alt text and the table behind it; two columns of charts where the screen has room. Above
the heat map, a button per enhet ("Visa Vuxenenheten") chooses that enhet in the Enhet dropdown (a line
of JavaScript sets the dropdown, whose change the kernel sees as if the user had chosen there).
The charts over time ("Utveckling över tid") show run charts per tertial first: a median and the
Anhøj rules in words need no statistics to read, and ten seconds is what a ledningsgrupp member gives
a chart. Two choices above them, in the chart's own place, switch to months and to p-charts
("Styrdiagram (p′)": the limits, Laney's p′ when the periods are overdispersed, and the periods
outside them named); the choices stay when the filters change. The start view's screens hold the
variants (:attr:`~egenkontroll._views.Screen.over_time`: every one for all enheter, those per tertial
for one enhet), so most switches cost no computing; any other variant, and every one but the chosen
on a screen the kernel computes, is computed when it is chosen.
Privacy: figures from fewer than five cases are never shown as numbers; no handläggare, person_id
or personnummer is shown; every free text is HTML-escaped (see :mod:`egenkontroll._panel`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import html
import importlib.util
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from egenkontroll import _boundary, _location
from egenkontroll._version import __version__
from egenkontroll._views import (
    ALL,
    ENHET_FILTER_CLASS,
    HOW_TO_READ,
    OVER_TIME_KINDS,
    OVER_TIME_UNITS,
    SECTIONS,
    Filters,
    Screen,
    StartView,
    over_time_key,
    prepared_key,
)
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import spoken_period
from egenkontroll.server import TEMPLATE_ROOT

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from egenkontroll._panel import (  # noqa: F401 - lazily re-exported
        REGISTER_LABELS,
        Model,
        View,
        figures,
        key_figures,
    )
    from egenkontroll.workspace import Workspace

__all__ = [
    "ALL",
    "TEMPLATE_ROOT",
    "HOW_TO_READ",
    "SECTIONS",
    "START_VIEW_FILE",
    "Filters",
    "Screen",
    "StartView",
    "View",
    "Model",
    "App",
    "figures",
    "key_figures",
    "REGISTER_LABELS",
    "warm",
    "refresh",
    "KeepReady",
    "cached_start_view",
    "show",
]

#: where :func:`warm` keeps the start view, relative to the workspace folder
START_VIEW_FILE = Path(".cache") / "instrumentpanel.json"
#: changes whenever the stored start view's content or layout changes
_START_VIEW_FORMAT = 8
_LAZY = ("Model", "View", "figures", "key_figures", "REGISTER_LABELS")


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'egenkontroll.dashboard' has no attribute {name!r}")
    from egenkontroll import _panel

    return getattr(_panel, name)


# --------------------------------------------------------------------------- the start view, kept ready


def warm(workspace: Workspace, as_of: dt.date | None = None) -> StartView:
    """Compute the start view of *workspace*, with its prepared screens, and store it for :func:`show`;
    returns it."""
    return _warmed(workspace, as_of, prepare=True)[0]


def _warmed(workspace: Workspace, as_of: dt.date | None = None, show_anyway: bool = False,
            prepare: bool = False) -> tuple[StartView, Model]:
    from egenkontroll import _panel

    as_of = per_datum(as_of)
    stamp = _stamp(workspace.engine, as_of)  # before reading: a change meanwhile makes the view outdated
    model = _panel.Model(workspace, as_of=as_of)
    try:
        start = _start_view(model, stamp, prepare=prepare)
    except Exception:
        if not show_anyway:
            raise
        return _panel.start_view(model, stamp, first_screen=False), model  # App.render tells what failed
    try:
        _store(workspace.path / START_VIEW_FILE, start)
    except OSError:  # e.g. a workspace the reader may not write to: the view is shown all the same
        if not show_anyway:
            raise
    return start, model


def _start_view(model: Model, stamp: str = "", prepare: bool = False) -> StartView:
    """:func:`egenkontroll._panel.start_view` with the section on the plan, the actions and the risks."""
    from egenkontroll import _loop_panel, _panel

    start = _panel.start_view(model, stamp, prepare=prepare)
    return replace(start, loop=_loop_panel.section_html(_loop_panel.loop_view(model.workspace, model.as_of)))


def refresh(folder: str | os.PathLike[str] | None = None, as_of: dt.date | None = None) -> bool:
    """Compute and store the start view unless the stored one still matches and holds its prepared
    screens; True when computed.

    ``egenkontroll dashboard`` calls this before serving and then every minute, so that the start view
    is ready again soon after an answer, an import or midnight.
    """
    folder = _location.workspace_folder(folder)
    stored = cached_start_view(folder, as_of)
    if stored is not None and stored.prepared is not None:
        return False
    with _open(folder) as workspace:
        warm(workspace, as_of)
    return True


def cached_start_view(folder: str | os.PathLike[str] | None = None,
                      as_of: dt.date | None = None) -> StartView | None:
    """The stored start view when it still matches the data, *as_of* and this version.

    *as_of* defaults to :func:`~egenkontroll.perdatum.per_datum` (``$EGENKONTROLL_PER_DATUM`` or today).

    None when there is none, it is outdated or unreadable, or the workspace cannot be read cheaply
    (then :func:`show` takes the full way, which reports any problem properly).
    """
    folder = _location.workspace_folder(folder)
    path = folder / START_VIEW_FILE
    if not path.is_file():
        return None
    try:
        stored, current = _load(path), _current_stamp(folder, as_of)
    except Exception:  # noqa: BLE001 - any doubt about the stored view means computing it anew
        return None
    return stored if stored.stamp == current else None


class KeepReady:
    """What ``egenkontroll dashboard`` calls before serving and every minute: :func:`refresh`.

    After a failure (say, a workspace the server may not write to) it does not try again until the
    data change, so that a lasting problem costs one computation and one message, not one a minute.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None, as_of: dt.date | None = None) -> None:
        self.folder = _location.workspace_folder(folder)
        self.as_of = as_of
        self._failed: str | None = None

    def __call__(self) -> bool:
        """:func:`refresh`; False without trying when the last try failed on the same data."""
        stamp = _current_stamp(self.folder, self.as_of)
        if stamp == self._failed:
            return False
        try:
            return refresh(self.folder, self.as_of)
        except Exception:
            self._failed = stamp
            raise


def _current_stamp(folder: Path, as_of: dt.date | None = None) -> str | None:
    """The stamp the data in *folder* have now (None: no database there to read cheaply)."""
    engine = _location.peek(folder)
    if engine is None:
        return None
    try:
        return _stamp(engine, per_datum(as_of))
    finally:
        engine.dispose()


def _stamp(engine: Engine, as_of: dt.date) -> str:
    """The program (version, format, source code), the database, the day and the data."""
    database = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return "|".join([__version__, str(_START_VIEW_FORMAT), _code_stamp(), database, as_of.isoformat(),
                     _location.data_stamp(engine)])


@functools.lru_cache(maxsize=1)
def _code_stamp() -> str:
    """A digest of the program's source, so that changed code never shows a view drawn by the old one."""
    spec = importlib.util.find_spec("sampling")  # not imported: the stamp is needed before scipy is
    if spec is None or spec.origin is None:
        raise ImportError("the sampling package, installed with egenkontroll, is missing")
    packages = [Path(__file__).parent, Path(spec.origin).parent]
    digest = hashlib.sha256()
    for source in sorted(path for package in packages for path in package.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _store(path: Path, start: StartView) -> None:
    """Write *start* as JSON, readable by its owner only, atomically (the old file or the new, never half)."""
    content = asdict(start)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(content, ensure_ascii=False))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _load(path: Path) -> StartView:
    content = json.loads(path.read_text(encoding="utf-8"))
    screen = content["screen"]
    if screen is not None:
        screen = Screen(**screen)
    filters = Filters(**content["filters"]) if content["filters"] is not None else None
    prepared = content["prepared"]
    if prepared is not None:
        prepared = {key: Screen(**shown) for key, shown in prepared.items()}
    return StartView(
        stamp=content["stamp"], checklists=[tuple(pair) for pair in content["checklists"]],
        periods=content["periods"], enheter=content["enheter"], header=content["header"],
        how_to_read=content["how_to_read"], filters=filters, screen=screen, prepared=prepared,
        loop=content["loop"],
    )


# --------------------------------------------------------------------------- the widget layer


class App:
    """The dashboard widgets: the start view and its prepared screens at once, a :class:`Model` for every
    other choice.

    Parameters
    ----------
    model
        The model; when None, ``load_model`` builds it on the first filter change.
    start
        The start view (default computed from *model*).
    load_model
        Builds the model when it is first needed (with a ``start`` from :func:`cached_start_view`).
    folder
        The workspace folder, where unexpected errors are logged (default the model's workspace).
    """

    def __init__(self, model: Model | None = None, *, start: StartView | None = None,
                 load_model: Callable[[], Model] | None = None, folder: Path | None = None) -> None:
        import ipywidgets as widgets

        if model is None and load_model is None:
            raise TypeError("App needs a model or load_model")
        self._model, self._load_model = model, load_model
        self._building: Future[Model] | None = None
        self._hurry = threading.Event()  # set when the reader waits for the model: stop computing ahead
        self._folder = folder if folder is not None or model is None else model.workspace.path
        if start is None:
            start = _start_view(self.model)
        self.start = start
        self.checklist = widgets.Dropdown(options=start.checklists, description="Checklista")
        # "every period" and "every enhet" are the value "" (a None value shows an empty dropdown)
        periods = [(spoken_period(period), period) for period in start.periods]
        self.period = widgets.Dropdown(options=[(ALL, _EVERY), *periods], value=_EVERY, description="Period")
        self.enhet = widgets.Dropdown(options=[(ALL, _EVERY), *((e, e) for e in start.enheter)],
                                      value=_EVERY, description="Enhet")
        self.enhet.add_class(ENHET_FILTER_CLASS)  # the heat map's enhet buttons choose here
        for dropdown in (self.checklist, self.period, self.enhet):
            dropdown.style = {"description_width": "90px"}
            dropdown.layout = widgets.Layout(width="min(400px, 100%)")
            dropdown.observe(self._on_change, names="value")
        self.print_button = widgets.HTML(_PRINT_BUTTON)
        self.chosen = widgets.HTML()
        self.errors = widgets.HTML()
        self.busy = widgets.HTML()
        self.key_figures = widgets.HTML()
        self.notes = widgets.HTML()
        self.change = widgets.HTML()
        self.charts = {key: widgets.HTML(layout=widgets.Layout(min_width="0")) for key, _ in SECTIONS}
        self.unit = widgets.ToggleButtons(options=[(label, key) for key, label in OVER_TIME_UNITS],
                                          description="Tidsindelning")
        self.kind = widgets.ToggleButtons(options=[(label, key) for key, label in OVER_TIME_KINDS],
                                          description="Diagram")
        for toggle in (self.unit, self.kind):
            toggle.style = {"description_width": "initial", "button_width": "auto"}
            toggle.observe(self._on_over_time, names="value")
        self._screen: Screen | None = None
        self.deviations = widgets.HTML()
        self.method = widgets.HTML()
        self.loop = widgets.HTML(start.loop)  # the plan, actions and risks: the same for every filter
        filters = widgets.HBox([self.checklist, self.period, self.enhet, self.print_button],
                               layout=widgets.Layout(flex_flow="row wrap", width="100%"))
        filters.add_class("ek-filterrad")
        over_time = widgets.HBox([self.unit, self.kind], layout=widgets.Layout(flex_flow="row wrap"))
        over_time.add_class("ek-filterrad")  # not printed: the printed page says the choice in words
        cells = [widgets.VBox([over_time, section], layout=widgets.Layout(min_width="0")) if key == "trend"
                 else section for key, section in self.charts.items()]
        grid = widgets.GridBox(cells, layout=widgets.Layout(
            grid_template_columns="repeat(auto-fit, minmax(min(100%, 820px), 1fr))", grid_gap="0 28px",
            width="100%"))
        self.widget = widgets.VBox([
            widgets.HTML(start.header), filters, self.chosen, self.busy, self.errors,
            self.key_figures, self.notes, self.change, widgets.HTML(start.how_to_read), grid, self.loop,
            widgets.HTML("<h2>Senaste avvikelser med kommentar</h2>"), self.deviations, self.method,
        ], layout=widgets.Layout(width="100%"))
        self.widget.add_class("ek-panel")
        self._say_chosen()
        if start.screen is not None:
            self._show(start.screen)
        elif start.filters is not None:
            self.render()  # the first screen could not be computed in advance: say why, in Swedish
        else:
            self.errors.value = _message_html("Arbetsytan har inga granskningar ännu.")

    @property
    def model(self) -> Model:
        """The model, built on first use when the app started from a stored start view (or taken from
        :meth:`build_ahead`'s thread, waiting for it when it is not done; its error is raised here)."""
        if self._model is None:
            self._hurry.set()
            building, self._building = self._building, None  # a failed build is tried anew next time
            self._model = building.result() if building is not None else self._build()
        return self._model

    def build_ahead(self) -> None:
        """Build the model in a background thread, unless it is built or being built.

        The thread touches no widget (ipywidgets are updated from the kernel's main loop): it builds
        the model, hands it the start view's chart sections and computes ahead
        (:meth:`egenkontroll._panel.Model.prefetch`), the start view's checklist first, then the others,
        until the reader waits for it; :attr:`model` takes the result. A failure computing ahead
        another checklist is left for when that checklist is chosen (computed then, its error said).
        """
        if self._model is not None or self._building is not None:
            return
        building: Future[Model] = Future()
        building.set_running_or_notify_cancel()
        self._building = building

        def build() -> None:
            try:
                building.set_result(self._build(ahead=True))
            except BaseException as error:  # noqa: BLE001 - raised where the model is wanted
                building.set_exception(error)

        threading.Thread(target=build, name="instrumentpanelens-modell", daemon=True).start()

    def _build(self, ahead: bool = False) -> Model:
        from egenkontroll import _panel

        assert self._load_model is not None  # __init__ refuses an App with neither
        model = self._load_model()
        _panel.reuse_sections(model, self.start)
        if ahead and self.start.filters is not None:
            first = self.start.filters.checklist
            model.prefetch(first, stop=self._hurry)
            for checklist in (other for other in model.checklists() if other != first):
                try:
                    model.prefetch(checklist, stop=self._hurry)
                except Exception:  # noqa: BLE001 - computed again, and any error said, when it is chosen
                    continue
        return model

    def filters(self) -> Filters:
        """The current choice."""
        return Filters(checklist=self.checklist.value, period=self.period.value or None,
                       enhet=self.enhet.value or None)

    def over_time(self) -> str:
        """The chosen chart over time, a key of :data:`~egenkontroll._views.OVER_TIME` ("tertial/serie")."""
        return over_time_key(self.unit.value, self.kind.value)

    def render(self) -> None:
        """Show the current choice; an error is shown in Swedish, never as a traceback.

        While the figures are computed a line says so (the first choice after a stored start view
        reads the whole workspace, which takes seconds with tens of thousands of answers).
        """
        self._guarded(self._render)

    def _guarded(self, work: Callable[[], None]) -> None:
        """*work*, with the busy line while it runs and any error said in Swedish."""
        self.busy.value = _BUSY_HTML
        try:
            self.errors.value = ""
            try:
                work()
            except Exception as error:  # noqa: BLE001 - the ledningsgrupp sees Swedish, never a traceback
                self.errors.value = _message_html(_boundary.DASHBOARD.message(error, self._folder))
        finally:
            self.busy.value = ""

    def _on_change(self, _change: dict[str, Any]) -> None:
        self._say_chosen()
        self.render()

    def _on_over_time(self, _change: dict[str, Any]) -> None:
        self._say_chosen()
        self._guarded(self._show_over_time)

    def _say_chosen(self) -> None:
        """The filter choice in words, for the printed page (the dropdowns are not printed)."""
        chosen = "; ".join(f"{dropdown.description.lower()}: {dropdown.label}"
                           for dropdown in (self.checklist, self.period, self.enhet))
        over_time = f"{self.kind.label.lower()} per {self.unit.label.lower()}"
        self.chosen.value = (f'<p class="ek-valt">Urval: {html.escape(chosen)}; utveckling över tid: '
                             f"{html.escape(over_time)}.</p>")

    def _render(self) -> None:
        filters = self.filters()
        ready = self._prepared(filters)
        if ready is None:
            from egenkontroll import _panel

            ready = _panel.screen(self.model, filters, over_time=(self.over_time(),))
        self._show(ready)

    def _prepared(self, filters: Filters) -> Screen | None:
        """The start view's screen for *filters* when it has one (the first screen or a prepared one)."""
        if filters == self.start.filters:
            return self.start.screen
        return (self.start.prepared or {}).get(prepared_key(filters))

    def _show(self, screen: Screen) -> None:
        self._screen = screen
        self.key_figures.value = screen.key_figures
        self.notes.value = screen.notes
        self.change.value = screen.change
        for key, section in screen.charts.items():
            self.charts[key].value = section
        self._show_over_time()
        self.deviations.value = screen.deviations
        self.method.value = screen.method

    def _show_over_time(self) -> None:
        """The chosen chart over time, computed for the shown screen when it does not hold it yet."""
        if self._screen is None:
            return
        chosen = self.over_time()
        if chosen not in self._screen.over_time:
            from egenkontroll import _panel

            self._screen.over_time[chosen] = _panel.over_time_section(self.model, self.filters(), chosen)
        self.charts["trend"].value = self._screen.over_time[chosen]


_EVERY = ""
#: seconds between showing a stored start view and starting to build the model (the page loads first)
_BUILD_AHEAD_AFTER = 1.0
#: prints the page (the browser's print dialog, where "Spara som PDF" gives the PDF for the nämnd)
_PRINT_BUTTON = ('<button type="button" class="ek-utskrift" onclick="window.print()">Utskrift (PDF)</button>')
_BUSY_HTML = ('<p class="ek-raknar" style="font-size:17px">'
              "<em>Räknar fram siffrorna och diagrammen för valet …</em></p>")


def _message_html(text: str) -> str:
    return f'<p style="color:#B00020;font-size:18px"><strong>{html.escape(text)}</strong></p>'


def show(workspace: str | os.PathLike[str] | Workspace | None = None) -> App:
    """Build and display the dashboard; *workspace* defaults to $EGENKONTROLL_WORKSPACE or ./arbetsyta.

    Given a folder, a stored start view that still matches the data is shown at once and, in a kernel,
    the model is built in the background a second later (:meth:`App.build_ahead`; elsewhere on the
    first filter change that needs it); otherwise the start view is computed and stored first.
    """
    from IPython.display import display

    if workspace is None or isinstance(workspace, str | os.PathLike):
        app = _app_for_folder(_location.workspace_folder(workspace))
    else:
        start, model = _warmed(workspace, show_anyway=True)
        app = App(model, start=start)
    display(app.widget)
    if app._model is None:
        _later(_BUILD_AHEAD_AFTER, app.build_ahead)
    return app


def _later(delay: float, callback: Callable[[], None]) -> None:
    """Run *callback* after *delay* seconds on the running event loop (the kernel's); outside one, never."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    loop.call_later(delay, callback)


def _app_for_folder(folder: Path) -> App:
    start = cached_start_view(folder)
    if start is not None:
        return App(start=start, load_model=lambda: _model(folder), folder=folder)
    start, model = _warmed(_open(folder), show_anyway=True)
    return App(model, start=start)


def _model(folder: Path) -> Model:
    from egenkontroll import _panel

    return _panel.Model(_open(folder))


def _open(folder: Path) -> Workspace:
    from egenkontroll.workspace import Workspace

    return Workspace.open(folder)
