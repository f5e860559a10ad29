"""What every form does the same way: ids from titles, pydantic errors next to their fields, and
save / cancel from the keyboard or the buttons."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static

from model.errors import AlignError

if TYPE_CHECKING:
    from textual.widget import Widget

    from model.store import PlanStore

ResultType = TypeVar("ResultType")

_FRIENDLY = {
    "string_too_short": "required",
    "too_short": "required",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "date_from_datetime_parsing": "expected a date such as 2026-03-31",
    "date_parsing": "expected a date such as 2026-03-31",
    "literal_error": "pick one of the choices",
    "missing": "required",
}


# Letters NFKD does not take apart into a base letter and an accent.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l",
                          "þ": "th", "ð": "d", "ı": "i"})


ID_LENGTH = 56
"""The longest id made from a name."""


def slugify(text: str, fallback: str) -> str:
    """An id from a name: `Ünïcødé Ülla` → `unicode-ulla`, letters without their accents."""
    plain = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:ID_LENGTH].strip("-")
    return slug or fallback


def unit_hint(unit: str) -> str:
    """How a value of a metric with this unit is typed."""
    return {"percent": "in %, e.g. 8.5", "currency": "amount", "ratio": "e.g. 2.5",
            "days": "days", "score": "score"}.get(unit, "number")


def number_text(value: float, scale: float = 1.0, most_digits: int = 17) -> str:
    """A stored number as a planner types it: without an exponent, in the fewest digits that
    read back (divided by `scale`, as percent fields are) as the very same number, so saving a
    form nobody edited changes nothing. `most_digits` caps the digits where an exact echo does
    not matter (a what-if's starting values)."""
    scaled = value * scale
    text = repr(scaled)
    for digits in range(1, most_digits + 1):
        text = f"{scaled:.{digits}g}"
        if float(text) / scale == value:
            break
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def named_already(name: str, others: Iterable[tuple[str, str]]) -> str | None:
    """The id of another item already called `name`, case and outer spaces aside: two personas
    (or two objectives of a period) of one name cannot be told apart in a list or a picker."""
    wanted = name.strip().casefold()
    return next((item_id for item_id, other in others if other.strip().casefold() == wanted),
                None)


def unique_id(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base-2`, `base-3`… so a new entity never overwrites an existing one."""
    used = set(taken)
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def copy_name(name: str, taken: Iterable[str]) -> str:
    """The name of a copy: `Name (copy)`, then `Name (copy 2)`… A copy of a copy counts on
    from its original's name rather than piling up `(copy) (copy)`."""
    base = re.sub(r" \(copy(?: \d+)?\)$", "", name)
    used = set(taken)
    n = 1
    while (candidate := f"{base} (copy)" if n == 1 else f"{base} (copy {n})") in used:
        n += 1
    return candidate


def friendly_message(err: Any) -> str:
    """One pydantic error in a planner's words: `required`, not `at least 1 item`."""
    message = _FRIENDLY.get(err["type"], err["msg"])
    if err["type"] in ("string_too_long", "too_long") and isinstance(err.get("input"), str):
        message = f"too long (at most {(err.get('ctx') or {}).get('max_length')} characters)"
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message


def field_errors(exc: ValidationError) -> dict[str, str]:
    """First message per top-level field; errors about the whole entity come under ""."""
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        out.setdefault(field, friendly_message(err))
    return out


def show_field_errors(screen: Screen, errors: dict[str, str], fields: Iterable[str]) -> None:
    """Mark each field widget `#f-<field>` invalid and write its message in `#e-<field>`;
    anything without a field of its own goes to `#form-error`."""
    fields = tuple(fields)
    general = [msg for field, msg in errors.items() if field not in set(fields)]
    for field in fields:
        try:
            widget = screen.query_one(f"#f-{field}")
            note = screen.query_one(f"#e-{field}", Static)
        except NoMatches:
            if field in errors:
                general.append(f"{field}: {errors[field]}")
            continue
        widget.set_class(field in errors, "-invalid")
        note.update(Text(errors.get(field, "")))  # messages quote what was typed: not markup
        note.display = field in errors
    form_error = screen.query_one("#form-error", Static)
    form_error.update(Text("\n".join(general)))
    form_error.display = bool(general)
    if errors and not getattr(screen, "live_check", False):
        _reveal(screen, errors, fields, form_error if general else None)


def _reveal(screen: Screen, errors: dict[str, str], fields: Iterable[str],
            general: Widget | None) -> None:
    """After a save the form refused, the first field it marked gets the focus and is scrolled
    into view (on a short terminal it may sit below the fold, and the save seem to do
    nothing); a message of the whole form is scrolled into view."""
    first = next((f for f in fields if f in errors and screen.query(f"#f-{f}")), None)
    if first is not None:
        widget = screen.query_one(f"#f-{first}")
        note = screen.query_one(f"#e-{first}", Static)
        if widget.focusable and not widget.disabled:
            widget.focus(scroll_visible=False)
        # the field's box: its label, the widget and the message under it
        box = note.parent if note.parent is not None and note.parent.has_class("field") \
            else widget
        screen.call_after_refresh(box.scroll_visible, animate=False)
    elif general is not None:
        screen.call_after_refresh(general.scroll_visible, animate=False)


def revalidate(screen: Any) -> None:
    """Check a form again as it is edited after a refused save: the marks follow the typing,
    and the focus stays where the user is typing."""
    screen.live_check = True
    try:
        screen.validate_form()
    finally:
        screen.live_check = False


def form_buttons() -> ComposeResult:
    """The Save and Cancel buttons every form ends with; `FormScreen` wires them."""
    yield Button("Save (ctrl+s)", id="form-save", variant="primary")
    yield Button("Cancel (esc)", id="form-cancel")


class FormScreen(ModalScreen[ResultType]):
    """A modal form: its `action_save` validates and dismisses with the result; cancelling (the
    escape binding each form declares, or the Cancel button) dismisses with None."""

    # On a short terminal the fields give way (they scroll), so the buttons stay on screen.
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (30, "-tall")]

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#form-save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)


class EntityForm(FormScreen[str | None]):
    """A form for one plan entity: once a save has failed it re-checks as the user types (the
    subclass routes its change events to `validate_form`), saves through the store and
    dismisses with the entity's id. A store refusal (a broken link, a busy plan) is shown in the
    form, which stays open.

    While the form is open another Align (or an import) may change the same entity: a save
    writes only the fields the user changed, onto the entity as the plan holds it then, so
    neither edit undoes the other."""

    FIELDS: tuple[str, ...] = ()
    KIND = ""
    """The store's name for the entity's kind (`objectives`)."""
    tried = False
    store: PlanStore
    original: BaseModel | None = None
    loaded: dict[str, Any] | None = None

    def form_data(self) -> dict[str, Any]:
        """The fields as the widgets hold them, before validation."""
        raise NotImplementedError

    def validate_form(self) -> BaseModel | None:
        raise NotImplementedError

    def on_mount(self) -> None:
        # What the user's changes are measured against: the widgets' own echo of the entity.
        if self.original is not None:
            self.loaded = self.form_data()

    def edits(self, entity: BaseModel) -> dict[str, Any]:
        """The fields the user changed since the form opened, as `entity` holds them; a changed
        list (key results, departments) is taken whole."""
        loaded, shown, values = self.loaded or {}, self.form_data(), entity.model_dump()
        return {name: values[name] for name in values
                if name in shown and shown[name] != loaded.get(name)}

    def unchanged(self, entity: BaseModel) -> bool:
        """Whether the user changed nothing: the form then closes as cancelled, writing
        nothing (the plan's bookkeeping, updated_at, stays as it was)."""
        return self.loaded is not None and not self.edits(entity)

    def persist(self, entity: BaseModel) -> bool:
        """Write the user's edits onto the entity as the plan holds it now, read and written in
        one transaction; True when it was gone (deleted elsewhere meanwhile) and is saved back."""
        label = type(entity).__name__.lower()
        with self.store.transaction():
            if self.original is None:
                self.store.save(self.KIND, entity)
                return False
            stored = self.store.get(self.KIND, self.original.id)  # type: ignore[attr-defined]
            if stored is None:
                # Deleted elsewhere meanwhile. Saving is the user's later word: the entity is
                # saved back whole rather than their edit lost, and they are told, so a delete
                # they agree with is one key away.
                try:
                    self.store.save(self.KIND, entity)
                except AlignError as exc:
                    raise AlignError(f"this {label} was deleted elsewhere while you edited it, "
                                     f"and saving it back failed: {exc}") from None
                return True
            try:
                merged = type(entity).model_validate({**stored.model_dump(), **self.edits(entity)})
            except ValidationError as exc:
                problems = "; ".join(f"{f}: {m}" if f else m for f, m in field_errors(exc).items())
                raise AlignError(f"this {label} was changed elsewhere while you edited it, and "
                                 f"with your changes it is not valid: {problems}") from None
            self.store.save(self.KIND, merged)
            return False

    def action_save(self) -> None:
        self.tried = True
        entity = self.validate_form()
        if entity is None:
            return
        if self.unchanged(entity):
            self.dismiss(None)
            return
        try:
            saved_back = self.persist(entity)
        except AlignError as exc:
            show_field_errors(self, {"": str(exc)}, self.FIELDS)
            return
        if saved_back:
            self.notify(f"{type(entity).__name__} {entity.id} was deleted elsewhere while "  # type: ignore[attr-defined]
                        "you edited it: saved it back as the form had it.",
                        severity="warning", timeout=8)
        self.dismiss(entity.id)  # type: ignore[attr-defined]
