"""Small renderables the KPI review, review mode and what-if share: status with a text marker,
sparklines, variance and the share of target."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from model.kpi import format_value

STATUS_MARKS = {"green": ("● green", "bold green"), "amber": ("◐ amber", "bold yellow"),
                "red": ("▲ red", "bold red")}
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def status_mark(status: str | None) -> Text:
    """A shape plus the word, so the status reads without colour (● green, ◐ amber, ▲ red)."""
    if status is None:
        return Text("○ —", style="dim")
    label, style = STATUS_MARKS[status]
    return Text(label, style=style)


def sparkline(values: Sequence[float | None], style: str = "cyan") -> Text:
    """Unicode blocks scaled between the series' own minimum and maximum; a gap is `·`."""
    known = [v for v in values if v is not None]
    out = Text()
    if not known:
        return Text("·" * len(values), style="dim")
    low, high = min(known), max(known)
    span = high - low
    for v in values:
        if v is None:
            out.append("·", style="dim")
        else:
            level = 3 if span == 0 else round((v - low) / span * (len(SPARK_BLOCKS) - 1))
            out.append(SPARK_BLOCKS[level], style=style)
    return out


def value_text(value: float | None, unit: str, not_applicable: bool = False) -> str:
    return "n/a" if not_applicable else format_value(value, unit)


def variance_text(actual: float | None, target: float | None, unit: str,
                  direction: str = "increase", *, compact: bool = False) -> Text:
    """Actual minus target, with the share of target; coloured by whether it is good news.
    `compact` (a narrow terminal): the share of target alone, when there is one."""
    if actual is None or target is None:
        return Text("—", style="dim")
    variance = actual - target
    sign = "+" if variance >= 0 else "−"
    if unit == "percent":
        text = f"{sign}{abs(variance) * 100:,.1f} pt"
    elif compact and target:
        text = f"{sign}{abs(variance / target):.0%}"
    else:
        text = sign + format_value(abs(variance), unit)
        if target:
            text += f" ({sign}{abs(variance / target):.0%})"
    good = variance >= 0 if direction == "increase" else variance <= 0
    return Text(text, style="green" if good else "red")


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%} of target"
