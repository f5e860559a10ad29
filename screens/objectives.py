"""Objectives: the period's alignment tree, one objective's detail, the departments × objectives
matrix and the health flags a planning meeting should talk about."""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Header, Input, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from model.errors import AlignError
from model.health import HealthFlag, health_flags
from model.periods import contains, is_period, next_period
from model.schema import Decision, Department, Metric, Note, Objective, Persona
from screens.area import AreaBar, AreaScreen, neighbour
from screens.footer import AlignFooter
from screens.messages import PlanChanged
from screens.tables import RowTable

STATUS_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red"}
SORTS = ("title", "progress", "status", "owner")
_PERIOD_SUFFIX = re.compile(r"-\d{4}(-q[1-4]|-\d{2})?$")


def progress_bar(progress: float | None, width: int = 8) -> Text:
    """A bar with eighth-cell precision; an empty track when there is no value yet."""
    if progress is None:
        return Text("·" * width, style="dim")
    share = min(max(progress, 0.0), 1.0)
    eighths = round(share * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")
    return Text(bar, style="cyan") + Text("░" * (width - len(bar)), style="dim")


def pending_text(width: int) -> Text:
    """Where a value will appear once the worker has computed it: never a made-up number."""
    return Text("…".ljust(width), style="dim")


def status_text(status: str | None, *, word: bool = True) -> Text:
    """A coloured dot plus the word, so status reads without colour too."""
    if status is None:
        return Text("○ —" if word else "○", style="dim")
    return Text(f"● {status}" if word else "●", style=STATUS_STYLE[status])


def percent(progress: float | None) -> str:
    return "  — " if progress is None else f"{progress * 100:3.0f}%"


def initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word).upper() or name[:2].upper()


def joint_label(others: list[str], width: int = 9) -> str:
    """`⇄ CS,M,P` for the departments an objective is joint with, within `width` cells: those
    that do not fit are counted (`⇄ CS,M+2`), never cut off mid-list."""
    if not others:
        return ""
    for shown in range(len(others), 0, -1):
        rest = len(others) - shown
        text = "⇄ " + ",".join(others[:shown]) + (f"+{rest}" if rest else "")
        if cell_len(text) <= width:
            return text
    return f"⇄ {len(others)}"


@dataclass
class ObjectivesView:
    """One read of the plan for the current period, so drawing never queries the store."""

    period: str
    objectives: list[Objective] = field(default_factory=list)
    context: list[Objective] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    metrics: dict[str, Metric] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    progress: dict[str, object] = field(default_factory=dict)
    flags: list[HealthFlag] = field(default_factory=list)
    engine_error: str = ""
    progress_pending: bool = False
    """True while a worker computes `progress`: rows then say so instead of showing none."""

    def get(self, objective_id: str) -> Objective | None:
        for o in self.objectives + self.context:
            if o.id == objective_id:
                return o
        return None

    def flags_for(self, objective_id: str) -> list[HealthFlag]:
        return [f for f in self.flags if f.subject == objective_id
                and f.kind in ("objective_without_key_results", "joint_objective_one_department")]


def load_view(store, period: str, today, *, with_progress: bool = True) -> ObjectivesView:  # noqa: ANN001
    """The period's objectives and what the screen shows about them. With `with_progress` the KPI
    engine runs here too, and the view is read from the plan snapshot the engine loaded, so the
    plan is read once; without it `progress` is left for `compute_progress`, which is slow on
    a large leads dataset."""
    plan = None
    error = ""
    engine = None
    if with_progress:
        from model.kpi import engine_for

        try:
            engine = engine_for(store, today=today)
            plan = engine.plan
        except AlignError as exc:
            error = str(exc)
    if plan is not None:
        everything, departments = plan.objectives, plan.departments
        metrics, personas = plan.metrics, plan.personas
        notes, decisions = plan.notes, plan.decisions
    else:
        everything, departments = store.objectives(), store.departments()
        metrics, personas = store.metrics(), store.personas()
        notes, decisions = store.notes(), store.decisions()
    in_period, context = objectives_in_view(everything, period)
    view = ObjectivesView(
        period=period, objectives=in_period, context=context, departments=departments,
        metrics={m.id: m for m in metrics}, personas={p.id: p for p in personas},
        notes=notes, decisions=decisions, engine_error=error,
        progress_pending=not with_progress)
    view.flags = health_flags(in_period, view.departments, list(view.metrics.values()))
    if engine is not None:
        view.progress = {o.id: engine.objective_progress(o) for o in in_period + context}
    return view


class ObjectivesTree(Tree[str]):
    """The objectives tree: its rows are laid out for its width, so when that changes (the
    terminal, or the tree shown again after an empty period) the screen lays them out again."""

    def on_resize(self) -> None:
        self.call_after_refresh(self.screen.on_resize)  # type: ignore[attr-defined]


def objectives_in_view(everything: list[Objective], period: str) -> tuple[list[Objective],
                                                                           list[Objective]]:
    """The period's objectives, and the ancestors from other periods they hang under."""
    by_id = {o.id: o for o in everything}
    in_period = [o for o in everything if o.period == period]
    shown = {o.id for o in in_period}
    context: list[Objective] = []
    for o in in_period:
        parent = by_id.get(o.parent) if o.parent else None
        while parent is not None and parent.id not in shown:
            shown.add(parent.id)
            context.append(parent)
            parent = by_id.get(parent.parent) if parent.parent else None
    return in_period, context


def compute_progress(path: Path, period: str, today: dt.date | None) -> dict[str, object]:
    """Progress of the period's objectives (and their context) on a connection of its own, so a
    worker thread can run it; raises AlignError as `engine_for` does."""
    from model.kpi import engine_for
    from model.store import PlanStore

    with PlanStore.open(path, create=False) as store:
        engine = engine_for(store, today=today)
    in_period, context = objectives_in_view(engine.plan.objectives, period)
    return {o.id: engine.objective_progress(o) for o in in_period + context}


class ProgressComputed(Message):
    """A progress worker finished; `generation` says which reload it belongs to."""

    def __init__(self, generation: int, progress: dict[str, object], error: str = "") -> None:
        super().__init__()
        self.generation = generation
        self.progress = progress
        self.error = error


class ObjectivesScreen(AreaScreen):
    AREA = "objectives"
    AUTO_FOCUS = "#objectives-tree"
    KINDS: ClassVar[frozenset[str]] = frozenset({
        "objectives", "metrics", "measurements", "personas", "notes", "decisions", "departments",
        "settings", "leads"})
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("n", "new", "New", id="objectives.new"),
        Binding("e", "edit", "Edit", id="objectives.edit"),
        Binding("enter", "edit", "Edit", show=False, id="objectives.edit_enter"),
        Binding("d", "delete", "Delete", id="objectives.delete"),
        Binding("y", "duplicate", "Copy →", id="objectives.duplicate"),
        Binding("a", "add_note", "Note", id="objectives.note"),
        Binding("c", "add_decision", "Decide", id="objectives.decision"),
        Binding("C", "decisions", "Decisions", key_display="C", id="objectives.decisions"),
        Binding("slash", "filter", "Filter", key_display="/", id="objectives.filter"),
        Binding("s", "sort", "Sort", id="objectives.sort"),
        Binding("m", "toggle_matrix", "Matrix", id="objectives.matrix"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="objectives.clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: ObjectivesView | None = None
        self.selected_id: str | None = None
        self.filter_text = ""
        self.sort = "title"
        self._generation = 0
        self._tree_width = -1

    def compose(self) -> ComposeResult:
        yield Header()
        yield AreaBar(self.AREA)
        with ContentSwitcher(initial="objectives-tree-view", id="objectives-switcher"):
            with Vertical(id="objectives-tree-view"):
                tree: Tree[str] = ObjectivesTree("objectives", id="objectives-tree")
                tree.show_root = False
                tree.auto_expand = False
                tree.guide_depth = 3
                yield tree
                yield Static("", id="objectives-empty")
                with VerticalScroll(id="objective-detail"):
                    yield Static("", id="objective-detail-body")
            yield VerticalScroll(id="objectives-matrix-view")
        yield Static("", id="objectives-health")
        yield AlignFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.app.register_area(self)  # type: ignore[attr-defined]
        self.reload()

    # ---- loading and drawing ---------------------------------------------------------------
    def reload(self) -> None:
        """Draws what is cheap at once; progress follows from a worker when the plan has a file
        (the KPI engine reads the whole leads dataset). An in-memory plan has no file a worker
        could open, so it computes here."""
        self._generation += 1
        path = self.store.path
        today = self.app.today  # type: ignore[attr-defined]
        self.view = load_view(self.store, self.period, today, with_progress=path is None)
        self._draw()
        if path is not None:
            drawn = threading.Event()
            self.call_after_refresh(drawn.set)
            self.compute_progress_in_background(path, self.period, today, self._generation, drawn)

    @work(thread=True, exclusive=True, exit_on_error=False, group="objectives-progress")
    def compute_progress_in_background(self, path: Path, period: str, today: dt.date,
                                       generation: int, drawn: threading.Event) -> None:
        """Starts once the objectives are on screen, so it does not compete with drawing them
        for the interpreter; the wait is bounded in case no refresh comes. A worker that a newer
        reload replaced meanwhile skips the engine: on a large leads dataset it takes seconds."""
        drawn.wait(0.5)
        if get_current_worker().is_cancelled:
            return
        try:
            progress = compute_progress(path, period, today)
        except AlignError as exc:
            self.post_message(ProgressComputed(generation, {}, str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - any failure is shown, never a traceback
            self.post_message(ProgressComputed(generation, {}, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(ProgressComputed(generation, progress))

    @on(ProgressComputed)
    def show_computed_progress(self, message: ProgressComputed) -> None:
        view = self.view
        if view is None or message.generation != self._generation:
            return  # a newer reload (another period, or a change) has its own worker
        view.progress = message.progress
        view.engine_error = message.error
        view.progress_pending = False
        self._draw()

    def _draw(self) -> None:
        view = self.view
        if view is None:
            return
        self._draw_tree()
        self._draw_matrix()
        self._draw_health()
        self._draw_detail()

    def _matches(self, o: Objective) -> bool:
        needle = self.filter_text.strip().lower()
        if not needle:
            return True
        names = {d.id: d.name for d in self.view.departments} if self.view else {}
        hay = [o.id, o.title, o.why, o.owner, *o.departments,
               *(names.get(d, "") for d in o.departments)]
        return any(needle in part.lower() for part in hay)

    def _visible(self) -> list[Objective]:
        view = self.view
        assert view is not None
        everything = view.objectives + view.context
        by_id = {o.id: o for o in everything}
        keep: set[str] = set()
        for o in view.objectives:
            if self._matches(o):
                node: Objective | None = o
                while node is not None and node.id not in keep:
                    keep.add(node.id)
                    node = by_id.get(node.parent) if node.parent else None
        return [o for o in everything if o.id in keep]

    def _sort_key(self, o: Objective) -> tuple:
        p = self.view.progress.get(o.id) if self.view else None
        progress = getattr(p, "progress", None)
        status = getattr(p, "status", None)
        if self.sort == "progress":
            return (progress is None, -(progress or 0.0), o.title.lower())
        if self.sort == "status":
            rank = {"red": 0, "amber": 1, "green": 2}.get(status or "", 3)
            return (rank, o.title.lower())
        if self.sort == "owner":
            return (o.owner, o.title.lower())
        return (o.title.lower(), o.id)

    def _draw_tree(self) -> None:
        view = self.view
        assert view is not None
        tree = self.query_one("#objectives-tree", Tree)
        visible = self._visible()
        ids = {o.id for o in visible}
        children: dict[str | None, list[Objective]] = {}
        for o in visible:
            parent = o.parent if o.parent in ids else None
            children.setdefault(parent, []).append(o)
        tree.clear()
        self._tree_width = tree.size.width
        self._tree_nodes: dict[str, TreeNode[str]] = {}

        def add(node: TreeNode[str], parent_id: str | None, depth: int) -> None:
            for o in sorted(children.get(parent_id, []), key=self._sort_key):
                kids = children.get(o.id, [])
                child = node.add(self._row(o, depth, bool(kids)), data=o.id, expand=True,
                                 allow_expand=bool(kids))
                self._tree_nodes[o.id] = child
                add(child, o.id, depth + 1)

        add(tree.root, None, 0)
        matching = sum(1 for o in view.objectives if self._matches(o))
        shown = (f"{matching} of {len(view.objectives)}" if self.filter_text
                 else f"{len(view.objectives)}")
        tree.border_title = Text(f"Objectives {view.period} · {shown}"
                                 + (f" · filter “{self.filter_text}”" if self.filter_text
                                    else "")
                                 + f" · sort: {self.sort}")
        empty = self.query_one("#objectives-empty", Static)
        if not view.objectives:
            empty.update(Text.assemble(
                (f"No objectives in {view.period}.\n", "bold"),
                "Press n to create one, [ or ] to step to another period, "
                "or ctrl+o to import a plan file."))
        elif not visible:
            empty.update(Text(f"No objective matches “{self.filter_text}”. Press escape to clear "
                              "the filter."))
        empty.display = not visible
        was_hidden = not tree.display
        tree.display = bool(visible)
        if was_hidden and visible:
            # A tree that was hidden (an empty period) gave its focus away; its rows are laid
            # out again once it has its width back (`ObjectivesTree.on_resize`).
            if self.focused is None or self.focused.id == "objective-detail":
                tree.focus()
        if self.selected_id not in self._tree_nodes:
            self.selected_id = next(iter(self._tree_nodes), None)
        tree.call_after_refresh(self._restore_cursor)

    def _restore_cursor(self) -> None:
        """The tree numbers its lines on refresh, so the cursor can only be placed after one."""
        node = self._tree_nodes.get(self.selected_id or "")
        if node is not None:
            self.query_one("#objectives-tree", Tree).move_cursor(node)

    def _row(self, o: Objective, depth: int, has_children: bool = False) -> Text:
        """One line: title, owner, joint departments, progress bar, status, confidence."""
        view = self.view
        assert view is not None
        width = max(self.query_one("#objectives-tree").size.width, 60) - 2 - 3 * depth - 2 * has_children
        p = view.progress.get(o.id)
        progress = getattr(p, "progress", None)
        status = getattr(p, "status", None)
        names = {d.id: d.name for d in view.departments}
        joint = joint_label([initials(names.get(d, d)) for d in o.departments if d != o.owner])
        context = o.period != view.period
        flag = "⚠" if view.flags_for(o.id) else " "
        if view.progress_pending:
            measured = Text.assemble(pending_text(8), " " * 6, pending_text(10))
        else:
            measured = Text.assemble(progress_bar(progress), f" {percent(progress)} ",
                                     status_text(status), " " * (8 - len(status or "—")))
        tail = Text.assemble(
            (f" {o.owner[:12]:<12}", "magenta"), (f" {joint:<9}", "bold"), " ", measured,
            (f"{(o.confidence or '·')[0].upper() if o.confidence else '·'}", "italic"))
        title_width = max(width - tail.cell_len - 2, 12)
        title = Text(o.title, style="dim italic" if context else "")
        title.truncate(title_width, overflow="ellipsis", pad=True)  # in cells: wide letters too
        label = Text(flag + " ", style="yellow") + title
        if context:
            return label + Text(f" ({o.period}, context)", style="dim")
        return label + tail

    def _draw_health(self) -> None:
        view = self.view
        assert view is not None
        counts: dict[str, list[str]] = {}
        for f in view.flags:
            counts.setdefault(f.kind, []).append(f.subject)
        parts = []
        if ids := counts.get("objective_without_key_results"):
            parts.append(f"{len(ids)} without key results")
        if ids := counts.get("joint_objective_one_department"):
            parts.append(f"{len(ids)} joint in name only")
        if ids := counts.get("department_without_objective"):
            parts.append(("no objective: " + ", ".join(ids)) if len(ids) <= 2
                         else f"{len(ids)} departments without objective")
        if ids := counts.get("metric_unused"):
            parts.append(f"{len(ids)} metrics unused")
        text = Text("Health ", style="bold")
        if parts:
            text.append("⚠ " + " · ".join(parts), style="yellow")
            text.append("   m: details", style="dim")
        else:
            text.append("✓ no flags", style="green")
        if view.progress_pending:
            text.append("   progress: computing…", style="dim")
        elif view.engine_error:
            text.append(f"   progress unavailable: {view.engine_error}", style="red")
        self.query_one("#objectives-health", Static).update(text)

    def _draw_matrix(self) -> None:
        """Drawn only once the matrix has been opened: most sessions never need it, and the
        first screen comes up faster without it."""
        view = self.view
        assert view is not None
        tables = self.query("#objectives-matrix").results(DataTable)
        table = next(tables, None)
        if table is None:
            return
        table.clear(columns=True)
        table.add_column("objective", key="objective")
        for d in view.departments:
            table.add_column(Text(d.name), key=d.id)
        # The titles stay put while → brings the other departments in: on a narrow screen they
        # are cut shorter, so that departments still fit beside them.
        limit = 48 if self.app.size.width >= 100 else 30
        for o in sorted(view.objectives, key=self._sort_key):
            title = o.title if len(o.title) <= limit else o.title[:limit - 1].rstrip() + "…"
            cells: list[Text | str] = [Text(title)]
            for d in view.departments:
                if d.id == o.owner:
                    cells.append(Text("● owner", style="bold magenta"))
                elif d.id in o.departments:
                    cells.append(Text("○ joins", style="cyan"))
                else:
                    cells.append("")
            table.add_row(*cells, key=o.id)
        totals: list[Text | str] = [Text("objectives involved", style="bold")]
        for d in view.departments:
            n = sum(1 for o in view.objectives if d.id in o.departments or d.id == o.owner)
            totals.append(Text(str(n), style="bold") if n else Text("0 ⚠", style="bold yellow"))
        table.add_row(*totals, key="__totals__")
        lines = Text(f"Health flags for {view.period}\n", style="bold")
        if not view.flags:
            lines.append("✓ none\n", style="green")
        unused = [f.subject for f in view.flags if f.kind == "metric_unused"]
        for f in view.flags:
            if f.kind != "metric_unused":
                lines.append("⚠ ", style="yellow")
                lines.append(f.message + "\n")
        if unused:
            lines.append("⚠ ", style="yellow")
            lines.append(f"{len(unused)} metrics are used by no objective: {', '.join(unused)}\n")
        self.query_one("#objectives-flags", Static).update(lines)

    def _draw_detail(self) -> None:
        body = self.query_one("#objective-detail-body", Static)
        view = self.view
        o = view.get(self.selected_id) if view and self.selected_id else None
        if view is None or o is None:
            body.update(Text("Select an objective to see its key results, personas, notes "
                             "and decisions.", style="dim"))
            return
        body.update(self._detail(o))

    def _detail(self, o: Objective) -> Group:
        view = self.view
        assert view is not None
        names = {d.id: d.name for d in view.departments}
        p = view.progress.get(o.id)
        head = Text(o.title, style="bold")
        head.append(f"   {o.id} · {o.period} · {o.state}", style="dim")
        if o.confidence:
            head.append(f" · confidence {o.confidence}", style="dim")
        who = Text("Owner ", style="bold")
        who.append(names.get(o.owner, o.owner), style="magenta")
        others = [names.get(d, d) for d in o.departments if d != o.owner]
        if others:
            who.append("   joint with ", style="bold")
            who.append(", ".join(others), style="cyan")
        if o.parent:
            parent = view.get(o.parent)
            who.append("   parent ", style="bold")
            who.append(parent.title if parent else o.parent)
        parts: list = [head, who]
        if o.why:
            parts.append(Text.assemble(("Why ", "bold"), o.why))
        summary = Text("Progress ", style="bold")
        if view.progress_pending:
            summary.append("… computing from the measurements and the leads", style="dim")
        else:
            summary += progress_bar(getattr(p, "progress", None), 16)
            summary.append(f" {percent(getattr(p, 'progress', None))}  ")
            summary += status_text(getattr(p, "status", None))
            if getattr(p, "reason", ""):
                summary.append(f"   {p.reason}", style="dim")  # type: ignore[union-attr]
        parts.append(summary)
        parts.append(self._key_results_table(o))
        personas = [view.personas[pid].name if pid in view.personas else pid for pid in o.personas]
        parts.append(Text.assemble(("Personas ", "bold"),
                                   (", ".join(personas), "") if personas else ("none linked", "dim")))
        notes = [n for n in view.notes if n.objective == o.id]
        decisions = [d for d in view.decisions if d.objective == o.id]
        notes_text = Text(f"Notes ({len(notes)})", style="bold")
        for n in sorted(notes, key=lambda n: (n.date, n.id)):
            notes_text.append(f"\n  {n.date.isoformat()} ", style="dim")
            if n.kind == "feedback":
                notes_text.append(f"feedback {n.from_department} → {n.to_department}: ",
                                  style="yellow")
            notes_text.append(n.text)
        if not notes:
            notes_text.append("  none — a adds one", style="dim")
        parts.append(notes_text)
        dec_text = Text(f"Decisions ({len(decisions)})", style="bold")
        for d in sorted(decisions, key=lambda d: (d.date, d.id)):
            dec_text.append(f"\n  {d.date.isoformat()} ", style="dim")
            dec_text.append(f"[{d.state}] ", style="green" if d.state == "done" else "yellow")
            dec_text.append(d.text)
            dec_text.append(f"  — {d.owner}" + (f", due {d.due.isoformat()}" if d.due else ""),
                            style="dim")
        if not decisions:
            dec_text.append("  none — c records one", style="dim")
        parts.append(dec_text)
        for f in view.flags_for(o.id):
            parts.append(Text(f"⚠ {f.message}", style="yellow"))
        return Group(*parts)

    def _key_results_table(self, o: Objective) -> Table | Text:
        view = self.view
        assert view is not None
        if not o.key_results:
            return Text("Key results: none yet — e edits the objective to add one", style="dim")
        from model.kpi import format_value

        p = view.progress.get(o.id)
        krs = {i: kr for i, kr in enumerate(getattr(p, "key_results", []) or [])}
        table = Table(title=None, box=None, padding=(0, 1), show_edge=False, expand=False,
                      header_style="bold")
        table.add_column("key result")
        table.add_column("baseline → actual → target", no_wrap=True)
        table.add_column("progress", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("", style="dim")
        for i, kr in enumerate(o.key_results):
            metric = view.metrics.get(kr.metric)
            unit = metric.unit if metric else "count"
            arrow = "↓" if metric and metric.direction == "decrease" else "↑"
            prog = krs.get(i)
            name = f"{arrow} {metric.name if metric else kr.metric}"
            if kr.weight != 1:
                name += f" ×{kr.weight:g}"
            if view.progress_pending:
                actual = "…"
                measured: tuple[Text, Text] = (pending_text(1), pending_text(1))
            else:
                actual = format_value(getattr(prog, "actual", None), unit)
                measured = (progress_bar(getattr(prog, "progress", None)) + Text(
                    f" {percent(getattr(prog, 'progress', None))}"),
                    status_text(getattr(prog, "status", None)))
            table.add_row(
                Text(name),
                f"{format_value(kr.baseline, unit)} → {actual} → {format_value(kr.target, unit)}",
                *measured, Text(getattr(prog, "reason", "") or ""))
        return table

    def on_resize(self) -> None:
        """Rows are laid out for the tree's width; the screen sees several resizes while it
        starts, most of which leave that width as it was."""
        tree = self.query_one("#objectives-tree", Tree)
        if self.view is not None and tree.size.width != self._tree_width:
            self._draw_tree()

    # ---- selection -------------------------------------------------------------------------
    @on(Tree.NodeHighlighted, "#objectives-tree")
    def show_highlighted_objective(self, event: Tree.NodeHighlighted) -> None:
        if event.node is not event.control.cursor_node:
            return  # stale: the tree was rebuilt since this was posted
        if event.node.data is not None and event.node.data != self.selected_id:
            self.selected_id = event.node.data
            self._draw_detail()

    @on(Tree.NodeSelected, "#objectives-tree")
    def edit_selected_objective(self, event: Tree.NodeSelected) -> None:
        self.selected_id = event.node.data
        self.action_edit()

    @on(DataTable.RowSelected, "#objectives-matrix")
    def open_objective_from_matrix(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key and key != "__totals__":
            self.selected_id = key
            self.action_toggle_matrix()

    def selected(self) -> Objective | None:
        if self.view is None or self.selected_id is None:
            return None
        return self.view.get(self.selected_id)

    @on(DataTable.RowHighlighted, "#objectives-matrix")
    def follow_matrix_cursor(self, event: DataTable.RowHighlighted) -> None:
        """In the matrix, the highlighted row is the objective the keys act on."""
        key = event.row_key.value
        if key and key != "__totals__":
            self.selected_id = key

    def _need_selection(self) -> Objective | None:
        """The selected objective as the plan holds it now, or None, said: nothing selected
        (the matrix's totals row included), or deleted by another Align since the screen was
        drawn (then the screen is redrawn)."""
        o = self.selected()
        if self.query_one(ContentSwitcher).current == "objectives-matrix-view":
            table = self.query_one("#objectives-matrix", DataTable)
            if table.row_count == 0 or table.coordinate_to_cell_key(
                    table.cursor_coordinate).row_key.value == "__totals__":
                o = None
        if o is None:
            self.notify("No objective selected.", severity="warning")
            return None
        stored = self.store.objective(o.id)
        if stored is None:  # deleted by another Align since the tree was drawn
            self.notify(f"Objective {o.id} was deleted elsewhere; the tree is redrawn.",
                        severity="warning")
            self.reload()
        return stored

    # ---- filter, sort, matrix --------------------------------------------------------------
    def action_filter(self) -> None:
        if not self.query("#objectives-filter"):
            box = Input(placeholder="filter by text or department · enter keeps · esc clears",
                        id="objectives-filter")
            self.query_one("#objectives-tree-view").mount(box, before=0)
        box = self.query_one("#objectives-filter", Input)
        if self.query_one(ContentSwitcher).current != "objectives-tree-view":
            self.action_toggle_matrix()
        box.display = True
        box.focus()

    @on(Input.Changed, "#objectives-filter")
    def filter_objectives(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._draw_tree()
        self._draw_detail()

    @on(Input.Submitted, "#objectives-filter")
    def keep_filter(self) -> None:
        self.query_one("#objectives-tree").focus()

    def action_clear_filter(self) -> None:
        box = next(self.query("#objectives-filter").results(Input), None)
        if box is None or (not box.display and not self.filter_text):
            return
        box.value = ""
        self.filter_text = ""
        box.display = False
        self._draw_tree()
        self._draw_detail()
        self.query_one("#objectives-tree").focus()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._draw_tree()
        self._draw_matrix()

    def action_toggle_matrix(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "objectives-tree-view":
            if not self.query("#objectives-matrix"):
                self.query_one("#objectives-matrix-view").mount(
                    RowTable(id="objectives-matrix", cursor_type="row", zebra_stripes=True,
                             fixed_columns=1),
                    Static("", id="objectives-flags"))
                self._draw_matrix()
            switcher.current = "objectives-matrix-view"
            self.query_one("#objectives-matrix").focus()
        else:
            switcher.current = "objectives-tree-view"
            self._draw_tree()
            self._draw_detail()
            self.query_one("#objectives-tree").focus()

    # ---- writes ----------------------------------------------------------------------------
    def _saved(self, objective_id: str | None, kind: str = "objectives") -> None:
        if objective_id:
            if kind == "objectives":
                self.selected_id = objective_id
                saved = self.store.objective(objective_id)
                before = self.view.get(objective_id) if self.view is not None else None
                shown = before is not None and saved is not None and before.period == saved.period
                if saved is not None and saved.period != self.period and not shown:
                    self.notify(f"Saved in {saved.period}, which this screen is not showing: "
                                f"ctrl+p then {saved.period} shows it.", title="Saved")
            self.post_message(PlanChanged(kind))

    def action_new(self) -> None:
        from screens.objective_form import ObjectiveForm

        self.app.push_screen(ObjectiveForm(self.store, period=self.period), self._saved)

    def action_edit(self) -> None:
        from screens.objective_form import ObjectiveForm

        if (o := self._need_selection()) is not None:
            self.app.push_screen(ObjectiveForm(self.store, objective=o), self._saved)

    def action_add_note(self) -> None:
        from screens.note_form import NoteForm

        if (o := self._need_selection()) is not None:
            self.app.push_screen(NoteForm(self.store, o.id, self.app.today),  # type: ignore[attr-defined]
                                 lambda saved: self._saved(saved, "notes"))

    def action_add_decision(self) -> None:
        from screens.note_form import DecisionForm

        if (o := self._need_selection()) is not None:
            self.app.push_screen(
                DecisionForm(self.store, o.id, self.app.today, owner=o.owner),  # type: ignore[attr-defined]
                lambda saved: self._saved(saved, "decisions"))

    def action_decisions(self) -> None:
        from screens.note_form import DecisionsDialog

        if (o := self._need_selection()) is not None:
            self.app.push_screen(
                DecisionsDialog(self.store, o.id, self.app.today),  # type: ignore[attr-defined]
                lambda changed: changed and self.post_message(PlanChanged("decisions")))

    def action_delete(self) -> None:
        from screens.dialogs import ConfirmDialog

        if (o := self._need_selection()) is None:
            return
        impact = self.store.delete_impact("objectives", o.id)
        if not impact.allowed:
            self.notify("; ".join(impact.blocked_by), title=f"Cannot delete {o.id}",
                        severity="error")
            return
        lines = [f"also removes {what}" for what in impact.removes] or ["nothing else goes with it"]

        def confirmed(ok: bool | None) -> None:
            if not ok:
                return
            shown = list(self._tree_nodes)  # in the tree's order
            try:
                self.store.delete("objectives", o.id)
            except AlignError as exc:
                self.notify(str(exc), severity="error")
                return
            # The next row on, else the one before: a run of deletes stays where it was.
            self.selected_id = neighbour(shown, o.id)
            self.notify(f"Deleted objective {o.id}.")
            self.post_message(PlanChanged("objectives"))

        self.app.push_screen(ConfirmDialog(f"Delete objective “{o.title}” ({o.id})?", lines,
                                           confirm_label="Delete"), confirmed)

    def action_duplicate(self) -> None:
        """Copies the key results, not the notes: the next period starts a fresh conversation."""
        from screens.form_support import slugify, unique_id

        if (original := self._need_selection()) is None:
            return
        target = next_period(original.period)
        if not is_period(target):
            self.notify(f"{original.period} is the last period plans go to: years run from "
                        "1900 to 2999.", title="Cannot duplicate", severity="warning")
            return
        taken = {x.id for x in self.store.objectives()}
        base = slugify(f"{_PERIOD_SUFFIX.sub('', original.id)}-{target}", "objective")
        parent = self.store.objective(original.parent) if original.parent else None
        copy = original.model_copy(update={
            "id": unique_id(base, taken), "period": target, "state": "draft",
            "parent": parent.id if parent and contains(parent.period, target) else None,
        })
        try:
            self.store.save_objective(copy)
        except AlignError as exc:
            self.notify(str(exc), title="Cannot duplicate", severity="error")
            return
        n = len(copy.key_results)
        self.notify(f"Copied to {target} as {copy.id} with {n} key result{'s' * (n != 1)}; "
                    "] shows it.", title="Duplicated")
        self.post_message(PlanChanged("objectives"))
