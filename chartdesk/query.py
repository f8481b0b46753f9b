"""Filter expressions over runs: a small grammar, parsed without ``eval``.

    lr < 0.01 and optimizer == "adam"
    state == "failed" or not ("baseline" in tags)
    accuracy:max > 0.9            an alias (or channel) reduced over the run: REF:REDUCER
    alias:accuracy:max >= 0.9     the same, explicit; channel:loss:last < 0.2
    name ~ "seed[0-9]"            a regular expression search
    optimizer.lr != null          nested params are flattened with dots
    alias:"val acc":max > 0.9     a name with blanks or other signs, quoted after alias:, channel: or expr:

Grammar:  expr := or;  or := and ("or" and)*;  and := not ("and" not)*;  not := "not" not | cmp
          cmp := value (OP value | "in" value | "not" "in" value)? ;  value := NUMBER | STRING |
          true | false | null | NAME | ("alias" | "channel" | "expr") ":" STRING ":" REDUCER | "(" expr ")"
A name is a run field (name, state, tags, created, finished, duration), a flattened param, or
REF:REDUCER. A comparison with a missing value (a param the run lacks) is false. A bad
expression raises ``InvalidInput`` naming the column and what was expected.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InvalidInput

REDUCERS = ("first", "last", "min", "max", "mean", "argmin", "argmax", "count")
FIELDS = ("name", "experiment", "state", "tags", "created", "finished", "duration")

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.:/-]))
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>==|!=|<=|>=|<|>|~|\(|\))
  | (?P<qname>(?:alias|channel|expr):(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')(?::[A-Za-z_]\w*)?)
  | (?P<name>[A-Za-z_][\w.\-/]*(?::[A-Za-z_][\w.\-/]*)*)
""", re.X)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_QNAME = re.compile(r"""(alias|channel|expr):("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')(?::(\w+))?\Z""")


@dataclass(frozen=True)
class Token:
    kind: str  # num, str, op, name, kw, end
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise InvalidInput(f"column {pos + 1}: unexpected {text[pos:pos + 12]!r}")
        kind = m.lastgroup
        if kind != "ws":
            t = m.group(kind)
            if kind == "name" and t.lower() in _KEYWORDS:
                kind, t = "kw", t.lower()
            elif kind == "qname":  # alias:"val acc":max reads the column alias:val acc:max
                ref, quoted, reducer = _QNAME.match(t).groups()
                kind, t = "name", f"{ref}:{_unquote(quoted)}" + (f":{reducer}" if reducer else "")
            out.append(Token(kind, t, pos))
        pos = m.end()
    out.append(Token("end", "", len(text)))
    return out


# ---- the tree ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Any
    right: Any
    pos: int


@dataclass(frozen=True)
class Bool:
    op: str  # and, or, not
    args: tuple


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def error(self, what: str) -> InvalidInput:
        t = self.tok
        got = "the end" if t.kind == "end" else repr(t.text)
        return InvalidInput(f"column {t.pos + 1}: expected {what}, found {got}")

    def parse(self):
        if self.tok.kind == "end":
            raise InvalidInput("the filter is empty")
        node = self.or_()
        if self.tok.kind != "end":
            raise self.error("and, or, or the end")
        return node

    def or_(self):
        args = [self.and_()]
        while self.tok.kind == "kw" and self.tok.text == "or":
            self.take()
            args.append(self.and_())
        return args[0] if len(args) == 1 else Bool("or", tuple(args))

    def and_(self):
        args = [self.not_()]
        while self.tok.kind == "kw" and self.tok.text == "and":
            self.take()
            args.append(self.not_())
        return args[0] if len(args) == 1 else Bool("and", tuple(args))

    def not_(self):
        if self.tok.kind == "kw" and self.tok.text == "not":
            self.take()
            return Bool("not", (self.not_(),))
        return self.cmp()

    def cmp(self):
        left = self.value()
        t = self.tok
        if t.kind == "op" and t.text in ("==", "!=", "<", "<=", ">", ">=", "~"):
            self.take()
            return Cmp(t.text, left, self.value(), t.pos)
        if t.kind == "kw" and t.text == "in":
            self.take()
            return Cmp("in", left, self.value(), t.pos)
        if t.kind == "kw" and t.text == "not" and self.toks[self.i + 1].kind == "kw" and self.toks[self.i + 1].text == "in":
            self.take()
            self.take()
            return Cmp("not in", left, self.value(), t.pos)
        if isinstance(left, (Bool, Cmp)):
            return left
        raise self.error("a comparison (==, !=, <, <=, >, >=, ~, in)")

    def value(self):
        t = self.tok
        if t.kind == "num":
            self.take()
            return Lit(float(t.text))
        if t.kind == "str":
            self.take()
            return Lit(_unquote(t.text))
        if t.kind == "kw" and t.text in ("true", "false", "null"):
            self.take()
            return Lit({"true": True, "false": False, "null": None}[t.text])
        if t.kind == "name":
            self.take()
            return Name(t.text, t.pos)
        if t.kind == "op" and t.text == "(":
            self.take()
            node = self.or_()
            if self.tok.kind != "op" or self.tok.text != ")":
                raise self.error("')'")
            self.take()
            return node
        raise self.error("a value (a number, a \"string\", a name, true, false, null or '(')")


def _unquote(s: str) -> str:
    body = s[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse(text: str):
    """The tree of a filter expression; InvalidInput with the column of the first mistake."""
    if not isinstance(text, str):
        raise InvalidInput(f"a filter is a string, not {type(text).__name__}")
    node = _Parser(text).parse()
    _check_regexes(node)
    return node


def _check_regexes(node) -> None:
    if isinstance(node, Bool):
        for a in node.args:
            _check_regexes(a)
    elif isinstance(node, Cmp) and node.op == "~" and isinstance(node.right, Lit):
        try:
            re.compile(str(node.right.value))
        except re.error as exc:
            raise InvalidInput(f"column {node.pos + 1}: bad regular expression: {exc}") from None


def names(node) -> list[str]:
    """Every name the expression reads (so REF:REDUCER columns can be computed first)."""
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Cmp):
        return names(node.left) + names(node.right)
    if isinstance(node, Bool):
        return [n for a in node.args for n in names(a)]
    return []


def evaluate(node, lookup: Callable[[str], Any]) -> bool:
    """Whether a run passes; ``lookup(name)`` gives a name's value for the run (None: missing)."""
    if isinstance(node, Bool):
        if node.op == "and":
            return all(evaluate(a, lookup) for a in node.args)
        if node.op == "or":
            return any(evaluate(a, lookup) for a in node.args)
        return not evaluate(node.args[0], lookup)
    if isinstance(node, Cmp):
        return _compare(node.op, _value(node.left, lookup), _value(node.right, lookup))
    return bool(_value(node, lookup))


def _value(node, lookup):
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Name):
        return lookup(node.name)
    return evaluate(node, lookup)


def _number(v):
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _compare(op: str, a, b) -> bool:
    if op in ("in", "not in"):
        if isinstance(b, (list, tuple, set)):
            found = a in b or (_number(a) is not None and _number(a) in [_number(x) for x in b])
        elif isinstance(b, str) and isinstance(a, str):
            found = a in b
        else:
            found = False
        return found if op == "in" else not found
    if op == "~":
        return isinstance(a, str) and re.search(str(b), a) is not None
    if op in ("==", "!="):
        if a is None or b is None:
            eq = a is None and b is None
        else:
            na, nb = _number(a), _number(b)
            eq = (na == nb) if na is not None and nb is not None and not (isinstance(a, str) and isinstance(b, str)) \
                else str(a) == str(b)
        return eq if op == "==" else not eq
    na, nb = _number(a), _number(b)
    if na is None or nb is None or math.isnan(na) or math.isnan(nb):
        if isinstance(a, str) and isinstance(b, str):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return False
    return {"<": na < nb, "<=": na <= nb, ">": na > nb, ">=": na >= nb}[op]


def reduce(reducer: str, x: np.ndarray, y: np.ndarray, count: int, exact: bool = False
                 ) -> tuple[float | None, bool]:
    """(value, needs every point). NaN is skipped; ±inf are values. ``x``/``y`` are the bucket
    summary unless ``exact``: min, max and their steps are exact on it (every bucket's lowest and
    highest point is in it, first ones first); first and last are the channel's own ends."""
    if reducer == "count":
        return float(count), False
    if reducer == "mean":
        if not exact:
            return None, True
        ok = ~np.isnan(y)
        return (float(np.mean(y[ok])) if ok.any() else None), False
    ok = ~np.isnan(y)
    if not ok.any():
        return None, False
    if reducer in ("first", "last"):
        end = y[0] if reducer == "first" else y[-1]
        if np.isnan(end) and not exact:
            return None, True  # the end itself is NaN: find the nearest number in the points
        idx = np.flatnonzero(ok)
        return float(y[idx[0] if reducer == "first" else idx[-1]]), False
    if reducer == "min":
        return float(np.min(y[ok])), False
    if reducer == "max":
        return float(np.max(y[ok])), False
    if reducer in ("argmin", "argmax"):
        masked = np.where(ok, y, np.inf if reducer == "argmin" else -np.inf)
        i = int(np.argmin(masked) if reducer == "argmin" else np.argmax(masked))
        return float(x[i]), False
    raise InvalidInput(f"unknown reducer {reducer!r}; one of {', '.join(REDUCERS)}")


# ---- columns --------------------------------------------------------------------------------
def parse_column(text: str, aliases=()) -> tuple[str, str, str]:
    """``REF:REDUCER`` -> (kind, name, reducer); a bare ``NAME:REDUCER`` is an alias when the
    project has one of that name, else a channel; ``expr:EXPRESSION:REDUCER`` reduces a derived
    series (``chartdesk.derived``)."""
    if not isinstance(text, str):
        raise InvalidInput(f"a column is REF:REDUCER, not {text!r}")
    head, sep, reducer = text.rpartition(":")
    if not sep or reducer not in REDUCERS or not head:
        raise InvalidInput(f"column {text!r} must be REF:REDUCER with REF alias:NAME or channel:NAME and REDUCER "
                           f"one of {', '.join(REDUCERS)}")
    kind, sep2, name = head.partition(":")
    if sep2 and kind in ("alias", "channel", "expr") and name:
        return kind, name, reducer
    return ("alias" if head in aliases else "channel"), head, reducer


def flatten(params: Any, prefix: str = "") -> dict[str, Any]:
    """Nested params as dotted keys: ``{"optimizer": {"lr": 0.1}}`` -> ``{"optimizer.lr": 0.1}``."""
    out: dict[str, Any] = {}
    if not isinstance(params, dict):
        return {prefix: params} if prefix else {}
    for k, v in params.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(flatten(v, key))
        else:
            out[key] = v
    return out
