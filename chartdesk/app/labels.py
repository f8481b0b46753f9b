"""Names that fit, without Qt: the one rule by which a name too long for its place loses what it
shares with the names beside it first, so that the part that tells it apart stays whole.

The legend and the hover read-out of a chart, the project tree, the runs table's name column and
the alias editor's preview all shorten names with it (``chartdesk.gui.widgets.NameDelegate``
for the item views). ``segments`` splits the names into pieces, common or telling apart, in whole
tokens (a number is never split); ``shorten`` fits one name in a width, ``shorten_all`` fits a
column of them alike, and ``fit_names`` does both for a list of names. Widths are measured by the
caller (``width(text)``, ``elide(text, side, room)``): pixels of a font, or characters.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_TOKEN = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\w+|\s+|.")
ELLIPSIS = "…"
_RUN_OF_ELLIPSES = re.compile("…{2,}")


def common_parts(labels: Sequence[str]) -> tuple[int, int]:
    """How many characters the labels share at their start and at their end, in whole tokens
    (``lr=0.0003`` is the tokens ``lr``, ``=``, ``0.0003``: a number is never split); (0, 0) for
    fewer than two labels."""
    if len(labels) < 2:
        return 0, 0
    toks = [_TOKEN.findall(s) for s in labels]
    pre, suf = _common_ends(toks)
    return len("".join(toks[0][:pre])), len("".join(toks[0][len(toks[0]) - suf:]))


def segments(labels: Sequence[str]) -> list[list[tuple[str, bool]]]:
    """Each label as pieces (text, common): whole tokens that every label has at the same place
    (its start, its end, and, between them, the same place when the labels have as many tokens:
    ``lr=``, ``, optimizer=``, `` · accuracy → ``) are common; the rest tells the labels apart."""
    if len(labels) < 2:
        return [[(s, False)] for s in labels]
    toks = [_TOKEN.findall(s) for s in labels]
    pre, suf = _common_ends(toks)
    middles = [t[pre:len(t) - suf] for t in toks]
    same_shape = len({len(m) for m in middles}) == 1
    out = []
    for t, m in zip(toks, middles):
        flags = [True] * pre
        flags += [same_shape and all(o[i] == m[i] for o in middles) for i in range(len(m))]
        flags += [True] * suf
        pieces: list[tuple[str, bool]] = []
        for tok, common in zip(t, flags):
            if pieces and pieces[-1][1] == common:
                pieces[-1] = (pieces[-1][0] + tok, common)
            else:
                pieces.append((tok, common))
        out.append(pieces)
    return out


def _common_ends(toks: list[list[str]]) -> tuple[int, int]:
    n = min(len(t) for t in toks)
    pre = 0
    while pre < n and all(t[pre] == toks[0][pre] for t in toks):
        pre += 1
    suf = 0
    while suf < n - pre and all(t[-1 - suf] == toks[0][-1 - suf] for t in toks):
        suf += 1
    return pre, suf


def _giving_way(pieces: Sequence[tuple[str, bool]]) -> list[int]:
    """The common pieces in the order they give way: the common end first (the series' name, which
    the chart's title has), then the longest (the rightmost of equal ones)."""
    last = len(pieces) - 1
    return sorted((i for i, (_t, c) in enumerate(pieces) if c), key=lambda i: (i != last, -len(pieces[i][0]), -i))


def given_way(pieces: Sequence[tuple[str, bool]], text: str) -> int:
    """How many common pieces ``shorten`` let give way to make ``text``."""
    whole = "".join(t for t, _c in pieces)
    if text == whole:
        return 0
    shown = [t for t, _c in pieces]
    for n, i in enumerate(_giving_way(pieces), 1):
        shown[i] = "" if i == len(pieces) - 1 else ELLIPSIS
        if "".join(shown).strip() == text:
            return n
    return len(_giving_way(pieces))


def shorten(pieces: Sequence[tuple[str, bool]], room: float, width: Callable[[str], float],
            elide: Callable[[str, str, float], str], give_way: int = 0) -> str:
    """A label (its ``segments``) in at most ``room`` pixels: whole when it fits; else its common
    pieces give way first (``_giving_way``): each becomes "…" (a common end is dropped), so what
    tells it apart stays whole; only when that alone is too wide do the telling pieces give way
    too, whole, from the left (the last, most particular, stays), and what is left is cut in its
    middle. ``width(text)`` measures; ``elide(text, side, room)``
    cuts on "left", "right" or "middle". ``give_way``: at least this many common pieces give way
    (so that entries alike are shortened alike)."""
    shown = [text for text, _c in pieces]
    if width("".join(shown)) <= room and not give_way:
        return "".join(shown)
    for n, i in enumerate(_giving_way(pieces), 1):
        shown[i] = "" if i == len(pieces) - 1 else ELLIPSIS
        text = "".join(shown).strip()
        if width(text) <= room and n >= give_way:
            return text
    # Only what tells it apart is left, and it is too wide: its telling pieces give way too, whole
    # and from the left (a name goes from the general to the particular: "…seed3" stays, not
    # "…0.001……s…3", cut piece by piece), pieces given way side by side one "…"; what is left,
    # still too wide, is cut in its middle.
    text = "".join(shown).strip()
    for i in [k for k, (_t, c) in enumerate(pieces) if not c][:-1]:
        shown[i] = ELLIPSIS
        text = _RUN_OF_ELLIPSES.sub(ELLIPSIS, "".join(shown)).strip()
        if width(text) <= room:
            return text
    return text if width(text) <= room else elide(text, "middle", room)


def shorten_all(all_pieces: Sequence[Sequence[tuple[str, bool]]], room: float, width: Callable[[str], float],
                elide: Callable[[str, str, float], str]) -> list[str]:
    """``shorten`` each label; when one of them lost its common end, labels of its shape lose it
    too (a legend or a table then reads as one); what else gives way is each label's own need."""
    texts = [shorten(p, room, width, elide) for p in all_pieces]
    need: dict[tuple, int] = {}
    for p, text in zip(all_pieces, texts):
        key = tuple(c for _t, c in p)
        first = _giving_way(p)[:1]
        ends = 1 if first and first[0] == len(p) - 1 and given_way(p, text) else 0
        need[key] = max(need.get(key, 0), ends)
    return [text if given_way(p, text) >= need[tuple(c for _t, c in p)]
            else shorten(p, room, width, elide, need[tuple(c for _t, c in p)]) for p, text in zip(all_pieces, texts)]


def fit_names(names: Sequence[str], room: float, width: Callable[[str], float],
              elide: Callable[[str, str, float], str]) -> list[str]:
    """Each of ``names`` in at most ``room``: whole when it fits, else shortened as the others beside
    it are (``segments`` of all of them, then ``shorten_all``), so what tells it apart stays."""
    return shorten_all(segments(names), room, width, elide)
