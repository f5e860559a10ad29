"""KPI formulas: parsed by a small recursive-descent parser into a tree, never `eval`.

Grammar: numbers, metric ids, `+ - * /` (also `− × ÷`), parentheses, unary minus and the
functions `min`, `max`, `abs`. Evaluation never raises on data: a missing input or a division by
zero gives "no value" with the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_FUNCTIONS = {"min": (1, None), "max": (1, None), "abs": (1, 1)}
_OPERATOR_ALIASES = {"−": "-", "×": "*", "÷": "/", "–": "-"}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>[-+*/(),−×÷–]))"
)


class FormulaError(ValueError):
    """The formula text cannot be parsed; the message says where."""


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]


Node = Num | Ref | Neg | BinOp | Call


@dataclass(frozen=True)
class Result:
    """A formula's value, or None with the reason there is none."""

    value: float | None
    reason: str = ""


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if not m or m.end() == pos:
            bad = stripped[pos:].lstrip()[:1]
            col = len(stripped) - len(stripped[pos:].lstrip()) + 1
            raise FormulaError(f"unexpected {bad!r} at position {col}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "op":
            value = _OPERATOR_ALIASES.get(value, value)
        tokens.append((kind, value, m.start(kind) + 1))
        pos = m.end()
    return tokens


MAX_DEPTH = 60
MAX_LENGTH = 2_000
MAX_LITERAL = 1e15


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters")
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"the formula nests deeper than {MAX_DEPTH} levels")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise FormulaError("the formula ends too early")
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        tok = self.peek()
        if tok is None:
            raise FormulaError(f"expected {op!r} at the end")
        if tok[1] != op:
            raise FormulaError(f"expected {op!r} at position {tok[2]}, found {tok[1]!r}")
        self.i += 1

    def parse(self) -> Node:
        if not self.tokens:
            raise FormulaError("the formula is empty")
        node = self.expr()
        tok = self.peek()
        if tok is not None:
            raise FormulaError(f"unexpected {tok[1]!r} at position {tok[2]}")
        return node

    def expr(self) -> Node:
        node = self.term()
        while (tok := self.peek()) and tok[1] in "+-" and tok[0] == "op":
            self.i += 1
            node = BinOp(tok[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while (tok := self.peek()) and tok[1] in "*/" and tok[0] == "op":
            self.i += 1
            node = BinOp(tok[1], node, self.unary())
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in "+-":
            self.i += 1
            self.nest()
            operand = self.unary()
            self.depth -= 1
            return Neg(operand) if tok[1] == "-" else operand
        return self.atom()

    def atom(self) -> Node:
        kind, value, pos = self.take()
        if kind == "num":
            number = float(value)
            if not math.isfinite(number) or abs(number) > MAX_LITERAL:
                raise FormulaError(f"the number at position {pos} is too large (at most 1e15)")
            return Num(number)
        if kind == "name":
            nxt = self.peek()
            if nxt and nxt[1] == "(":
                if value not in _FUNCTIONS:
                    raise FormulaError(
                        f"unknown function {value!r} at position {pos} (use min, max or abs)"
                    )
                self.i += 1
                self.nest()
                args = [self.expr()]
                while (sep := self.peek()) and sep[1] == ",":
                    self.i += 1
                    args.append(self.expr())
                self.expect(")")
                self.depth -= 1
                low, high = _FUNCTIONS[value]
                if len(args) < low or (high is not None and len(args) > high):
                    raise FormulaError(f"{value}() at position {pos} takes {'one argument' if high == 1 else 'one or more arguments'}")
                return Call(value, tuple(args))
            return Ref(value)
        if value == "(":
            self.nest()
            node = self.expr()
            self.expect(")")
            self.depth -= 1
            return node
        raise FormulaError(f"unexpected {value!r} at position {pos}")


def parse(text: str) -> Node:
    """Parse formula text into a tree; raises FormulaError saying what and where."""
    if not isinstance(text, str):
        raise FormulaError("a formula must be text")
    return _Parser(text).parse()


def references(node: Node) -> set[str]:
    """Metric ids a formula reads."""
    if isinstance(node, Ref):
        return {node.name}
    if isinstance(node, Neg):
        return references(node.operand)
    if isinstance(node, BinOp):
        return references(node.left) | references(node.right)
    if isinstance(node, Call):
        out: set[str] = set()
        for arg in node.args:
            out |= references(arg)
        return out
    return set()


def evaluate(node: Node, values: Mapping[str, float | None]) -> Result:
    """Evaluate with the given input values; a missing input or zero divisor gives no value."""
    if isinstance(node, Num):
        return Result(node.value)
    if isinstance(node, Ref):
        value = values.get(node.name)
        if value is None:
            return Result(None, f"no value for {node.name}")
        return Result(float(value))
    if isinstance(node, Neg):
        inner = evaluate(node.operand, values)
        return inner if inner.value is None else Result(-inner.value)
    if isinstance(node, Call):
        results = [evaluate(arg, values) for arg in node.args]
        for r in results:
            if r.value is None:
                return r
        nums = [r.value for r in results if r.value is not None]
        if node.func == "abs":
            return Result(abs(nums[0]))
        return Result(min(nums) if node.func == "min" else max(nums))
    left = evaluate(node.left, values)
    if left.value is None:
        return left
    right = evaluate(node.right, values)
    if right.value is None:
        return right
    a, b = left.value, right.value
    if node.op == "+":
        out = a + b
    elif node.op == "-":
        out = a - b
    elif node.op == "*":
        out = a * b
    else:
        if b == 0:
            return Result(None, f"division by zero ({render(node.right)} is 0)")
        out = a / b
    if math.isnan(out) or math.isinf(out):
        return Result(None, "the result is too large to show")
    return Result(out)


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "/"}


def percent_text(fraction: float) -> str:
    """A fraction as the percent it is, in a filled-in formula (0.7775 → `77.75 %`)."""
    return f"{_fmt_number(fraction * 100)} %"


def _fmt_number(value: float) -> str:
    if not math.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "?")
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"


def render(node: Node, values: Mapping[str, float | str | None] | None = None,
           _parent: int = 0) -> str:
    """Formula text; with `values`, the inputs are filled in (`(120,000 − 40,000) / 40,000`);
    a value given as text is filled in as it is (a percent, `77.75 %`)."""
    if isinstance(node, Num):
        return _fmt_number(node.value)
    if isinstance(node, Ref):
        if values is None:
            return node.name
        v = values.get(node.name)
        if isinstance(v, str):
            return v
        return "?" if v is None else _fmt_number(float(v))
    if isinstance(node, Neg):
        return "−" + render(node.operand, values, 3)
    if isinstance(node, Call):
        return f"{node.func}(" + ", ".join(render(a, values) for a in node.args) + ")"
    prec = _PRECEDENCE[node.op]
    left = render(node.left, values, prec)
    right = render(node.right, values, prec + 1)
    text = f"{left} {_SYMBOL[node.op]} {right}"
    return f"({text})" if prec < _parent else text


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a path (`a → b → a`), or None. Nodes absent from `graph` are leaves.
    Iterative, so a long chain of links cannot exhaust the stack."""
    state: dict[str, int] = {}
    for start in sorted(graph):
        if start in state:
            continue
        path: list[str] = [start]
        pending: list[list[str]] = [sorted(graph.get(start, ()))]
        state[start] = 1
        while path:
            deps = pending[-1]
            if not deps:
                state[path.pop()] = 2
                pending.pop()
                continue
            dep = deps.pop(0)
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state and dep in graph:
                state[dep] = 1
                path.append(dep)
                pending.append(sorted(graph.get(dep, ())))
    return None


def topological_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Nodes of an acyclic graph with every node after the nodes it depends on."""
    order: list[str] = []
    seen: set[str] = set()
    for start in sorted(graph):
        if start in seen:
            continue
        seen.add(start)
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph.get(start, ())))]
        while stack:
            node, deps = stack[-1]
            while deps and (deps[0] in seen or deps[0] not in graph):
                deps.pop(0)
            if deps:
                dep = deps.pop(0)
                seen.add(dep)
                stack.append((dep, sorted(graph.get(dep, ()))))
            else:
                order.append(node)
                stack.pop()
    return order
