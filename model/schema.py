"""Pydantic models: the single schema that forms, TOML import and the store validate through."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from model import formula as formula_lang
from model.periods import parse_period

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
METRIC_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CELL_RE = re.compile(r"^[ABCD][1-4]$")
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_ABS_NUMBER = 1e15


def _slug(value: str) -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits, '-' and '_' "
            "(starting with a letter or digit, at most 64 characters)"
        )
    return value


def _metric_id(value: str) -> str:
    if not isinstance(value, str) or not METRIC_ID_RE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid metric id: use lowercase letters, digits and '_' "
            "(starting with a letter), so formulas can name it"
        )
    return value


def _period(value: str) -> str:
    return parse_period(value).id


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# Control characters (C0 but line breaks and tabs, DEL, C1): invisible in a form, and in a
# terminal they are commands (colours, the window title), so no name or text may hold one.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\n\r\t]")


def _no_control(value: str) -> str:
    if (found := _CONTROL.search(value)) is not None:
        raise ValueError(f"holds a control character (U+{ord(found.group()):04X}) at "
                         f"character {found.start() + 1}; remove it")
    return value


def _one_line(value: str) -> str:
    """A name is one line: a line break or tab in it is a control character too."""
    if (found := _LINE_BREAK.search(value)) is not None:
        raise ValueError(f"holds a {'tab' if found.group() == chr(9) else 'line break'} at "
                         f"character {found.start() + 1}; a name is one line")
    return _no_control(value)


def _finite(value: float) -> float:
    if math.isnan(value) or math.isinf(value) or abs(value) > MAX_ABS_NUMBER:
        raise ValueError(f"{value!r} is out of range (at most ±1e15)")
    return value + 0.0  # SQLite stores -0.0 as 0.0; normalise so a round trip keeps the bytes


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


# Validation context of values read from a plan file (TOML), whose types say what was meant:
# there `points = "10"` or `enabled = "off"` is a mistake to report, where a form's text box
# always hands over text for the model to read.
FROM_FILE = {"from_file": True}


def _from_file(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("from_file"))


def _whole(value: Any, info: ValidationInfo) -> Any:
    value = _not_bool(value)
    if _from_file(info) and not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def _number(value: Any, info: ValidationInfo) -> Any:
    value = _not_bool(value)
    if _from_file(info) and isinstance(value, str):
        raise ValueError(f"expected a number, got {value!r}")
    return value


def _flag(value: Any, info: ValidationInfo) -> Any:
    if _from_file(info) and not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _text_lines(value: Any, info: ValidationInfo) -> Any:
    """List fields accept a list, or in a form text with one item per line (as the forms edit
    them); a plan file says a list as a list, so text there is a mistake to report."""
    if isinstance(value, str):
        if _from_file(info):
            raise ValueError(f"expected a list, got {value!r}")
        value = value.splitlines()
    if isinstance(value, list):
        broken = next((item for item in value if isinstance(item, str)
                       and len(item.strip().splitlines()) > 1), None)
        if broken is not None:
            # the form shows one item a line: saved from there, it would come back as several
            raise ValueError(f"each item is one line; {broken!r} holds a line break: make it "
                             "separate items")
        return [item.strip() if isinstance(item, str) else item for item in value
                if not (isinstance(item, str) and not item.strip())]
    return value


Slug = Annotated[str, AfterValidator(_slug)]
MetricId = Annotated[str, AfterValidator(_metric_id)]
PeriodId = Annotated[str, AfterValidator(_period)]


def _periods_once(value: Any) -> Any:
    """A map by period whose keys name each period once: `" 2026-Q1"` and `"2026-Q1"` are
    one period, and as keys of one map one value would be dropped unsaid."""
    if not isinstance(value, dict):
        return value
    first: dict[str, Any] = {}
    for key in value:
        try:
            period = parse_period(key).id
        except ValueError:
            continue  # said at the key
        if period in first:
            raise ValueError(f"the period {period} is given twice ({json.dumps(first[period])} "
                             f"and {json.dumps(key)})")
        first[period] = key
    return value


SET_FIELDS: dict[str, tuple[str, ...]] = {
    "objectives": ("departments", "personas"),
    "metrics": ("departments",),
    "scoring_models": ("mql_cells",),
}
"""The list fields of each kind that are sets: validation sorts them and keeps each member
once, so their order says nothing (the merge driver merges them as sets)."""


def _iso_date(value: Any) -> Any:
    """A day as the plan writes it: a date, or text `YYYY-MM-DD`. Not a number or a bare year,
    which pydantic would otherwise read as seconds since 1970."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date such as 2026-03-31, not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and ISO_DATE_RE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a day of the calendar") from None
    raise ValueError(f"expected a date such as 2026-03-31, got {value!r}")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
NAME_LENGTH = 200
UNTITLED = "Untitled plan"


def default_plan_name(path: Path | None) -> str:
    """A new plan's name when none is given: its file's name without the extension, cut to a
    name's length; `Untitled plan` when that leaves nothing."""
    stem = path.stem if path is not None else ""
    # A file name in bytes that are not UTF-8 comes as surrogates: each such byte is shown as
    # the replacement character, and control characters as spaces, in the name.
    stem = stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    stem = "".join(" " if not c.isprintable() else c for c in stem)
    stem = stem.strip()[:NAME_LENGTH].strip()
    return stem or UNTITLED


Name = Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=NAME_LENGTH),
                 AfterValidator(_one_line)]
LongText = Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=10_000),
                     AfterValidator(_no_control)]
Text = Annotated[str, BeforeValidator(_strip), Field(max_length=10_000),
                 AfterValidator(_no_control)]
Number = Annotated[float, BeforeValidator(_number), AfterValidator(_finite)]
Whole = Annotated[int, BeforeValidator(_whole)]
Flag = Annotated[bool, BeforeValidator(_flag)]
TextList = Annotated[list[Annotated[str, Field(max_length=2_000), AfterValidator(_no_control)]],
                     BeforeValidator(_text_lines)]

ObjectiveState = Literal["draft", "active", "achieved", "missed", "dropped"]
Confidence = Literal["high", "medium", "low"]
Unit = Literal["count", "currency", "percent", "ratio", "days", "score"]
Direction = Literal["increase", "decrease"]
Aggregation = Literal["sum", "avg", "last", "formula"]
Source = Literal["manual", "import", "leads"]
Dimension = Literal["fit", "engagement"]

TEXT_OPS = ("eq", "neq", "in", "not_in", "contains", "not_contains", "starts_with",
            "ends_with", "is_empty", "is_not_empty")
NUMBER_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "between")
DATE_OPS = ("before", "after", "within_last_days", "more_than_days_ago")
BOOLEAN_OPS = ("is_true", "is_false")
ALL_OPS = tuple(dict.fromkeys(TEXT_OPS + NUMBER_OPS + DATE_OPS + BOOLEAN_OPS))
Operator = Literal[
    "eq", "neq", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with",
    "is_empty", "is_not_empty", "gt", "gte", "lt", "lte", "between", "before", "after",
    "within_last_days", "more_than_days_ago", "is_true", "is_false",
]
NO_VALUE_OPS = ("is_empty", "is_not_empty", "is_true", "is_false")


class Strict(BaseModel):
    """Unknown keys are errors, so a typo in a TOML file is reported, not dropped."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class PlanSettings(Strict):
    name: Name = UNTITLED
    fiscal_year_start: Whole = Field(default=1, ge=1, le=12)


class Department(Strict):
    id: Slug
    name: Name


class KeyResult(Strict):
    metric: MetricId
    baseline: Number
    target: Number
    weight: Number = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _target_differs(self) -> KeyResult:
        if self.target == self.baseline:
            raise ValueError("target must differ from baseline, or progress cannot be measured")
        return self


class Objective(Strict):
    id: Slug
    title: Name
    why: Text = ""
    period: PeriodId
    owner: Slug
    departments: list[Slug] = Field(default_factory=list)
    parent: Slug | None = None
    state: ObjectiveState = "draft"
    confidence: Confidence | None = None
    personas: list[Slug] = Field(default_factory=list)
    key_results: list[KeyResult] = Field(default_factory=list)

    @model_validator(mode="after")
    def _normalise(self) -> Objective:
        depts = set(self.departments) | {self.owner}
        self.departments = sorted(depts)
        self.personas = sorted(set(self.personas))
        if self.parent == self.id:
            raise ValueError("an objective cannot be its own parent")
        return self

    @property
    def joint(self) -> bool:
        return len(self.departments) > 1


class Metric(Strict):
    id: MetricId
    name: Name
    description: Text = ""
    unit: Unit = "count"
    direction: Direction = "increase"
    aggregation: Aggregation = "sum"
    formula: str | None = None
    departments: list[Slug] = Field(default_factory=list)
    targets: Annotated[dict[PeriodId, Number], BeforeValidator(_periods_once)] = Field(
        default_factory=dict)
    amber_tolerance: Number = Field(default=0.1, ge=0, le=1)

    @field_validator("formula")
    @classmethod
    def _formula_parses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            return None
        try:
            formula_lang.parse(value)
        except formula_lang.FormulaError as exc:
            raise ValueError(f"formula: {exc}") from None
        return value

    @model_validator(mode="after")
    def _formula_matches_aggregation(self) -> Metric:
        if self.aggregation == "formula" and not self.formula:
            raise ValueError("aggregation 'formula' needs a formula")
        if self.formula and self.aggregation != "formula":
            raise ValueError("a metric with a formula must have aggregation 'formula'")
        if self.formula and self.id in self.inputs():
            raise ValueError(f"formula refers to the metric itself ({self.id})")
        self.departments = sorted(set(self.departments))
        self.targets = dict(sorted(self.targets.items()))
        return self

    def inputs(self) -> set[str]:
        return formula_lang.references(formula_lang.parse(self.formula)) if self.formula else set()


def _timestamp(value: Any) -> str:
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        stamp = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time (use 2026-03-31T12:00:00)") from None
    else:
        raise ValueError(f"expected a date and time, got {value!r}")
    if stamp.tzinfo is not None:
        try:
            stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError(f"{value!r} is out of the range of dates") from None
    if not 1900 <= stamp.year <= 2999:
        raise ValueError(f"{value!r}: year must be between 1900 and 2999")
    return stamp.replace(microsecond=0).isoformat()


Timestamp = Annotated[str, BeforeValidator(_timestamp)]


def now_timestamp() -> str:
    return _timestamp(dt.datetime.now(dt.UTC))


class Measurement(Strict):
    metric: MetricId
    period: PeriodId
    value: Number | None = None
    not_applicable: Flag = False
    note: Text = ""
    source: Source = "manual"
    recorded_at: Timestamp = Field(default_factory=now_timestamp)

    @model_validator(mode="after")
    def _value_or_na(self) -> Measurement:
        if self.not_applicable and self.value is not None:
            raise ValueError("a measurement marked not applicable has no value")
        if not self.not_applicable and self.value is None:
            raise ValueError("a measurement needs a value (or not_applicable = true)")
        return self


class _Attached(Strict):
    """Notes and decisions belong to exactly one objective or metric."""

    id: Slug
    objective: Slug | None = None
    metric: MetricId | None = None
    date: IsoDate
    text: LongText

    @model_validator(mode="after")
    def _one_target(self) -> _Attached:
        if (self.objective is None) == (self.metric is None):
            raise ValueError("set exactly one of objective or metric")
        return self


class Note(_Attached):
    kind: Literal["note", "feedback"] = "note"
    from_department: Slug | None = None
    to_department: Slug | None = None

    @model_validator(mode="after")
    def _feedback_departments(self) -> Note:
        if self.kind == "feedback" and (not self.from_department or not self.to_department):
            raise ValueError("feedback needs from_department and to_department")
        return self


class Decision(_Attached):
    owner: Slug
    due: IsoDate | None = None
    state: Literal["open", "done"] = "open"
    answers: Slug | None = None


class Condition(Strict):
    field: Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=200)]
    op: Operator
    value: str | float | int | bool | dt.date | list[str | float | int] | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _no_booleans_in_lists(cls, value: Any) -> Any:
        if isinstance(value, list) and any(isinstance(v, bool) for v in value):
            raise ValueError("a list of values takes text or numbers, not true/false")
        return value

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Condition:
        op, value = self.op, self.value
        if isinstance(value, dt.date):  # a TOML date, as written without quotes
            value = self.value = value.isoformat()
        if op in NO_VALUE_OPS:
            if value not in (None, "", []):
                raise ValueError(f"operator {op} takes no value")
            self.value = None
        elif op in ("in", "not_in"):
            if isinstance(value, list) and any(isinstance(v, bool) for v in value):
                raise ValueError(f"operator {op} needs text or number values, not true/false")
            if isinstance(value, str):
                value = [part.strip() for part in value.split(",") if part.strip()]
            if not isinstance(value, list) or not value:
                raise ValueError(f"operator {op} needs a list of values")
            odd = next((v for v in value if isinstance(v, float) and not math.isfinite(v)), None)
            if odd is not None:
                raise ValueError(f"operator {op} needs text or finite numbers, got {odd!r}")
            self.value = [v if isinstance(v, str) else _number_text(v) for v in value]
        elif op == "between":
            if (not isinstance(value, list) or len(value) != 2
                    or not all(_is_number(v) for v in value)):
                raise ValueError("operator between needs two numbers [low, high]")
            low, high = float(value[0]), float(value[1])
            if low > high:
                raise ValueError("operator between needs low ≤ high")
            self.value = [_plain_number(low), _plain_number(high)]
        elif op in ("gt", "gte", "lt", "lte"):
            if not _is_number(value):
                raise ValueError(f"operator {op} needs a number, got {value!r}")
            self.value = _plain_number(float(value))  # type: ignore[arg-type]
        elif op in ("within_last_days", "more_than_days_ago"):
            if (not _is_number(value) or float(value) < 0  # type: ignore[arg-type]
                    or float(value) != int(float(value)) or float(value) > MAX_DAYS):  # type: ignore[arg-type]
                raise ValueError(f"operator {op} needs a whole number of days from 0 to {MAX_DAYS}, "
                                 f"got {value!r}")
            self.value = int(float(value))  # type: ignore[arg-type]
        elif op in ("before", "after"):
            # A date written out (2026-03-31); not a number, nor the other forms
            # fromisoformat reads (20260331, 2026-W13-2).
            text = value.strip() if isinstance(value, str) else None
            try:
                if text is None or not ISO_DATE_RE.fullmatch(text):
                    raise ValueError
                self.value = dt.date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValueError(f"operator {op} needs a date such as 2026-03-31, got {value!r}") from None
        else:  # eq, neq, contains, not_contains, starts_with, ends_with
            if value is None or isinstance(value, list | bool):
                raise ValueError(f"operator {op} needs a single text or number value")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"operator {op} needs a finite number, got {value!r}")
            if op not in ("eq", "neq") and not isinstance(value, str):
                self.value = _plain_number(float(value)) if _is_number(value) else value
                self.value = str(self.value)
        return self


MAX_DAYS = 36_500


def _number_text(value: float | int) -> str:
    """A number in a text list as a lead's cell would show it: 1, not 1.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        if isinstance(value, int | float):
            return math.isfinite(value)
        if isinstance(value, str):
            return math.isfinite(float(value))
    except (ValueError, OverflowError):  # not a number, or an int beyond any float
        return False
    return False


def _plain_number(value: float) -> float | int:
    return int(value) if value == int(value) and abs(value) < 2**53 else value


class Rule(Strict):
    id: Slug
    name: Text = ""
    dimension: Dimension
    when: list[Condition] = Field(min_length=1)
    points: Whole = Field(ge=-10_000, le=10_000)
    knockout: Flag = False
    enabled: Flag = True
    rationale: Text = ""
    owner: Slug | None = None


# Band minimums and the MQL total compare with scores: sums of at most 10,000 points per rule.
# Bounded so that a plan file cannot hand SQLite an integer it cannot store.
ScoreLevel = Annotated[Whole, Field(ge=-1_000_000_000, le=1_000_000_000)]


class ScoringModel(Strict):
    id: Slug
    name: Name
    fit_cap: Whole = Field(default=100, ge=1, le=100_000)
    engagement_cap: Whole = Field(default=100, ge=1, le=100_000)
    fit_bands: dict[Literal["A", "B", "C"], ScoreLevel] = Field(
        default_factory=lambda: {"A": 60, "B": 40, "C": 20})
    engagement_bands: dict[Literal["1", "2", "3"], ScoreLevel] = Field(
        default_factory=lambda: {"1": 40, "2": 25, "3": 10})
    mql_cells: list[str] = Field(default_factory=lambda: ["A1", "A2", "B1"])
    mql_min_total: ScoreLevel | None = None
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("fit_bands", "engagement_bands", mode="before")
    @classmethod
    def _band_keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _check(self) -> ScoringModel:
        for name, bands, keys in (("fit_bands", self.fit_bands, ("A", "B", "C")),
                                  ("engagement_bands", self.engagement_bands, ("1", "2", "3"))):
            missing = [k for k in keys if k not in bands]
            if missing:
                raise ValueError(f"{name} needs a minimum for {', '.join(missing)}")
            values = [bands[k] for k in keys]  # type: ignore[index]
            if not values[0] >= values[1] >= values[2]:
                raise ValueError(f"{name} minimums must not increase: {' ≥ '.join(keys)}")
        cells = []
        for cell in self.mql_cells:
            cell = str(cell).strip().upper()
            if not CELL_RE.fullmatch(cell):
                raise ValueError(f"mql_cells: {cell!r} is not a grade cell (A1 … D4)")
            cells.append(cell)
        self.mql_cells = sorted(set(cells))
        self.fit_bands = {k: self.fit_bands[k] for k in ("A", "B", "C")}  # type: ignore[misc]
        self.engagement_bands = {k: self.engagement_bands[k] for k in ("1", "2", "3")}  # type: ignore[misc]
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


class Persona(Strict):
    id: Slug
    name: Name
    tagline: Text = ""
    role: Text = ""
    titles: TextList = Field(default_factory=list)
    seniority: Text = ""
    company_size: Text = ""
    industry: Text = ""
    demographics: Text = ""
    goals: TextList = Field(default_factory=list)
    pain_points: TextList = Field(default_factory=list)
    buying_triggers: TextList = Field(default_factory=list)
    decision_criteria: TextList = Field(default_factory=list)
    objections: TextList = Field(default_factory=list)
    channels: TextList = Field(default_factory=list)
    content_formats: TextList = Field(default_factory=list)
    quotes: TextList = Field(default_factory=list)
    key_messages: TextList = Field(default_factory=list)
    plays_marketing: TextList = Field(default_factory=list)
    plays_sales: TextList = Field(default_factory=list)
    plays_product: TextList = Field(default_factory=list)
    research_basis: Text = ""
    last_validated: IsoDate | None = None
    match: list[Condition] = Field(default_factory=list)


PERSONA_LIST_FIELDS = tuple(
    name for name, info in Persona.model_fields.items()
    if name != "match" and info.annotation is not None and "list" in str(info.annotation)
)


def date_format_problem(date_format: str) -> str | None:
    """Why a leads date format cannot read dates, or None when it can: it must be a strptime
    pattern that writes a date and reads it back (`%d/%m/%Y`)."""
    if not date_format.strip():
        return "the date format is blank; leave it out for ISO dates (2025-03-31)"
    if "%" not in date_format:
        return (f"date format {date_format!r} is not a strptime pattern "
                "(for example %d/%m/%Y)")
    try:
        dt.datetime.strptime(dt.date(2001, 2, 3).strftime(date_format), date_format)
    except ValueError:
        return (f"date format {date_format!r} is not a usable strptime pattern "
                "(for example %d/%m/%Y)")
    return None


class LeadsRoles(Strict):
    """Which columns of the imported leads dataset play which role."""

    id: str | None = None
    outcome: str | None = None
    won_values: list[str] = Field(default_factory=list)
    created: str | None = None
    closed: str | None = None
    amount: str | None = None
    date_format: str | None = None

    @field_validator("id", "outcome", "created", "closed", "amount")
    @classmethod
    def _column_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A blank name in a file would be kept as a column no leads have (`"  "`), or read
        # as no role at all (`""`): either way not what was meant, and unsaid.
        if _from_file(info) and value is not None and not value.strip():
            raise ValueError(f"the column name is blank; name a column of the leads, or leave "
                             f"the key out for no {info.field_name} column")
        return value

    @field_validator("date_format")
    @classmethod
    def _readable_dates(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A plan file's format is checked where it stands; one already saved is kept as it is
        # (the next import says what is wrong with it), but blank means no format at all.
        if value is not None and _from_file(info):
            if (problem := date_format_problem(value)) is not None:
                raise ValueError(problem)
        return value if value is None or value.strip() else None


# ---- review meetings -------------------------------------------------------------------------
# What a KPI review meeting leaves behind (model.reviews): a snapshot of what the room saw next
# to what it did. The ids it holds name what was on the agenda then; they are never checked as
# links, so an objective deleted later leaves its old reviews as they were.
ItemKind = Literal["metric", "objective"]
Attention = Literal["red", "declining", "stale", "rest"]
ItemStatus = Literal["green", "amber", "red"]
"""A KPI status as the engine gives it (`model.kpi.Status`)."""


def _not_nan(value: float) -> float:
    if math.isnan(value):
        raise ValueError("expected a number, got nan")
    return value


Share = Annotated[float, BeforeValidator(_number), AfterValidator(_not_nan)]


class ReviewedItem(Strict):
    kind: ItemKind
    id: str
    title: str
    attention: Attention
    reasons: list[str] = Field(default_factory=list)
    status: ItemStatus | None = None
    actual: str = "—"
    target: str = "—"
    share: Share | None = None


class RecordedNote(Strict):
    id: str
    subject: str
    text: str


class RecordedDecision(Strict):
    id: str
    subject: str
    text: str
    owner: str
    due: IsoDate | None = None


class StatusChange(Strict):
    objective: str
    title: str
    field: Literal["state", "confidence"]
    before: str | None = None
    after: str | None = None
    note: str | None = None


class RecordedMeasurement(Strict):
    metric: str
    title: str
    period: str
    value: str
    note: str = ""


class Review(Strict):
    id: Slug
    period: PeriodId
    date: IsoDate
    started_at: Timestamp = Field(default_factory=now_timestamp)
    ended_at: Timestamp | None = None
    items: list[ReviewedItem] = Field(default_factory=list)
    notes: list[RecordedNote] = Field(default_factory=list)
    decisions: list[RecordedDecision] = Field(default_factory=list)
    changes: list[StatusChange] = Field(default_factory=list)
    measurements: list[RecordedMeasurement] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list)
    carried_decisions: list[RecordedDecision] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"items": len(self.items), "notes": len(self.notes),
                "decisions": len(self.decisions), "changes": len(self.changes),
                "measurements": len(self.measurements)}


REVIEW_LISTS: dict[str, type[BaseModel]] = {
    "items": ReviewedItem, "notes": RecordedNote, "decisions": RecordedDecision,
    "changes": StatusChange, "measurements": RecordedMeasurement,
    "carried_decisions": RecordedDecision,
}
"""A review's lists of records, in the order a plan file holds them."""


class Plan(Strict):
    """A whole plan as it travels in TOML (lead rows excluded)."""

    settings: PlanSettings = Field(default_factory=PlanSettings)
    departments: list[Department] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    scoring_models: list[ScoringModel] = Field(default_factory=list)
    reviews: list[Review] = Field(default_factory=list)
    leads: LeadsRoles | None = None


ENTITY_KINDS = ("departments", "objectives", "metrics", "measurements", "personas", "notes",
                "decisions", "scoring_models", "reviews")


def measurement_key(m: Measurement) -> tuple[str, str, str]:
    return (m.metric, m.period, m.recorded_at)


def entity_key(kind: str, entity: BaseModel) -> Any:
    if kind == "measurements":
        return measurement_key(entity)  # type: ignore[arg-type]
    return entity.id  # type: ignore[attr-defined]


def reference_errors(plan: Plan) -> list[str]:
    """Every broken link, duplicate id and cycle in a plan, each prefixed by its location."""
    errors: list[str] = []
    for kind in ENTITY_KINDS:
        seen: dict[Any, int] = {}
        for i, entity in enumerate(getattr(plan, kind)):
            key = entity_key(kind, entity)
            if key in seen:
                label = "/".join(key) if isinstance(key, tuple) else key
                errors.append(f"{kind}[{i}]: duplicate {'entry' if isinstance(key, tuple) else 'id'} "
                              f"{label!r} (first at {kind}[{seen[key]}])")
            else:
                seen[key] = i
    depts = {d.id for d in plan.departments}
    metrics = {m.id: m for m in plan.metrics}
    objectives = {o.id: o for o in plan.objectives}
    personas = {p.id for p in plan.personas}
    notes = {n.id for n in plan.notes}

    def dept(loc: str, value: str | None) -> None:
        if value is not None and value not in depts:
            errors.append(f"{loc}: unknown department {value!r}")

    for i, o in enumerate(plan.objectives):
        dept(f"objectives[{i}].owner", o.owner)
        for d in o.departments:
            if d != o.owner:
                dept(f"objectives[{i}].departments", d)
        if o.parent is not None and o.parent not in objectives:
            errors.append(f"objectives[{i}].parent: unknown objective {o.parent!r}")
        for p in o.personas:
            if p not in personas:
                errors.append(f"objectives[{i}].personas: unknown persona {p!r}")
        for k, kr in enumerate(o.key_results):
            if kr.metric not in metrics:
                errors.append(f"objectives[{i}].key_results[{k}].metric: unknown metric {kr.metric!r}")
    parents = {o.id: [o.parent] for o in plan.objectives if o.parent in objectives}
    if cycle := formula_lang.find_cycle(parents):
        errors.append("objectives: parent links form a loop: " + " → ".join(cycle))
    for i, m in enumerate(plan.metrics):
        for d in m.departments:
            dept(f"metrics[{i}].departments", d)
        for ref in sorted(m.inputs()):
            if ref not in metrics:
                errors.append(f"metrics[{i}].formula: unknown metric {ref!r}")
    graph = {m.id: m.inputs() for m in plan.metrics}
    if cycle := formula_lang.find_cycle(graph):
        errors.append("metrics: formulas depend on each other in a loop: " + " → ".join(cycle))
    for i, ms in enumerate(plan.measurements):
        if ms.metric not in metrics:
            errors.append(f"measurements[{i}].metric: unknown metric {ms.metric!r}")
    for kind in ("notes", "decisions"):
        for i, item in enumerate(getattr(plan, kind)):
            if item.objective is not None and item.objective not in objectives:
                errors.append(f"{kind}[{i}].objective: unknown objective {item.objective!r}")
            if item.metric is not None and item.metric not in metrics:
                errors.append(f"{kind}[{i}].metric: unknown metric {item.metric!r}")
            if kind == "notes":
                dept(f"notes[{i}].from_department", item.from_department)
                dept(f"notes[{i}].to_department", item.to_department)
            else:
                dept(f"decisions[{i}].owner", item.owner)
                if item.answers is not None and item.answers not in notes:
                    errors.append(f"decisions[{i}].answers: unknown note {item.answers!r}")
    for i, sm in enumerate(plan.scoring_models):
        for r, rule in enumerate(sm.rules):
            dept(f"scoring_models[{i}].rules[{r}].owner", rule.owner)
    return errors
