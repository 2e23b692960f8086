"""The review app: ipywidgets 8 bound to :mod:`egenkontroll._review_model`.

``review.app(workspace)`` shows a start screen (the granskningar of this year's egenkontrollplan first,
then open a granskning or draw a new one) and then one case at a time: the case card, the checklist's
items by answer type, navigation and progress. Every change is saved at once; the status line says
when, or what happened on a conflict. Errors in a callback are shown in Swedish in an Output widget (the
traceback goes to ``fel.log`` in the workspace; see :mod:`egenkontroll._boundary`), never swallowed.
Every free text (answers, comments, titles, reasons, register values) is escaped before it reaches an
HTML widget.

Free text (comments, and the answers of free-text items) is saved while it is typed: every change
reaches the kernel (``continuous_update=True``) and becomes a draft of the model, saved by a timer on
the kernel's own event loop once the typing has paused for :data:`SAVE_PAUSE` seconds, and at once
before anything else the reviewer does (an answer, another case, the summary), so the status line
says "Kommentaren sparad" only for what is in the database, and one pause is one write and one audit
row. No thread: the timer runs on the loop that runs the widgets' callbacks, so it never races them.
Text still waiting when the kernel is shut down (the page reloaded or closed) is saved on the way out.

From the summary a gruppledare creates an åtgärd for an item that fell short (:class:`ActionForm`); it
goes into the åtgärdsplan of :mod:`egenkontroll.actions`, and the form says so in Swedish, or what to
fix.

The navigation, progress and status line sit in a bar that stays at the top of the window while the
reviewer scrolls down the questions.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import weakref
from collections.abc import Callable, Hashable, Mapping
from datetime import date
from html import escape
from pathlib import Path
from typing import Any, NamedTuple

import ipywidgets as widgets

from egenkontroll import _boundary, agreement
from egenkontroll import _review_model as model
from egenkontroll._location import workspace_folder
from egenkontroll.checklists import Checklist, Item
from egenkontroll.errors import ChecklistError, Problem, SessionError, UserError
from egenkontroll.identity import hub_user
from egenkontroll.periods import period_label
from egenkontroll.workspace import Workspace

__all__ = ["app", "ReviewApp", "StartScreen", "ReviewScreen", "ItemEditor", "ActionForm", "ErrorArea",
           "SAVE_PAUSE"]

#: seconds of pause in the typing after which typed text is saved
SAVE_PAUSE = 1.0

_STYLE = """<style>
.ek-app { max-width: 120em; }
/* a box that clips (overflow: auto or hidden) between the bar and the page's scrolling panel would stop
   the bar from sticking: the widget boxes, and Voilà's and JupyterLab's output area around the app */
.ek-app, .ek-app .widget-box, .jp-OutputArea:has(.ek-app), .jp-OutputArea-child:has(.ek-app),
.jp-OutputArea-output:has(.ek-app) { overflow: visible; }
.ek-listen { position: sticky; top: 0; z-index: 10; background: #fff; border-bottom: 1px solid #ccc;
  padding: 0.2em 0 0.3em 0; }
.ek-app h2, .ek-app h3 { margin: 0.4em 0 0.2em 0; }
.ek-kort table { border-collapse: collapse; margin: 0.3em 0; }
.ek-kort td, .ek-kort th, .ek-sammanfattning td, .ek-sammanfattning th {
  padding: 0.15em 0.8em 0.15em 0; text-align: left; vertical-align: top; }
.ek-kort-innehall { display: grid; grid-template-columns: repeat(auto-fill, minmax(24em, 1fr));
  gap: 0 2em; align-items: start; }
.ek-kort-bedomningar { grid-column: span 2; }
.ek-sammanfattning table { border-collapse: collapse; }
.ek-sammanfattning tr { border-bottom: 1px solid #ddd; }
.ek-sammanfattning .ek-arende, .ek-sammanfattning .ek-nr { white-space: nowrap; }
.ek-fragelista { margin: 0.2em 0 0.6em 0; }
.ek-fragelista td { padding: 0 0.8em 0 0; vertical-align: top; }
.ek-status-vantar { color: #555; font-style: italic; }
.ek-badge { display: inline-block; padding: 0 0.5em; border-radius: 0.6em; font-size: 0.85em;
  font-weight: bold; margin-left: 0.5em; }
.ek-kritisk { background: #b3261e; color: #fff; }
.ek-uppfyllt { background: #1e6b34; color: #fff; }
.ek-avvikelse { background: #b3261e; color: #fff; }
.ek-ingen { background: #767676; color: #fff; }
.ek-klar { background: #1e6b34; color: #fff; }
.ek-ej-klar { background: #e8e8e8; color: #333; }
.ek-hjalp, .ek-lagrum { color: #555; font-size: 0.9em; }
.ek-status-sparat { color: #1e6b34; font-weight: bold; }
.ek-status-konflikt { color: #8a4b00; font-weight: bold; }
.ek-fel { color: #b3261e; background: #fdecea; border: 1px solid #b3261e; padding: 0.5em; }
.ek-fraga { border-top: 1px solid #ddd; padding-top: 0.4em; }
.ek-fraga .widget-toggle-button.mod-active { background: #1f5fa8; color: #fff; }
/* an answer widget's label is its question, shown in bold just above it: there for screen readers only */
.ek-fraga .widget-label { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; }
.ek-kort { border: 1px solid #ddd; background: #fafafa; padding: 0 0.6em 0.4em 0.6em; }
.ek-bedomning { margin-top: 0.4em; }
.ek-atgard { border: 1px solid #ddd; background: #fafafa; padding: 0 0.6em 0.6em 0.6em; margin: 0.8em 0; }
.ek-planerade { margin-bottom: 0.6em; }
</style>"""
_CORRECTABLE = [(label, name) for name, label in model.DATE_LABELS.items()]


def app(workspace: Workspace | str | os.PathLike[str] | None = None, session_id: str | None = None, *,
        reviewer: str | None = None, as_of: date | None = None) -> ReviewApp | widgets.HTML:
    """The review app, ready to display; when the workspace cannot be opened (a damaged database, a
    read-only folder, ...), a Swedish message saying what happened and what to do instead.

    Parameters
    ----------
    workspace
        A workspace, its folder, or None for ``$EGENKONTROLL_WORKSPACE`` / ``./arbetsyta``.
    session_id
        Open this granskning at once instead of showing the start screen.
    reviewer
        Who answers; default :func:`~egenkontroll.identity.current_user`.
    as_of
        The date computed verdicts are evaluated on (default ``$EGENKONTROLL_PER_DATUM`` or today).
    """
    try:
        opened = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    except Exception as error:  # noqa: BLE001 - shown in Swedish, never as Voilà's developer text
        folder = workspace_folder(None if isinstance(workspace, Workspace) else workspace)
        return widgets.HTML(f'<div class="ek-fel">{_lines(_boundary.REVIEW.message(error, folder))}</div>')
    return ReviewApp(opened, session_id=session_id, reviewer=reviewer, as_of=as_of)


class ErrorArea:
    """A visible Output widget for callback errors, and the guard that puts them there."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.output = widgets.Output()
        self.output.add_class("ek-felruta")

    @property
    def messages(self) -> list[str]:
        """The messages shown now (plain text)."""
        return [entry["data"]["text/plain"] for entry in self.output.outputs]

    def show(self, message: str) -> None:
        """Show *message* (plain text; escaped for HTML)."""
        html = f'<div class="ek-fel">{_lines(message)}</div>'
        self.output.outputs = ({"output_type": "display_data", "metadata": {},
                                "data": {"text/plain": message, "text/html": html}},)

    def clear(self) -> None:
        """Remove the message shown."""
        self.output.outputs = ()

    def guard(self, callback: Callable[..., Any],
              on_error: Callable[[], Any] | None = None) -> Callable[..., Any]:
        """*callback*, with any error it raises shown in Swedish instead of raised; then *on_error*."""

        @functools.wraps(callback)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.clear()
            try:
                return callback(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - shown in Swedish; an unexpected one is logged
                self.show(_boundary.REVIEW.message(error, self.workspace.path))
            if on_error is not None:
                self._after_error(on_error)
            return None

        return guarded

    def _after_error(self, on_error: Callable[[], Any]) -> None:
        try:
            on_error()
        except Exception as error:  # noqa: BLE001 - the first message stays; this one is only logged
            _boundary.REVIEW.log(error, self.workspace.path)


class ReviewApp(widgets.VBox):
    """The whole app: the style, the error area and the start screen or the review screen."""

    def __init__(self, workspace: Workspace, *, session_id: str | None = None, reviewer: str | None = None,
                 as_of: date | None = None) -> None:
        super().__init__()
        self.add_class("ek-app")
        self.workspace = workspace
        self.as_of = as_of
        self.errors = ErrorArea(workspace)
        self.name = widgets.Text(value=reviewer or hub_user() or "", description="Granskare",
                                 placeholder="ditt namn eller din signatur", style=_LABEL_STYLE,
                                 layout=_wide())
        self.name.add_class("ek-granskare")  # the page remembers it per browser (the Voilà template)
        self.name.disabled = hub_user() is not None  # the hub has authenticated the user
        self.screen: StartScreen | ReviewScreen | None = None
        self.show_start()
        if session_id is not None:
            self.errors.guard(self.open_session)(session_id)

    def show_start(self) -> None:
        """Show the start screen."""
        self._show(StartScreen(model.StartModel(self.workspace), self.errors, on_open=self._open_named,
                               reviewer=self.reviewer, as_of=self.as_of))

    def reviewer(self) -> str:
        """The name saved with every answer and correction: on the team server the user JupyterHub
        authenticated, whatever the page sends; elsewhere the name under Granskare.

        Raises
        ------
        SessionError
            When no name is given.
        """
        name: str = hub_user() or self.name.value.strip()
        if not name:
            raise SessionError("Skriv ditt namn eller din signatur under Granskare först: det sparas med "
                               "varje svar och rättelse.")
        return name

    def open_session(self, session_id: str) -> None:
        """Open the granskning *session_id* at its first case not yet done.

        The answers are saved under :meth:`reviewer`, without a name under
        :func:`~egenkontroll.identity.current_user` (a session opened from a notebook by its id).
        """
        session = self.workspace.session(session_id)
        review = model.ReviewModel(session, reviewer=hub_user() or self.name.value.strip() or None,
                                   as_of=self.as_of)
        self._show(ReviewScreen(review, self.errors, on_leave=self.show_start))

    def _open_named(self, session_id: str) -> None:
        self.reviewer()
        self.open_session(session_id)

    def _show(self, screen: StartScreen | ReviewScreen) -> None:
        self.screen = screen
        named = [self.name] if isinstance(screen, StartScreen) else []
        self.children = [widgets.HTML(_STYLE), self.errors.output, *named, screen]


# --- the start screen -------------------------------------------------------------------------

class StartScreen(widgets.VBox):
    """Open an existing granskning or draw a new one."""

    def __init__(self, start: model.StartModel, errors: ErrorArea, *, on_open: Callable[[str], None],
                 reviewer: Callable[[], str], as_of: date | None = None) -> None:
        super().__init__()
        self.start = start
        self.errors = errors
        self.on_open = on_open
        self.reviewer = reviewer
        self.sessions = widgets.Dropdown(options=start.session_choices(), description="Granskning",
                                         style=_LABEL_STYLE, layout=_wide())
        self.sessions.add_class("ek-valj-granskning")
        self.open_button = _button("Öppna granskningen", "folder-open", errors.guard(self._open))
        self.open_button.button_style = "primary"
        self.children = [*self._planned(as_of), widgets.HTML("<h2>Fortsätt en granskning</h2>"),
                         *self._existing(), widgets.HTML("<h2>Ny granskning</h2>"), *self._new_session()]

    # --- the granskningar of the egenkontrollplan ---

    def _planned(self, as_of: date | None) -> list[widgets.Widget]:
        """The plan's granskningar still to do, drawn ones first; nothing when there are none."""
        offered = self.start.planned(as_of)
        if not offered:
            return []
        self.planned = widgets.Dropdown(options=[(planned.label, planned) for planned in offered],
                                        description="Planerad", style=_LABEL_STYLE, layout=_wide())
        self.planned.add_class("ek-valj-planerad")
        self.planned_button = _button("", "play", self.errors.guard(self._start_planned))
        self.planned_button.button_style = "primary"
        self.planned.observe(lambda _change: self._name_planned_button(), names="value")
        self._name_planned_button()
        hint = widgets.HTML('<span class="ek-hjalp">Granskningarna i årets egenkontrollplan som återstår: '
                            "först de som har påbörjats, sedan de som inte har dragits än. En ny dras med "
                            "planens antal akter och ett nytt slumpfrö, som sparas med granskningen.</span>")
        box = widgets.VBox([widgets.HTML("<h2>Planerade granskningar</h2>"), hint, self.planned,
                            self.planned_button])
        box.add_class("ek-planerade")
        return [box]

    def _name_planned_button(self) -> None:
        chosen: model.PlannedReview = self.planned.value
        self.planned_button.description = ("Öppna den planerade granskningen" if chosen.session_id
                                           else f"Dra {chosen.planned_n} akter och börja granska")

    def _start_planned(self, _button: widgets.Button | None = None) -> None:
        session = self.start.start_planned(self.planned.value, seed=model.new_seed(),
                                           created_by=self.reviewer())
        self.on_open(session.id)

    # --- existing sessions ---

    def _existing(self) -> list[widgets.Widget]:
        if not self.sessions.options:
            return [widgets.HTML("<p>Det finns inga granskningar ännu. Skapa en nedan.</p>")]
        return [self.sessions, self.open_button]

    def _open(self, _button: widgets.Button | None = None) -> None:
        self.on_open(self.sessions.value)

    # --- a new session ---

    def _new_session(self) -> list[widgets.Widget]:
        if self.start.cases().empty:
            return [widgets.HTML("<p>Arbetsytan har inga ärenden. Läs först in ett ärenderegister, "
                                 "till exempel med <code>egenkontroll import FIL.xlsx</code>.</p>")]
        self.checklist = widgets.Dropdown(options=self.start.checklist_choices(), description="Checklista",
                                          style=_LABEL_STYLE, layout=_wide())
        self.period = widgets.Dropdown(options=self.start.period_choices(), description="Period",
                                       style=_LABEL_STYLE, layout=_wide())
        self.population = widgets.HTML()
        self.n = widgets.BoundedIntText(value=30, min=1, max=1_000_000, description="Antal akter",
                                        style=_LABEL_STYLE)
        self.strata = widgets.Dropdown(options=model.STRATA_CHOICES, description="Urval",
                                       style=_LABEL_STYLE)
        self.minimum = widgets.BoundedIntText(value=1, min=0, max=1_000, description="Minst per stratum",
                                              style=_LABEL_STYLE)
        self.seed = widgets.BoundedIntText(value=model.new_seed(), min=0, max=2**32 - 1, description="Frö",
                                           style=_LABEL_STYLE)
        self.title = widgets.Text(description="Namn", placeholder="valfritt, t.ex. Våldsfråga våren 2026",
                                  style=_LABEL_STYLE, layout=_wide())
        self.create_button = _button("Dra urvalet och börja granska", "play", self.errors.guard(self._create))
        self.create_button.button_style = "primary"
        planner = self._planner()
        for control in (self.checklist, self.period):
            control.observe(self.errors.guard(self._update_population), names="value")
        self._update_population()
        return [self.checklist, self.period, self.population, planner, self.n, self.strata, self.minimum,
                widgets.HTML('<span class="ek-hjalp">Fröet bestämmer vilka ärenden som dras. Skriv upp det: '
                             "med samma frö och samma register dras samma ärenden igen.</span>"),
                self.seed, self.title, self.create_button]

    def _planner(self) -> widgets.Widget:
        self.plan_method = widgets.ToggleButtons(
            options=[("Högsta godtagbara avvikelse", "tolerable"), ("Felmarginal", "margin")],
            value="tolerable", style={"button_width": "auto"})
        self.plan_rate = widgets.BoundedFloatText(value=5, min=0.1, max=50, step=0.5, description="Procent",
                                                  style=_LABEL_STYLE)
        self.confidence = widgets.Dropdown(options=[("90 %", 0.90), ("95 %", 0.95), ("99 %", 0.99)],
                                           value=0.95, description="Säkerhet", style=_LABEL_STYLE)
        self.plan_button = _button("Planera åt mig", "calculator", self.errors.guard(self._plan))
        self.plan_sentence = widgets.HTML()
        box = widgets.VBox([self.plan_method, self.plan_rate, self.confidence, self.plan_button,
                            self.plan_sentence])
        accordion = widgets.Accordion(children=[box], titles=("Planera antalet akter",))
        accordion.selected_index = None
        return accordion

    def _update_population(self, _change: dict | None = None) -> None:
        count = self.start.population(self.checklist.value, self.period.value)
        self.population.value = (f'<span class="ek-hjalp">{count} ärenden i registret omfattas av '
                                 "checklistan under perioden.</span>")
        self.plan_sentence.value = ""

    def _plan(self, _button: widgets.Button | None = None) -> None:
        rate = self.plan_rate.value / 100
        goal = {"tolerable": rate} if self.plan_method.value == "tolerable" else {"margin": rate}
        advice = self.start.advise(self.checklist.value, self.period.value, confidence=self.confidence.value,
                                   **goal)
        self.n.value = advice.n
        self.plan_sentence.value = f"<p>{escape(advice.explanation)}</p>"

    def _create(self, _button: widgets.Button | None = None) -> None:
        session = self.start.create(self.checklist.value, period=self.period.value, n=self.n.value,
                                    seed=self.seed.value, strata=self.strata.value, title=self.title.value,
                                    created_by=self.reviewer(),
                                    minimum=self.minimum.value if self.strata.value else None)
        self.on_open(session.id)


# --- one item ---------------------------------------------------------------------------------

class ItemEditor(widgets.VBox):
    """One answerable item: the question (critical ones marked), the answer widget and a comment box.

    Changes by the user call *on_answer(item_id, value)*, and text typed into the comment box or a
    free-text answer calls *on_text(item_id, text)* at every change; :meth:`show` sets the stored state
    without calling them.
    """

    def __init__(self, item: Item, reference: str, *, on_answer: Callable[[str, Any], None],
                 on_text: Callable[[str, str], None]) -> None:
        super().__init__()
        self.item = item
        self.add_class("ek-fraga")
        self.add_class(f"ek-fraga-{item.id}")
        self._quiet = False
        self.input = _input(item).make(item)
        if item.answer_type.remark:
            self.input.observe(lambda change: self._changed(on_text, change["new"]), names="value")
        else:
            self.input.observe(lambda change: self._changed(on_answer, _blank_to_none(change["new"])),
                               names="value")
        parts: list[widgets.Widget] = [widgets.HTML(_question_html(item, reference)), self.input]
        self.comment: widgets.Textarea | None = None
        if not item.answer_type.remark:
            self.comment = _typing_box("Kommentar (sparas medan du skriver)")
            self.comment.add_class("ek-kommentar")
            self.comment.observe(lambda change: self._changed(on_text, change["new"]), names="value")
            parts.append(self.comment)
        self.saved_by = widgets.HTML()
        self.saved_by.add_class("ek-sparat-av")
        self.children = [*parts, self.saved_by]

    def show(self, stored: model.StoredAnswer | None) -> None:
        """Show the stored answer and comment (None: unanswered) without saving anything."""
        self._quiet = True
        try:
            _set_value(self.input, _input(self.item).shown(stored.value if stored else None))
            if self.comment is not None:
                _set_value(self.comment, (stored.comment or "") if stored else "")
                self.comment.disabled = stored is None
            self.saved_by.value = _saved_by_html(stored)
        finally:
            self._quiet = False

    def _changed(self, callback: Callable[[str, Any], None], value: Any) -> None:
        if not self._quiet:
            callback(self.item.id, value)


class _Input(NamedTuple):
    """The answer widget of one answer type: how to make it, and a stored answer (or None) as its value."""

    make: Callable[[Item], widgets.ValueWidget]
    shown: Callable[[str | None], Any]


def _buttons(item: Item) -> widgets.ToggleButtons:
    return widgets.ToggleButtons(options=[(label, value) for value, label in item.answer_type.values.items()],
                                 value=None, style={"button_width": "auto"})


def _date_picker(item: Item) -> widgets.DatePicker:
    return widgets.DatePicker(value=None, description=item.text)


def _dropdown(item: Item) -> widgets.Dropdown:
    return widgets.Dropdown(options=list(item.choices), value=None, description=item.text)


def _number_box(item: Item) -> widgets.Text:
    return widgets.Text(placeholder="ett tal, t.ex. 3", continuous_update=False, description=item.text)


def _text_area(item: Item) -> widgets.Textarea:
    return _typing_box("Skriv här (sparas medan du skriver)", label=item.text)


def _typing_box(placeholder: str, label: str = "") -> widgets.Textarea:
    """A text box whose every change reaches the kernel (saved after a pause, see the module docstring);
    *label* names it for screen readers (an item's question, shown above it)."""
    return widgets.Textarea(placeholder=placeholder, continuous_update=True, description=label,
                            layout=widgets.Layout(width="100%", max_width="60em"))


def _set_value(widget: widgets.ValueWidget, value: Any) -> None:
    """Show *value* in *widget*, leaving a text box alone when it already says that (spaces aside): its
    text may be ahead of the store by what the reviewer is typing right now."""
    if isinstance(value, str) and isinstance(widget.value, str) and widget.value.strip() == value.strip():
        return
    widget.value = value


def _as_stored(value: str | None) -> str | None:
    return value


def _as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _as_text(value: str | None) -> str:
    return value or ""


#: answer type name -> its widget; every answerable type in the registry needs one
_INPUTS: dict[str, _Input] = {
    "ja_nej": _Input(_buttons, _as_stored),
    "datum": _Input(_date_picker, _as_date),
    "val": _Input(_dropdown, _as_stored),
    "tal": _Input(_number_box, _as_text),
    "fritext": _Input(_text_area, _as_text),
}


def _input(item: Item) -> _Input:
    """The widget of the item's answer type; ChecklistError naming the item when there is none."""
    if item.type not in _INPUTS:
        message = (f"Svarstypen '{item.type}' kan inte visas i granskningen "
                   f"(typer som kan visas: {', '.join(_INPUTS)})")
        raise ChecklistError([Problem(message, row=item.line, column=item.id)])
    return _INPUTS[item.type]


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _question_html(item: Item, reference: str) -> str:
    badge = '<span class="ek-badge ek-kritisk" title="Ett nej här är en avvikelse">Kritisk</span>' \
        if item.critical else ""
    help_text = f'<div class="ek-hjalp">{escape(item.help)}</div>' if item.help else ""
    law = f'<div class="ek-lagrum">Lagrum: {escape(reference)}</div>' if reference else ""
    return f"<b>{escape(item.text)}</b>{badge}{help_text}{law}"


# --- typed text: the pause that saves it, and the way out ---------------------------------------

def _call_later(delay: float, callback: Callable[[], None]) -> Callable[[], None] | None:
    """Run *callback* after *delay* seconds on the kernel's event loop and return what cancels it.

    Outside an event loop (a script, or the widgets driven by hand) there is nothing to wait on: the
    callback runs at once and None is returned.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        callback()
        return None
    return loop.call_later(delay, callback).cancel


class _Pause:
    """Runs *action* once the typing has paused for :data:`SAVE_PAUSE` seconds (each restart waits anew)."""

    def __init__(self, action: Callable[[], Any]) -> None:
        self._action = action
        self._cancel: Callable[[], None] | None = None

    def restart(self) -> None:
        self.cancel()
        self._cancel = _call_later(SAVE_PAUSE, self._run)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _run(self) -> None:
        self._cancel = None
        self._action()


#: review models that have had typed text waiting, with their workspace folder (for fel.log)
_UNSAVED: weakref.WeakKeyDictionary[model.ReviewModel, Path] = weakref.WeakKeyDictionary()


@atexit.register
def _save_typed_text_on_exit() -> None:
    """Save what is still waiting for its pause when the kernel is shut down (the page was reloaded or
    closed within a second of typing). Nothing is shown: the page is gone. Errors go to fel.log."""
    for review, folder in list(_UNSAVED.items()):
        try:
            review.save_drafts()
        except Exception as error:  # noqa: BLE001 - the process is ending; logged without values
            _boundary.REVIEW.log(error, folder)


def _typed_text_saved_first(action: Callable[..., Any]) -> Callable[..., Any]:
    """A :class:`ReviewScreen` action that first saves the text typed so far (in the case it was typed
    in), and does nothing more when someone else changed that answer first."""

    @functools.wraps(action)
    def saved_first(screen: ReviewScreen, *args: Any) -> Any:
        if screen.save_typed_text():
            return action(screen, *args)
        return None

    return saved_first


# --- the review screen ------------------------------------------------------------------------

class ReviewScreen(widgets.VBox):
    """One granskning: navigation and progress, the case card, date corrections, the items, a summary."""

    def __init__(self, review: model.ReviewModel, errors: ErrorArea, *, on_leave: Callable[[], None]) -> None:
        super().__init__()
        self.review = review
        self.errors = errors
        guard = errors.guard
        session = review.session
        self.header = widgets.HTML(f"<h2>{escape(session.title)}</h2><div class=\"ek-hjalp\">Checklista: "
                                   f"{escape(session.checklist.title)} (version "
                                   f"{escape(str(session.checklist.version))}) · period "
                                   f"{escape(period_label(session.period))} · granskare "
                                   f"{escape(review.reviewer)}</div>{_blind_html(review)}")
        self.progress = widgets.HTML()
        self.progress.add_class("ek-framsteg")
        self.status = widgets.HTML()
        self.status.add_class("ek-status")
        self.on_leave = on_leave
        self.previous_button = _button("Föregående", "arrow-left", guard(self._previous))
        self.next_button = _button("Nästa", "arrow-right", guard(self._next))
        self.unreviewed_button = _button("Nästa ogranskade", "forward", guard(self._next_unreviewed))
        self.summary_button = _button("Sammanfattning", "list", guard(self.show_summary))
        self.leave_button = _button("Byt granskning", "exchange", guard(self._leave))
        self._pause = _Pause(guard(self.save_typed_text, on_error=self._after_refused_comment))
        self.card = widgets.HTML()
        self.card.add_class("ek-kort")
        self.items = widgets.VBox()
        self.editors: dict[str, ItemEditor] = {}
        self.summary = widgets.HTML()
        self.summary.add_class("ek-sammanfattning")
        self.back_button = _button("Tillbaka till ärendena", "arrow-left", guard(lambda _b: self.show_case()))
        corrections = [] if review.blind else [self._correction_form()]  # a second reading changes nothing
        self.case_view = widgets.VBox([self.card, *corrections, self.items])
        self.action_form = ActionForm(review, errors)
        self.summary_view = widgets.VBox([self.summary, self.action_form, self.back_button])
        navigation = widgets.HBox([self.previous_button, self.next_button, self.unreviewed_button,
                                   self.summary_button, self.leave_button])
        self.bar = widgets.VBox([self.progress, navigation, self.status])
        self.bar.add_class("ek-listen")  # stays in sight while the questions scroll (see _STYLE)
        self.children = [self.header, self.bar, self.case_view, self.summary_view]
        self.show_case()

    # --- views ---

    def show_case(self) -> None:
        """Show the current case (rebuilding its items) and hide the summary."""
        self.case_view.layout.display = None
        self.summary_view.layout.display = "none"
        self.editors = {}
        self.refresh()

    @_typed_text_saved_first
    def show_summary(self, _button: widgets.Button | None = None) -> None:
        """Show the summary of every case: unanswered items and deviations found."""
        cases = self.review.summary()
        self.summary.value = (_summary_html(cases, self.review.question_numbers(),
                                            self.review.session.checklist, self.review.progress_text())
                              + _agreement_html(self.review.agreement_report()))
        self.action_form.show(self.review.shortfalls(cases))
        self.case_view.layout.display = "none"
        self.summary_view.layout.display = None

    def refresh(self) -> None:
        """Show the model's current state: progress, card, visible items and their stored answers."""
        review = self.review
        self.progress.value = (f"<b>Ärende {review.position} av {review.total}</b> · "
                               f"{escape(review.progress_text())}")
        self.card.value = _card_html(review.card())
        self.previous_button.disabled = review.position == 1
        stored = review.answers()
        editors = [self._editor(item) for item in review.visible_items()]
        for editor in editors:
            editor.show(stored.get(editor.item.id))
        self.items.children = editors

    # --- callbacks ---

    @_typed_text_saved_first
    def answer(self, item_id: str, value: Any) -> None:
        """Save an answer and show the result."""
        self._report(self.review.record(item_id, value))

    def type_text(self, item_id: str, text: str) -> None:
        """Text typed into a comment or free-text answer: saved once the typing pauses (or before the next
        action); the status line says it is on its way."""
        self.review.draft(item_id, text)
        if not self.review.unsaved:  # typed back to what is stored
            self._pause.cancel()
            if escape(model.DRAFT_STATUS) in self.status.value:
                self.status.value = ""
            return
        _UNSAVED[self.review] = self.errors.workspace.path
        self.status.value = f'<span class="ek-status-vantar">{escape(model.DRAFT_STATUS)}</span>'
        self._pause.restart()

    def save_typed_text(self) -> bool:
        """Save the text typed since the last save now and show the result; False when it was not saved
        because someone else changed the answer first (their answer is shown)."""
        self._pause.cancel()
        results = self.review.save_drafts()
        failed = [result for result in results if not result.saved]
        if results:
            self._report(failed[0] if failed else results[-1])
        return not failed

    def _report(self, result: model.SaveResult) -> None:
        kind = "sparat" if result.saved else "konflikt"
        self.status.value = f'<span class="ek-status-{kind}">{escape(result.message)}</span>'
        self.refresh()

    def _after_failed_save(self) -> None:
        self._after_refused_comment()
        self.refresh()

    def _after_refused_comment(self) -> None:
        """As :meth:`_after_failed_save`, but the comment box keeps what the reviewer wrote."""
        self.status.value = '<span class="ek-status-konflikt">Inte sparat: se meddelandet ovan.</span>'

    def _editor(self, item: Item) -> ItemEditor:
        if item.id not in self.editors:
            guard = functools.partial(self.errors.guard, on_error=self._after_failed_save)
            on_text = self.errors.guard(self.type_text, on_error=self._after_refused_comment)
            self.editors[item.id] = ItemEditor(item, self.review.reference(item),
                                               on_answer=guard(self.answer), on_text=on_text)
        return self.editors[item.id]

    def _navigate(self, moved: bool, at_end: str) -> None:
        self.status.value = ""
        if moved:
            self.show_case()
        else:
            self.show_summary()
            self.status.value = f'<span class="ek-status-sparat">{escape(at_end)}</span>'

    @_typed_text_saved_first
    def _previous(self, _button: widgets.Button) -> None:
        self.review.previous()
        self.show_case()

    @_typed_text_saved_first
    def _next(self, _button: widgets.Button) -> None:
        self._navigate(self.review.next(), "Det var sista ärendet. Här är sammanfattningen.")

    @_typed_text_saved_first
    def _next_unreviewed(self, _button: widgets.Button) -> None:
        self._navigate(self.review.next_unreviewed(), "Alla ärenden är klara. Här är sammanfattningen.")

    @_typed_text_saved_first
    def _leave(self, _button: widgets.Button) -> None:
        self.on_leave()

    # --- correcting a register date ---

    def _correction_form(self) -> widgets.Widget:
        self.correct_field = widgets.Dropdown(options=_CORRECTABLE, description="Datum", style=_LABEL_STYLE)
        self.correct_value = widgets.DatePicker(description="Rätt datum", style=_LABEL_STYLE)
        self.correct_reason = widgets.Text(description="Orsak", style=_LABEL_STYLE, layout=_wide(),
                                           placeholder="t.ex. journalen visar 2026-03-04")
        self.correct_button = _button("Spara rättelsen", "check", self.errors.guard(self._correct))
        box = widgets.VBox([widgets.HTML('<span class="ek-hjalp">Stämmer ett datum i registret inte med '
                                         "journalen? Rätta det här. Originalet sparas, och de beräknade "
                                         "bedömningarna använder det rättade datumet.</span>"),
                            self.correct_field, self.correct_value, self.correct_reason, self.correct_button])
        accordion = widgets.Accordion(children=[box], titles=("Rätta ett registerdatum",))
        accordion.selected_index = None
        return accordion

    @_typed_text_saved_first
    def _correct(self, _button: widgets.Button | None = None) -> None:
        result = self.review.correct_date(self.correct_field.value, self.correct_value.value,
                                          self.correct_reason.value)
        if result.saved:
            self.correct_value.value = None
            self.correct_reason.value = ""
        self._report(result)


# --- an åtgärd for an item that fell short ---------------------------------------------------------

class ActionForm(widgets.VBox):
    """The summary's form for an åtgärd: the item that fell short, orsak, åtgärd, ansvarig and sista dag.

    It says in Swedish, beside the form, that the action was created, or everything to fix at once
    (a personnummer in a text among them); the texts are kept until the action is created. Hidden when no
    item fell short, and in a kontrollgranskning.
    """

    def __init__(self, review: model.ReviewModel, errors: ErrorArea) -> None:
        super().__init__()
        self.review = review
        self.add_class("ek-atgard")
        self.item = widgets.Dropdown(options=[], description="Fråga", style=_LABEL_STYLE, layout=_wide())
        self.cause = widgets.Textarea(description="Orsak", style=_LABEL_STYLE, layout=_wide(),
                                      placeholder="orsaksanalys: varför brast det? (inga personuppgifter)")
        self.action = widgets.Textarea(description="Åtgärd", style=_LABEL_STYLE, layout=_wide(),
                                       placeholder="vad ska göras?")
        self.ansvarig = widgets.Text(description="Ansvarig", style=_LABEL_STYLE, layout=_wide(),
                                     placeholder="roll eller namn i verksamheten, t.ex. enhetschef")
        self.deadline = widgets.Text(description="Sista dag", style=_LABEL_STYLE,
                                     placeholder="D/M/ÅÅÅÅ, t.ex. 31/3/2027")
        self.create_button = _button("Skapa åtgärden", "check", errors.guard(self._create))
        self.result = widgets.HTML()
        self.result.add_class("ek-atgard-besked")
        self.children = [widgets.HTML("<h3>Skapa en åtgärd</h3><p class=\"ek-hjalp\">För en fråga som brast "
                                      "i granskningen: åtgärden hamnar i åtgärdsplanen med status planerad, "
                                      "och dess effekt följs upp i en senare granskning av samma fråga.</p>"),
                         self.item, self.cause, self.action, self.ansvarig, self.deadline, self.create_button,
                         self.result]

    def show(self, shortfalls: list[model.Shortfall]) -> None:
        """Offer the items in *shortfalls* (hidden when there are none)."""
        self.layout.display = None if shortfalls else "none"
        self.item.options = [(found.label, found.item_id) for found in shortfalls]
        self.item.value = shortfalls[0].item_id if shortfalls else None  # once empty, it would choose none
        self.result.value = ""

    def _create(self, _button: widgets.Button | None = None) -> None:
        try:
            result = self.review.create_action(self.item.value, cause=self.cause.value,
                                               action=self.action.value, ansvarig=self.ansvarig.value,
                                               deadline=self.deadline.value)
        except UserError as error:  # shown here, where the reviewer is looking; the texts stay
            self.result.value = f'<div class="ek-fel" role="alert">{_lines(str(error))}</div>'
            return
        for box in (self.cause, self.action, self.ansvarig, self.deadline):
            box.value = ""
        self.result.value = (f'<div class="ek-status-sparat" role="status">{escape(result.message)}</div>')


# --- HTML fragments (everything interpolated is escaped) ---------------------------------------

def _saved_by_html(stored: model.StoredAnswer | None) -> str:
    if stored is None:
        return ""
    when = f" {stored.recorded_at:%Y-%m-%d %H:%M}" if stored.recorded_at else ""
    return f'<span class="ek-hjalp">Svarat av {escape(stored.reviewer or "okänd")}{when}</span>'


def _card_html(card: model.CaseCard) -> str:
    state = ('<span class="ek-badge ek-klar">Klar</span>' if card.done
             else '<span class="ek-badge ek-ej-klar">Inte klar</span>')
    verdicts = "".join(_verdict_html(verdict) for verdict in card.verdicts)
    return (f"<h3>Ärende {escape(card.arende_id)}{state}</h3>"
            f"<div>{escape(card.enhet)} · {escape(card.arendetyp)} · handläggare "
            f"{escape(card.handlaggare)}</div>"
            f'<div class="ek-kort-innehall">{_facts_html(card.dates)}{_facts_html(card.flags)}'
            f'<div class="ek-kort-bedomningar">{verdicts}</div></div>')


def _facts_html(facts: list[model.Fact]) -> str:
    rows = "".join(f"<tr><th>{escape(fact.label)}</th><td>{_fact_html(fact)}</td></tr>" for fact in facts)
    return f"<table>{rows}</table>"


def _fact_html(fact: model.Fact) -> str:
    if fact.reason is None:
        return escape(fact.text)
    original = fact.original.isoformat() if fact.original else model.MISSING
    return (f"{escape(fact.text)} <span class=\"ek-hjalp\">(rättat från {escape(original)}: "
            f"{escape(fact.reason)})</span>")


def _verdict_html(verdict: model.VerdictRow) -> str:
    kind = {True: "ek-uppfyllt", False: "ek-avvikelse", None: "ek-ingen"}[verdict.compliant]
    critical = '<span class="ek-badge ek-kritisk">Kritisk</span>' if verdict.critical else ""
    law = f'<div class="ek-lagrum">Lagrum: {escape(verdict.reference)}</div>' if verdict.reference else ""
    return (f'<div class="ek-bedomning"><b>{escape(verdict.question)}</b>'
            f'<span class="ek-badge {kind}">{escape(verdict.label)}</span>{critical}'
            f"<div>{escape(verdict.explanation)}</div>{law}</div>")


def _summary_html(cases: list[model.CaseSummary], numbers: dict[str, int], checklist: Checklist,
                  progress: str) -> str:
    """The summary table; each question is named once, in a numbered list above it, and by its number
    ("F2") in the table."""
    def named(remarks: list[model.Remark]) -> str:
        return "<br>".join(f'<span class="ek-nr">F{numbers[remark.item_id]}:</span> {escape(remark.text)}'
                           for remark in remarks) or "–"

    rows = "".join(
        f'<tr><td class="ek-arende">{escape(case.arende_id)}</td>'
        f'<td class="ek-nr">{"Klar" if case.done else "Inte klar"}</td>'
        f"<td>{', '.join(f'F{numbers[item_id]}' for item_id in case.unanswered) or '–'}</td>"
        f"<td>{named(case.deviations)}</td><td>{named(case.notes)}</td></tr>"
        for case in cases)
    questions = "".join(f'<tr><td class="ek-nr">F{numbers[item.id]}</td><td>{escape(item.text)}</td></tr>'
                        for item in checklist.items)
    found = sum(len(case.deviations) for case in cases)
    return (f"<h3>Sammanfattning</h3><p>{escape(progress)}; {found} avvikelser hittade.</p>"
            f'<table class="ek-fragelista">{questions}</table>'
            "<table><tr><th>Ärende</th><th>Status</th><th>Obesvarade frågor</th><th>Avvikelser</th>"
            "<th>Kommentarer</th></tr>"
            f"{rows}</table>")


def _blind_html(review: model.ReviewModel) -> str:
    if not review.blind:
        return ""
    return (f'<div class="ek-hjalp ek-blind">Kontrollgranskning av {escape(str(review.session.parent_id))}: '
            "granska akterna på egen hand. Den första granskarens svar visas inte, och dina svar ändrar "
            "inte den granskningens resultat.</div>")


def _agreement_html(report: agreement.AgreementReport | None) -> str:
    """The samstämmighet table of the summary (nothing without a kontrollgranskning)."""
    if report is None:
        return ""
    if not report.items:
        return ('<div class="ek-samstammighet"><h3>Samstämmighet</h3><p>Ingen fråga har ännu besvarats i '
                f"både granskningen och kontrollgranskningen {escape(report.control)}.</p></div>")
    rows = "".join(_agreement_row(row) for row in agreement.display_frame(report).to_dict("records"))
    return (f'<div class="ek-samstammighet"><h3>Samstämmighet</h3><p>{report.compared} ärenden granskade två '
            f"gånger (kontrollgranskningen {escape(report.control)}); frågorna med lägst samstämmighet "
            "först.</p><table><tr><th>Fråga</th><th>Överens</th><th>Andel överens</th><th>Kappa</th>"
            "<th>AC1</th><th>Förklaring</th><th>Ärenden som skiljer (första/andra)</th></tr>"
            f"{rows}</table></div>")


#: the figures of a samstämmighet row: (column, its interval's column) of ``agreement.display_frame``
_AGREEMENT_FIGURES = (("Andel överens", "Intervall (andel)"), ("Kappa", "Intervall (kappa)"),
                      ("AC1", "Intervall (AC1)"))


def _agreement_row(row: Mapping[Hashable, Any]) -> str:
    """One item of :func:`_agreement_html` (a row of :func:`egenkontroll.agreement.display_frame`)."""
    figures = "".join(f"<td>{escape(row[name])}" + (f" ({escape(row[interval])})" if row[interval] else "")
                      + "</td>" for name, interval in _AGREEMENT_FIGURES)
    return (f"<tr><td>{escape(row['Fråga'])}</td><td>{row['Överens']} av {row['Ärenden']}</td>{figures}"
            f"<td>{escape(row['Förklaring']) or '–'}</td>"
            f"<td>{escape(row['Ärenden som skiljer']) or '–'}</td></tr>")


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.splitlines())


# --- small widget helpers ---------------------------------------------------------------------

_LABEL_STYLE = {"description_width": "8em"}


def _wide() -> widgets.Layout:
    return widgets.Layout(width="40em")


def _button(description: str, icon: str, callback: Callable[[widgets.Button], Any]) -> widgets.Button:
    button = widgets.Button(description=description, icon=icon,
                            layout=widgets.Layout(width="auto", align_self="flex-start"))
    button.on_click(callback)
    return button
