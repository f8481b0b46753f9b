"""Derived series: a chart series that is an expression over a run's channels and aliases.

    expr:1 - accuracy                 an alias, resolved run by run (acc in one, pred_acc in another)
    expr:val/loss - train/loss        two channels (a ``/`` between name characters is part of a name)
    expr:diff(tokens) / diff(time)    a rate; divide with blanks around ``/`` or after ``)``
    expr:ema(loss, 0.9)               expr:max(val/acc, val/acc_ema)     expr:channel:"val loss" * 100

Grammar (parsed here, never ``eval``):  expr := sum;  sum := prod (("+" | "-") prod)*;
prod := unary (("*" | "/") unary)*;  unary := ("-" | "+") unary | power;  power := atom ("**" unary)?;
atom := NUMBER | REF | FUNC "(" expr ("," expr)* ")" | "(" expr ")";  REF := NAME | STRING |
("alias" | "channel") ":" (NAME | STRING). A bare name is the project's alias of that name when it
has one, else a channel; quote names with blanks, dashes or other signs. Functions: abs log log10
exp sqrt (one series), clip(x, lo, hi), min and max (two or more), diff, cumsum, ema(x, w) with a
constant 0 <= w < 1 (TensorBoard's debiased EMA, the chart smoothing's), sma(x, n) (the mean of
the last n points: no point before the n-th), shift(x, k) (the value k points earlier; k < 0:
later). A bad expression raises ``InvalidInput`` naming the column, as the filter grammar does.

Semantics: each reference is the run's channel with its last point at each step (as groups
match runs); operands are matched by step and a step where one is missing has no point; the
arithmetic is IEEE's (a division by zero is ±inf, log of a negative NaN), and the wall time of a
point is the latest of its operands'. ``diff``, ``cumsum``, ``ema``, ``sma`` and ``shift`` run
along their argument's own points.

A ref is *bound* for a run (``bind``): every reference replaced by the channel it means there,
written ``expr:`` + the expression with explicit ``channel:"..."`` refs. The bound name travels
where a channel name does (curve plans, view requests, caches); ``compute`` reads its operands
and evaluates it, cached per run until one of them changes. Plain Python and numpy, no Qt.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .caches import VersionedCache
from .decimate import bucket_indices, ema, last_per_step
from .errors import InvalidInput

PREFIX = "expr:"
#: Points per bucket of a computed series' summary (as the store's chunks have).
BUCKET = 256
#: The longest expression: a ref is stored in a column of 520 characters.
MAX_CHARS = 512
#: Functions and how many arguments each takes (None: two or more).
FUNCTIONS = {"abs": 1, "log": 1, "log10": 1, "exp": 1, "sqrt": 1, "clip": 3, "min": None, "max": None,
             "diff": 1, "cumsum": 1, "ema": 2, "sma": 2, "shift": 2}
_UNARY = {"abs": np.abs, "log": np.log, "log10": np.log10, "exp": np.exp, "sqrt": np.sqrt}
_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "**": np.power}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>\*\*|[-+*/(),:])
  | (?P<name>[A-Za-z_][\w.]*(?:/[\w.]+)*)
""", re.X)


# ---- syntax ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float
    text: str


@dataclass(frozen=True)
class Ref:
    kind: str | None  # "alias", "channel", or None: the alias of that name when there is one
    name: str
    pos: int


@dataclass(frozen=True)
class Op:
    op: str  # + - * / ** or "neg"
    args: tuple


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple
    pos: int


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, str, op, name, end
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise InvalidInput(f"column {pos + 1}: unexpected {text[pos:pos + 12]!r}")
        if m.lastgroup != "ws":
            out.append(_Tok(m.lastgroup, m.group(m.lastgroup), pos))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


def _unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s[1:-1])


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def error(self, what: str, tok: _Tok | None = None) -> InvalidInput:
        t = tok or self.tok
        got = "the end" if t.kind == "end" else repr(t.text)
        return InvalidInput(f"column {t.pos + 1}: expected {what}, found {got}")

    def parse(self):
        if self.tok.kind == "end":
            raise InvalidInput("the expression is empty")
        node = self.sum()
        if self.tok.kind != "end":
            raise self.error("an operator or the end")
        return node

    def sum(self):
        node = self.prod()
        while self.at("+", "-"):
            node = Op(self.take().text, (node, self.prod()))
        return node

    def prod(self):
        node = self.unary()
        while self.at("*", "/"):
            node = Op(self.take().text, (node, self.unary()))
        return node

    def unary(self):
        if self.at("-"):
            self.take()
            return Op("neg", (self.unary(),))
        if self.at("+"):
            self.take()
            return self.unary()
        node = self.atom()
        if self.at("**"):
            self.take()
            node = Op("**", (node, self.unary()))
        return node

    def atom(self):
        t = self.tok
        if t.kind == "num":
            self.take()
            return Num(float(t.text), t.text)
        if t.kind == "str":
            self.take()
            return Ref(None, _unquote(t.text), t.pos)
        if t.kind == "name":
            self.take()
            if self.at(":"):
                if t.text not in ("alias", "channel"):
                    raise InvalidInput(f"column {t.pos + 1}: {t.text!r} before ':' must be alias or channel")
                self.take()
                n = self.take()
                if n.kind not in ("name", "str"):
                    raise self.error(f"a name after {t.text}:", n)
                return Ref(t.text, n.text if n.kind == "name" else _unquote(n.text), t.pos)
            if self.at("("):
                return self.call(t)
            return Ref(None, t.text, t.pos)
        if self.at("("):
            self.take()
            node = self.sum()
            if not self.at(")"):
                raise self.error("')'")
            self.take()
            return node
        raise self.error("a number, a name or '('")

    def call(self, name: _Tok):
        if name.text not in FUNCTIONS:
            raise InvalidInput(f"column {name.pos + 1}: unknown function {name.text!r}; "
                               f"one of {', '.join(FUNCTIONS)}")
        self.take()  # (
        args = [self.sum()]
        while self.at(","):
            self.take()
            args.append(self.sum())
        if not self.at(")"):
            raise self.error("',' or ')'")
        self.take()
        node = Call(name.text, tuple(args), name.pos)
        _check_call(node)
        return node


def _constant(node) -> float | None:
    """The value of a constant argument (a number, maybe negated), else None."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Op) and node.op == "neg":
        v = _constant(node.args[0])
        return None if v is None else -v
    return None


def _refs(node) -> list[Ref]:
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, (Op, Call)):
        return [r for a in node.args for r in _refs(a)]
    return []


def _check_call(node: Call) -> None:
    f, args, col = node.func, node.args, node.pos + 1
    want = FUNCTIONS[f]
    if want is None and len(args) < 2:
        raise InvalidInput(f"column {col}: {f}() takes two or more arguments, not {len(args)}")
    if want is not None and len(args) != want:
        raise InvalidInput(f"column {col}: {f}() takes {want} argument{'s' if want > 1 else ''}, not {len(args)}")
    if f in ("diff", "cumsum", "ema", "sma", "shift") and not _refs(args[0]):
        raise InvalidInput(f"column {col}: {f}() runs along a series: its first argument needs a channel or alias")
    if f == "ema":
        w = _constant(args[1])
        if w is None or not 0.0 <= w < 1.0:
            raise InvalidInput(f"column {col}: ema(x, w) needs a constant weight 0 <= w < 1")
    if f in ("sma", "shift"):
        k = _constant(args[1])
        if k is None or k != int(k) or (f == "sma" and k < 1):
            raise InvalidInput(f"column {col}: {f}(x, n) needs a constant whole number"
                               + (" of at least 1" if f == "sma" else ""))


@dataclass(frozen=True)
class Expr:
    """A parsed expression: its text, its tree and its references in order of appearance."""

    text: str
    tree: object
    refs: tuple[Ref, ...]


@lru_cache(maxsize=2048)
def parse(text: str) -> Expr:
    """The expression of ``text`` (without ``expr:``), or ``InvalidInput`` naming the column."""
    if not isinstance(text, str):
        raise InvalidInput(f"an expression is text, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise InvalidInput(f"the expression is {len(text)} characters long; at most {MAX_CHARS} are allowed")
    tree = _Parser(text).parse()
    refs = tuple(_refs(tree))
    if not refs:
        raise InvalidInput("the expression refers to no channel or alias")
    return Expr(text, tree, refs)


def names(text: str) -> list[tuple[str | None, str]]:
    """(kind, name) of every reference, in order, once each (kind None: alias or channel)."""
    return list(dict.fromkeys((r.kind, r.name) for r in parse(text).refs))


def is_bound(name: str) -> bool:
    """Whether a channel name is a bound expression (what ``bind`` returns)."""
    return isinstance(name, str) and name.startswith(PREFIX)


# ---- printing -------------------------------------------------------------------------------
_PLAIN = re.compile(r"[A-Za-z_][\w.]*(?:/[\w.]+)*\Z")


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def name_text(name: str) -> str:
    """A name as an expression writes it: bare when the grammar reads it back as one name."""
    return name if _PLAIN.match(name) and name not in ("alias", "channel") else _quote(name)


def unparse(node, ref_text: Callable[[Ref], str], parent: int = 0) -> str:
    """The text of a tree, with as few parentheses as its precedence needs."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Ref):
        return ref_text(node)
    if isinstance(node, Call):
        return f"{node.func}(" + ", ".join(unparse(a, ref_text) for a in node.args) + ")"
    prec = _PRECEDENCE[node.op]
    if node.op == "neg":
        text = "-" + unparse(node.args[0], ref_text, prec)
    elif node.op == "**":  # right-associative: a parenthesised left operand of the same rank
        text = f"{unparse(node.args[0], ref_text, prec + 1)} ** {unparse(node.args[1], ref_text, prec)}"
    else:
        text = f"{unparse(node.args[0], ref_text, prec)} {node.op} {unparse(node.args[1], ref_text, prec + 1)}"
    return f"({text})" if prec < parent else text


# ---- binding --------------------------------------------------------------------------------
def bind(text: str, channel_for: Callable[[str, str], str | None], aliases) -> str | None:
    """The bound name of ``expr:text`` in a run: ``channel_for(kind, name)`` is the ref -> channel
    rule for that run; ``aliases`` the project's alias names (a bare name is one of them, else a
    channel). None when a reference means no channel in the run."""
    e = parse(text)
    chosen: dict[Ref, str] = {}
    for r in e.refs:
        kind = r.kind or ("alias" if r.name in aliases else "channel")
        ch = channel_for(kind, r.name)
        if ch is None:
            return None
        chosen[r] = ch
    return PREFIX + unparse(e.tree, lambda r: "channel:" + _quote(chosen[r]))


def shown(bound: str) -> str:
    """How a bound name reads in a legend: the expression over the run's channels."""
    return unparse(parse(bound[len(PREFIX):]).tree, lambda r: name_text(r.name))


def operands(name: str) -> tuple[str, ...]:
    """The channels a (bound) name reads: its operands, or the channel itself."""
    if not is_bound(name):
        return (name,)
    return tuple(dict.fromkeys(r.name for r in parse(name[len(PREFIX):]).refs))


# ---- evaluation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Points:
    """A derived series: one point per step, in step order (like ``model.Series``'s fields);
    ``summary``, once computed, the indices of its bucket summary (``decimate.bucket_indices``),
    what a zoomed-out view draws, as a stored channel's chunk summaries are."""

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray
    summary: np.ndarray | None = None
    parts: tuple[tuple[str, np.ndarray], ...] = ()  # each operand channel's value at each step (NaN: none there)

    def __len__(self) -> int:
        return len(self.x)


def _aligned(s) -> Points:
    """A channel's last point at each step, steps sorted."""
    x = np.asarray(s.x, dtype=np.float64)
    if len(x) < 2 or bool(np.all(x[1:] > x[:-1])):  # one point per step, in order: nothing to copy
        return Points(x, np.asarray(s.y, dtype=np.float64), np.asarray(s.t, dtype=np.float64))
    steps, idx = last_per_step(x, np.arange(len(x)))
    idx = np.asarray(idx, dtype=np.int64)
    return Points(np.asarray(steps, dtype=np.float64), np.asarray(s.y, dtype=np.float64)[idx],
                  np.asarray(s.t, dtype=np.float64)[idx])


def _match(a: Points, b: Points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps both have, index into a, index into b)."""
    if len(a.x) == len(b.x) and np.array_equal(a.x, b.x):
        i = np.arange(len(a.x))
        return a.x, i, i
    steps, ia, ib = np.intersect1d(a.x, b.x, assume_unique=True, return_indices=True)
    return steps, ia, ib


def _combine(fn, a, b):
    if not isinstance(a, Points) and not isinstance(b, Points):
        return float(fn(np.float64(a), np.float64(b)))
    if not isinstance(a, Points):
        return Points(b.x, fn(np.float64(a), b.y), b.t)
    if not isinstance(b, Points):
        return Points(a.x, fn(a.y, np.float64(b)), a.t)
    steps, ia, ib = _match(a, b)
    return Points(steps, fn(a.y[ia], b.y[ib]), np.maximum(a.t[ia], b.t[ib]))


def _sma(y: np.ndarray, n: int) -> np.ndarray:
    """The mean of each run of n points (len(y) - n + 1 of them), IEEE for NaN and ±inf: a window
    with a NaN, or with both infinities, is NaN; with one infinity that infinity."""
    if n > len(y):
        return np.empty(0)
    finite = np.isfinite(y)
    vals = np.where(finite, y, 0.0)

    def window(a):
        c = np.concatenate(([0.0], np.cumsum(a, dtype=np.float64)))
        return c[n:] - c[:-n]

    mean = window(vals) / n
    nan, pos, neg = (window(m.astype(np.float64)) > 0 for m in (np.isnan(y), np.isposinf(y), np.isneginf(y)))
    mean = np.where(pos, np.inf, mean)
    mean = np.where(neg, -np.inf, mean)
    return np.where(nan | (pos & neg), np.nan, mean)


def _call(f: str, args: list):
    a = args[0]
    if f in _UNARY:
        return Points(a.x, _UNARY[f](a.y), a.t) if isinstance(a, Points) else float(_UNARY[f](np.float64(a)))
    if f in ("min", "max"):
        out = a
        for b in args[1:]:
            out = _combine(np.minimum if f == "min" else np.maximum, out, b)
        return out
    if f == "clip":
        lo = _combine(np.maximum, a, args[1])
        return _combine(np.minimum, lo, args[2])
    if f == "diff":
        return Points(a.x[1:], np.diff(a.y), a.t[1:])
    if f == "cumsum":
        return Points(a.x, np.cumsum(a.y), a.t)
    k = float(args[1])
    if f == "ema":
        return Points(a.x, ema(a.y, k), a.t)
    n = int(k)
    if f == "sma":
        return Points(a.x[n - 1:], _sma(a.y, n), a.t[n - 1:])
    if n == 0:  # shift
        return a
    if n > 0:
        return Points(a.x[n:], a.y[:-n], a.t[n:])
    return Points(a.x[:n], a.y[-n:], a.t[:n])


def _eval(node, read: Callable[[str], Points]):
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        return read(node.name)
    args = [_eval(a, read) for a in node.args]
    if isinstance(node, Call):
        return _call(node.func, args)
    if node.op == "neg":
        a = args[0]
        return Points(a.x, -a.y, a.t) if isinstance(a, Points) else -a
    return _combine(_BINARY[node.op], args[0], args[1])


def evaluate(bound: str, read: Callable[[str], object]) -> Points:
    """The points of a bound expression; ``read(channel)`` gives a channel's points (x, y, t)."""
    e = parse(bound[len(PREFIX):] if is_bound(bound) else bound)
    cache: dict[str, Points] = {}

    def channel(name: str) -> Points:
        if name not in cache:
            cache[name] = _aligned(read(name))
        return cache[name]

    with np.errstate(all="ignore"):
        out = _eval(e.tree, channel)
    if not isinstance(out, Points):  # every reference folded away: cannot happen after parse
        raise InvalidInput(f"the expression {e.text!r} has no series")
    return Points(out.x, np.asarray(out.y, dtype=np.float64), out.t,
                  parts=tuple((name, _at_steps(p, out.x)) for name, p in cache.items()))


def _at_steps(p: Points, steps: np.ndarray) -> np.ndarray:
    """An operand's value at each of these steps, NaN where it has no point there."""
    if len(p.x) == len(steps) and np.array_equal(p.x, steps):
        return p.y
    out = np.full(len(steps), np.nan)
    if len(p.x):
        i = np.clip(np.searchsorted(p.x, steps), 0, len(p.x) - 1)
        ok = p.x[i] == steps
        out[ok] = p.y[i[ok]]
    return out


# ---- computing, cached ----------------------------------------------------------------------
def _size(p: Points) -> int:
    return p.x.nbytes + p.y.nbytes + p.t.nbytes + (p.summary.nbytes if p.summary is not None else 0) + \
        sum(a.nbytes for _n, a in p.parts if a is not p.y)


#: Recently computed derived series, by run and bound name, kept while their operands' chunks are unchanged.
CACHE = VersionedCache(_size, 256 << 20)


def compute(store, project: str, experiment: str, bound: str) -> Points:
    """Every point of a bound expression in a run, from the store; cached until an operand's
    chunks change (the run grows, or is imported again)."""
    chans = operands(bound)
    version = tuple(tuple(map(tuple, store.chunk_index(project, experiment, c))) for c in chans)
    key = (id(store), project, experiment, bound)
    hit = CACHE.get(key, version)
    if hit is not None:
        return hit
    out = evaluate(bound, lambda c: store.read(project, experiment, c))
    out = Points(out.x, out.y, out.t, bucket_indices(out.y, BUCKET), out.parts)
    CACHE.put(key, version, out)
    return out


def read(store, project: str, experiment: str, channel: str):
    """A channel's points, or a bound expression's: what every reader of a series calls."""
    if is_bound(channel):
        return compute(store, project, experiment, channel)
    return store.read(project, experiment, channel)


def check(text: str, aliases: Sequence[str] = ()) -> Expr:
    """Parse, and refuse an explicit ``alias:NAME`` the project does not have (one line)."""
    e = parse(text)
    for r in e.refs:
        if r.kind == "alias" and r.name not in aliases:
            raise InvalidInput(f"column {r.pos + 1}: unknown alias {r.name!r}")
    return e


def explain(text: str, aliases, channels) -> str:
    """What an expression reads in a project, in one line (``InvalidInput`` for a bad one): each
    reference as an alias (with its entries) or a channel, and the names the project lacks."""
    e = check(text, aliases)
    parts, unknown = [], []
    for kind, name in names(text):
        kind = kind or ("alias" if name in aliases else "channel")
        if kind == "alias":
            parts.append(f"{name} = alias ({', '.join(aliases[name]) or 'empty'})")
        elif name in channels:
            parts.append(f"{name} = channel")
        else:
            unknown.append(name)
    out = "; ".join(parts)
    if unknown:
        out += ("; " if out else "") + "no channel or alias named " + ", ".join(map(repr, unknown)) + \
            " in this project (yet): runs without it draw nothing"
    return out or e.text


def word_at(text: str, cursor: int) -> tuple[int, str]:
    """(start, word) of the name being typed before ``cursor``: what completion replaces."""
    m = re.search(r"[A-Za-z_][\w./]*\Z", text[:cursor])
    return (m.start(), m.group()) if m else (cursor, "")
