"""Review mode: the meeting's agenda, one item at a time, full screen, with single keys to record
what the room decides. The review record is saved as it grows, so nothing is lost if the meeting
ends abruptly, and once more when it is finished."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, Static

from model.errors import AlignError
from model.kpi import format_value
from model.reviews import (
    AgendaItem,
    RecordedDecision,
    RecordedMeasurement,
    RecordedNote,
    Review,
    StatusChange,
    carried_decisions,
    fresh_item,
    last_meeting_notes,
    minutes_file_name,
    open_decisions,
    render_minutes,
    review_agenda,
    reviewed_item,
    save_review,
    start_review,
    unanswered_feedback,
)
from model.signals import Signal, realignment_signals
from model.what_if import PlanSnapshot
from screens.footer import AlignFooter
from screens.kpi_widgets import share_text, sparkline, status_mark
from screens.messages import PlanChanged
from screens.signals_dialog import SignalsDialog, signals_table

if TYPE_CHECKING:
    from model.schema import Measurement, Objective
    from model.store import PlanStore

TREND = 8
STATE_KEYS = {"achieved": "a", "missed": "x", "dropped": "d", "active": "v"}
CONFIDENCE_KEYS = {"high": "h", "medium": "m", "low": "l"}
ATTENTION_STYLE = {"red": "bold red", "declining": "bold yellow", "stale": "bold magenta",
                   "rest": "dim"}
ATTENTION_LABEL = {"red": "▲ RED", "declining": "↘ DECLINING", "stale": "⌛ STALE",
                   "rest": "· on the list"}


class ReviewModeScreen(Screen[str | None]):
    """Returns the saved review's id (None if the room left before reviewing anything)."""

    BINDINGS = [
        Binding("n,right", "step(1)", "Next", key_display="n →", id="review.next"),
        Binding("p,left", "step(-1)", "Previous", key_display="p ←", id="review.previous"),
        Binding("a", "set_state('achieved')", "Achieved", id="review.achieved"),
        Binding("x", "set_state('missed')", "Missed", id="review.missed"),
        Binding("d", "set_state('dropped')", "Dropped", id="review.dropped"),
        Binding("v", "set_state('active')", "Active again", id="review.active"),
        Binding("h", "set_confidence('high')", "Confidence high", id="review.confidence_high"),
        Binding("m", "set_confidence('medium')", "Confidence medium",
                id="review.confidence_medium"),
        Binding("l", "set_confidence('low')", "Confidence low", id="review.confidence_low"),
        Binding("w", "write_note", "Write note", id="review.note"),
        Binding("c", "decide", "Decision", id="review.decision"),
        Binding("C", "decisions", "Decisions", key_display="C", id="review.decisions"),
        Binding("e", "enter_value", "Enter value", id="review.measure"),
        Binding("g", "signals", "Signals", id="review.signals"),
        Binding("f", "finish", "Finish", id="review.finish"),
        Binding("escape", "finish", "Finish", show=False, id="review.finish_escape"),
        # the review is of one period, in front of the room: leaving it takes `f`
        Binding("left_square_bracket,right_square_bracket,1,2,3,4", "stay",
                "Period and area keys wait for f", show=False, id="review.stay"),
    ]

    def __init__(self, store: PlanStore, snapshot: PlanSnapshot, period: str,
                 today: dt.date) -> None:
        super().__init__()
        self.store = store
        self.snapshot = snapshot
        self.period = period
        self.today = today
        self.engine = snapshot.engine()
        self.items, self.left_out = review_agenda(self.engine, period)
        self.signals: list[Signal] = realignment_signals(self.engine, period)
        self.review: Review = start_review(store, self.engine, period, today)
        self.index = 0
        self.visited: list[str] = []
        self.gone: set[str] = set()  # keys of items whose objective or metric was deleted
        self.saved = False

    def action_stay(self) -> None:
        self.notify(f"The review is of {self.period}: f finishes it, then [ ] and 1–4 work "
                    "again.", severity="warning", timeout=4)

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="review-progress")
        with VerticalScroll(id="review-item"):
            yield Static("", id="review-item-body")
        yield Static(self._legend(), id="review-keys")
        yield AlignFooter(show_command_palette=False)

    def _legend(self) -> Text:
        text = Text("Keys  ", style="bold")
        for label, keys in (("next/previous", "n p ← →"),
                            ("objective: achieved · missed · dropped · active", "a x d v"),
                            ("confidence high · medium · low", "h m l"),
                            ("note", "w"), ("decision", "c"), ("decisions: done, edit", "C"),
                            ("enter value", "e"), ("signals", "g"),
                            ("finish", "f")):
            text.append(keys, style="bold reverse")
            text.append(f" {label}   ")
        return text

    def on_mount(self) -> None:
        self.app.meeting = self  # type: ignore[attr-defined]
        self._visit()
        self._draw()

    def on_unmount(self) -> None:
        if getattr(self.app, "meeting", None) is self:
            self.app.meeting = None  # type: ignore[attr-defined]

    def _anything_to_keep(self) -> bool:
        c = self.review.counts()
        return self.saved or len(self.visited) > 1 or bool(
            c["notes"] or c["decisions"] or c["changes"] or c["measurements"])

    def ask_before_quit(self) -> bool:
        """Whether quitting waits for the room (`AlignApp.action_quit`): a meeting that
        reviewed or recorded something asks, and is saved as finished before Align quits."""
        from screens.dialogs import ConfirmDialog

        if not self._anything_to_keep():
            return False

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            from model.schema import now_timestamp

            self.review.ended_at = now_timestamp()
            self._persist()
            if self.saved:
                self.app.exit()

        self.app.push_screen(ConfirmDialog(
            f"Quit in the middle of the {self.period} review?",
            [f"the review is saved as it stands: {len(self.visited)} of {len(self.items)} "
             "items reviewed", "f finishes it instead, with its summary and minutes"],
            confirm_label="Save and quit"), answered)
        return True

    # ---- the current item --------------------------------------------------------------------
    @property
    def item(self) -> AgendaItem | None:
        return self.items[self.index] if self.items else None

    def _visit(self) -> None:
        item = self.item
        if item is not None and item.key not in self.visited:
            self.visited.append(item.key)

    def _refresh_items(self) -> None:
        """Recompute every item after a write, each keeping its place on the agenda: a value
        entered on one metric moves the formulas and objectives built on it. An item whose
        objective or metric has left the plan (deleted by another Align) keeps what the room
        saw, marked gone."""
        self.snapshot = PlanSnapshot(self.store.load_plan(), self.snapshot.extra,
                                     self.snapshot.today)
        self.engine = self.snapshot.engine()
        self.signals = realignment_signals(self.engine, self.period)
        for i, item in enumerate(self.items):
            fresh = fresh_item(self.engine, item, self.period)
            if fresh is None:
                self.gone.add(item.key)
            else:
                self.gone.discard(item.key)
                self.items[i] = fresh

    def _draw(self) -> None:
        progress = self.query_one("#review-progress", Static)
        body = self.query_one("#review-item-body", Static)
        c = self.review.counts()
        head = Text(f" Review {self.period} ", style="bold reverse")
        if not self.items:
            head.append("  nothing on the agenda")
            progress.update(head)
            body.update(Text.assemble(
                ("Nothing to review for this period.\n\n", "bold"),
                "The agenda lists active objectives of the period and metrics with a value or "
                "a target in it. Record measurements (m) or targets (t) on the KPI screen, or "
                "set objectives active, then press r again. f or escape leaves."))
            return
        item = self.items[self.index]
        head.append(f"  item {self.index + 1} of {len(self.items)}  ")
        head.append(ATTENTION_LABEL[item.attention], style=ATTENTION_STYLE[item.attention])
        head.append(f"   reviewed {len(self.visited)} · notes {c['notes']} · decisions "
                    f"{c['decisions']} · status changes {c['changes']}"
                    + (f" · values {c['measurements']}" if c["measurements"] else ""),
                    style="dim")
        if self.left_out:
            head.append(f" · {self.left_out} metrics without data left out", style="dim")
        progress.update(head)
        body.update(self._item_renderable(item))

    def _item_renderable(self, item: AgendaItem) -> Group:
        engine, period = self.engine, self.period
        parts: list[Any] = []
        title = Text(item.title, style="bold underline")
        title.append(f"   {item.kind} {item.id}", style="dim")
        parts.append(title)
        objective = next((o for o in engine.plan.objectives if o.id == item.id), None)
        if item.key in self.gone or (item.kind == "metric" and item.id not in engine.metrics) \
                or (item.kind == "objective" and objective is None):
            parts.append(Text(f"This {item.kind} was deleted from the plan after the review "
                              "began; n moves on.", style="bold yellow"))
            return Group(*parts)
        if item.reasons:
            parts.append(Text("Why it is here: " + "; ".join(item.reasons),
                              style=ATTENTION_STYLE[item.attention]))
        if item.kind == "metric":
            metric = engine.metrics[item.id]
            line = status_mark(item.status)
            line.append(f"   {format_value(item.actual, metric.unit)}", style="bold")
            line.append(f"  [{share_text(item.share_of_target)}]")
            line.append(f"   target {format_value(item.target, metric.unit)}", style="dim")
            line.append("   ")
            line.append_text(sparkline(engine.trend(item.id, period, TREND)))
            line.append(f"  last {TREND} periods", style="dim")
            parts.append(line)
            parts.append(Text(engine.explain(item.id, period), style="cyan"))
        else:
            assert objective is not None
            line = status_mark(item.status)
            line.append(f"   progress {'—' if item.actual is None else f'{item.actual:.0%}'}",
                        style="bold")
            line.append(f"   state {objective.state} · confidence "
                        f"{objective.confidence or 'not set'} · {objective.period} · "
                        f"owner {objective.owner}", style="")
            parts.append(line)
            parts.append(self._key_results_table(objective))
        about = [s for s in self.signals if item.id in s.subjects]
        if about:
            parts.append(Text(f"Realignment signals ({len(about)})", style="bold"))
            parts.append(Padding(signals_table(about), (0, 0, 0, 2)))
        notes = last_meeting_notes(engine.plan.notes, item, self.today)
        text = Text("Last meeting's notes", style="bold")
        if notes:
            text.append(f" ({notes[0].date.isoformat()})", style="dim")
        for n in notes:
            text.append("\n  • " + n.text)
        if not notes:
            text.append("  none", style="dim")
        parts.append(text)
        feedback = unanswered_feedback(engine.plan.notes, engine.plan.decisions, item)
        if feedback:
            fb = Text("Feedback no decision has answered", style="bold yellow")
            for n in feedback:
                fb.append(f"\n  • {n.date.isoformat()} {n.from_department} → "
                          f"{n.to_department}: {n.text}")
            parts.append(fb)
        decisions = open_decisions(engine.plan.decisions, item)
        dec = Text(f"Open decisions ({len(decisions)})", style="bold")
        for d in decisions:
            dec.append(f"\n  • {d.text}")
            dec.append(f" — {d.owner}" + (f", due {d.due.isoformat()}" if d.due else ""),
                       style="dim")
            if d.due and d.due < self.today:
                dec.append("  overdue", style="bold red")
        if not decisions:
            dec.append("  none", style="dim")
        parts.append(dec)
        today = [n for n in self.review.notes if n.subject == item.id]
        today_dec = [d for d in self.review.decisions if d.subject == item.id]
        changes = [ch for ch in self.review.changes if ch.objective == item.id]
        values = [m for m in self.review.measurements
                  if item.kind == "metric" and m.metric == item.id]
        if today or today_dec or changes or values:
            now = Text("Recorded in this meeting", style="bold green")
            for ch in changes:
                now.append(f"\n  • {ch.field}: {ch.before or '—'} → {ch.after or '—'}")
            for m in values:
                now.append(f"\n  • value for {m.period}: {m.value}")
            for n in today:
                now.append(f"\n  • note: {n.text}")
            for d in today_dec:
                now.append(f"\n  • decision: {d.text} — {d.owner}"
                           + (f", due {d.due.isoformat()}" if d.due else ""))
            parts.append(now)
        return Group(*parts)

    def _key_results_table(self, objective: Objective) -> Table:
        """The figures keep their full width however narrow the screen: only the key result's
        name gives way, wrapping onto a second line."""
        engine = self.engine
        rows = []
        for kr in engine.objective_progress(objective).key_results:
            metric = engine.metrics.get(kr.metric)
            unit = metric.unit if metric else "count"
            share = kr.actual / kr.target if kr.actual is not None and kr.target else None
            rows.append((Text(metric.name if metric else kr.metric),
                         Text(format_value(kr.actual, unit)),
                         Text("—" if share is None else f"{share:.0%}"),
                         Text(format_value(kr.target, unit)), status_mark(kr.status),
                         sparkline(engine.trend(kr.metric, objective.period, TREND))))
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
        table.add_column("key result", min_width=10, overflow="fold")
        for i, (header, right) in enumerate((("actual", True), ("of target", True),
                                             ("target", True), ("status", False),
                                             ("trend", False)), start=1):
            width = max([len(header)] + [row[i].cell_len for row in rows])
            table.add_column(header, width=width, no_wrap=True,
                             justify="right" if right else "left")
        for row in rows:
            table.add_row(*row)
        return table

    # ---- moving ------------------------------------------------------------------------------
    def action_step(self, steps: int) -> None:
        if not self.items:
            return
        new = self.index + steps
        if new >= len(self.items):
            self.notify("That was the last item; f finishes the review.", timeout=3)
            return
        if new < 0:
            return
        self.index = new
        self._visit()
        self._draw()
        self.query_one("#review-item", VerticalScroll).scroll_home(animate=False)

    def action_signals(self) -> None:
        """The period's signals in full; enter goes to the agenda item a signal is about (its
        objective first, else the metric whose target or trend it names)."""

        def chosen(signal: Signal | None) -> None:
            if signal is None:
                return
            objectives = {o.id for o in self.engine.plan.objectives}
            wanted = ([s for s in signal.subjects if s in objectives]
                      + [s for s in reversed(signal.subjects) if s not in objectives])
            for subject in wanted:
                index = next((i for i, it in enumerate(self.items) if it.id == subject), None)
                if index is not None:
                    self.action_step(index - self.index)
                    return
            self.notify("What this signal is about is not on this review's agenda.",
                        timeout=4)

        self.app.push_screen(SignalsDialog(self.signals, self.period,
                                           "goes to its item on the agenda"), chosen)

    # ---- recording ---------------------------------------------------------------------------
    def _objective_item(self) -> AgendaItem | None:
        item = self.item
        if item is None:
            return None
        if item.kind != "objective":
            self.notify("Status and confidence keys apply to objectives; this item is a metric.",
                        severity="warning")
            return None
        if self.store.objective(item.id) is None:
            self.notify(f"Objective {item.id} was deleted from the plan after the review began.",
                        severity="warning")
            self._refresh_items()
            self._draw()
            return None
        return item

    def action_set_state(self, state: str) -> None:
        if (item := self._objective_item()) is None:
            return
        objective = self.store.objective(item.id)
        if objective is None or objective.state == state:
            return
        if state == "missed":
            self._with_required_note(item, f"why “{item.title}” is missed",
                                     lambda note: self._change(item, "state", state, note))
        else:
            self._change(item, "state", state, None)

    def action_set_confidence(self, confidence: str) -> None:
        if (item := self._objective_item()) is None:
            return
        objective = self.store.objective(item.id)
        if objective is None or objective.confidence == confidence:
            return
        if confidence == "low":
            self._with_required_note(item, f"why confidence in “{item.title}” is low (red)",
                                     lambda note: self._change(item, "confidence", confidence,
                                                               note))
        else:
            self._change(item, "confidence", confidence, None)

    def _with_required_note(self, item: AgendaItem, reason: str, then: Any) -> None:
        from screens.kpi_forms import RequiredNoteForm

        def saved(note_id: str | None) -> None:
            if note_id is None:
                self.notify("Not changed: that needs a note.", severity="warning")
                return
            note = self.store.get("notes", note_id)
            self._record_note(item, note_id, note.text if note else "")
            then(note.text if note else None)

        self.app.push_screen(RequiredNoteForm(self.store, item.id, self.today, reason), saved)

    def _change(self, item: AgendaItem, field: str, value: str, note: str | None) -> None:
        objective = self.store.objective(item.id)
        if objective is None:
            return
        before = getattr(objective, field)
        try:
            self.store.save_objective(objective.model_copy(update={field: value}))
        except AlignError as exc:
            self.notify(str(exc), severity="error")
            return
        self.review.changes.append(StatusChange(objective=item.id, title=item.title, field=field,
                                                before=before, after=value, note=note))
        self._after_write("objectives")
        self.notify(f"{item.title}: {field} {before or '—'} → {value}")

    def _record_note(self, item: AgendaItem, note_id: str, text: str) -> None:
        self.review.notes.append(RecordedNote(id=note_id, subject=item.id, text=text))
        self._after_write("notes")

    def action_write_note(self) -> None:
        from screens.kpi_forms import MetricNoteForm
        from screens.note_form import NoteForm

        item = self.item
        if item is None:
            return
        form_class = NoteForm if item.kind == "objective" else MetricNoteForm

        def saved(note_id: str | None) -> None:
            if note_id:
                note = self.store.get("notes", note_id)
                self._record_note(item, note_id, note.text if note else "")

        self.app.push_screen(form_class(self.store, item.id, self.today), saved)

    def action_decide(self) -> None:
        from screens.kpi_forms import MetricDecisionForm
        from screens.note_form import DecisionForm

        item = self.item
        if item is None:
            return
        if item.kind == "objective":
            objective = self.store.objective(item.id)
            owner = objective.owner if objective else None
            form: Any = DecisionForm(self.store, item.id, self.today, owner=owner)
        else:
            metric = self.engine.metrics[item.id]
            owner = metric.departments[0] if metric.departments else None
            form = MetricDecisionForm(self.store, item.id, self.today, owner=owner)

        def saved(decision_id: str | None) -> None:
            if not decision_id:
                return
            d = self.store.get("decisions", decision_id)
            if d is not None:
                self.review.decisions.append(RecordedDecision(
                    id=d.id, subject=item.id, text=d.text, owner=d.owner, due=d.due))
            self._after_write("decisions")

        self.app.push_screen(form, saved)

    def action_decisions(self) -> None:
        from screens.note_form import DecisionsDialog

        item = self.item
        if item is None:
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self._after_write("decisions")

        self.app.push_screen(DecisionsDialog(self.store, item.id, self.today,
                                             metric=item.kind == "metric"), closed)

    def action_enter_value(self) -> None:
        from screens.kpi_forms import MeasurementForm
        from screens.kpi_review import turns_red

        item = self.item
        if item is None:
            return
        if item.kind != "metric":
            self.notify("Values are entered on metrics; this item is an objective.",
                        severity="warning")
            return
        metric = self.engine.metrics[item.id]
        engine, snapshot = self.engine, self.snapshot

        def saved(m: Measurement | None) -> None:
            if m is None:
                return
            shown = "not applicable" if m.not_applicable else format_value(m.value, metric.unit)
            self.review.measurements.append(RecordedMeasurement(
                metric=m.metric, title=metric.name, period=m.period, value=shown, note=m.note))
            if m.note:
                self.review.notes.append(RecordedNote(id=f"measurement-{m.metric}-{m.recorded_at}",
                                                      subject=item.id, text=m.note))
            self._after_write("measurements")

        self.app.push_screen(MeasurementForm(
            self.store, metric, self.period,
            value_at=lambda period: engine.value(metric.id, period).value,
            turns_red=lambda m: turns_red(snapshot, engine, m, self.period)), saved)

    def _after_write(self, kind: str) -> None:
        self._refresh_items()
        self._persist()
        self._draw()
        self.app.post_message(PlanChanged(kind))

    # ---- the record --------------------------------------------------------------------------
    def _persist(self) -> None:
        by_key = {i.key: i for i in self.items}
        self.review.items = [reviewed_item(by_key[k]) for k in self.visited if k in by_key]
        # those still open as the meeting stands: one it closed is not carried forward
        self.review.carried_decisions = carried_decisions(self.engine.plan.decisions)
        try:
            save_review(self.store, self.review)
        except AlignError as exc:
            self.notify(str(exc), title="Review not saved", severity="error")
            return
        self.saved = True

    def action_finish(self) -> None:
        from model.schema import now_timestamp

        if not self._anything_to_keep():
            # The room left before reviewing anything: no record, so the minutes of the
            # meeting that did happen stay the period's latest.
            self.notify("Nothing was reviewed, so no review was saved.")
            self.dismiss(None)
            return
        self.review.ended_at = now_timestamp()
        self._persist()
        if not self.saved:
            return
        plan_name = self.store.settings().name
        self.app.push_screen(ReviewSummaryScreen(self.review, plan_name, self.store.path),
                             lambda _: self.dismiss(self.review.id))


def counted(n: int, word: str) -> str:
    """`1 note`, `2 notes`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class ReviewSummaryScreen(ModalScreen[None]):
    """What the meeting did; already saved to the plan; `x` writes the minutes as Markdown."""

    BINDINGS = [
        Binding("x", "export_minutes", "Export minutes", id="review_summary.export"),
        Binding("escape", "close", "Close", id="review_summary.close"),
        Binding("enter", "close", "Close", show=False, id="review_summary.close_enter"),
    ]

    def __init__(self, review: Review, plan_name: str, plan: Path | None) -> None:
        super().__init__()
        self.review = review
        self.plan_name = plan_name
        self.plan = plan  # the plan's file: the minutes go beside it, never over it
        self.folder = plan.parent if plan is not None else Path.cwd()
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide", id="review-summary"):
            yield Label(f"Review {self.review.period} finished — saved to the plan",
                        classes="dialog-title")
            with VerticalScroll(id="review-summary-scroll"):
                yield Static(self._summary(), id="review-summary-body")
            yield Static("", id="review-summary-written", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export minutes (x)", id="summary-export", variant="primary")
                yield Button("Close (esc)", id="summary-close")

    def _summary(self) -> Text:
        r = self.review
        c = r.counts()
        text = Text()
        text.append(f"{counted(c['items'], 'item')} reviewed · {counted(c['notes'], 'note')} · "
                    f"{counted(c['decisions'], 'decision')} · "
                    f"{counted(c['changes'], 'status change')}"
                    + (f" · {counted(c['measurements'], 'measurement')}"
                       if c["measurements"] else ""),
                    style="bold")
        for ch in r.changes:
            text.append(f"\n• {ch.title}: {ch.field} {ch.before or '—'} → {ch.after or '—'}")
        for d in r.decisions:
            text.append(f"\n• decision: {d.text} — {d.owner}"
                        + (f", due {d.due.isoformat()}" if d.due else ""))
        for n in r.notes:
            text.append(f"\n• note: {n.text}")
        for m in r.measurements:
            text.append(f"\n• value: {m.title} for {m.period} = {m.value}")
        text.append(f"\n\nSaved as {r.id}. `align kpis PLAN --period {r.period} --minutes FILE` "
                    "writes these minutes again later.", style="dim")
        return text

    def action_export_minutes(self) -> None:
        from screens.dialogs import InputDialog, file_target, replaces_a_file

        default = str(self.folder / minutes_file_name(self.review))
        self.app.push_screen(InputDialog("Write the minutes (Markdown) to", default,
                                         placeholder="minutes.md", check=file_target(self.plan, ".md"),
                        warn=replaces_a_file),
                             self._write_minutes)

    def _write_minutes(self, target: str | None) -> None:
        from model.exchange import write_atomic

        if not target:
            return
        try:
            path = write_atomic(Path(target).expanduser(),
                                render_minutes(self.review, self.plan_name),
                                plan=self.plan, kind=".md")
        except (AlignError, OSError) as exc:
            self.notify(str(exc), title="Minutes not written", severity="error")
            return
        self.written = path
        self.query_one("#review-summary-written", Static).update(
            Text(f"Minutes written to {path}"))
        self.notify(f"Minutes written to {path}", title="Minutes")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#summary-export")
    def export_pressed(self) -> None:
        self.action_export_minutes()

    @on(Button.Pressed, "#summary-close")
    def close_pressed(self) -> None:
        self.dismiss(None)


