"""Make Qt's SVG output of plots readable everywhere.

Qt writes a plot curve as a path in data coordinates inside a group whose ``transform`` maps data
to pixels, with ``vector-effect="non-scaling-stroke"`` so the line keeps its width. Renderers that
ignore that effect (librsvg, some editors) scale the stroke with the data transform and paint a
band or a block instead of a line. ``bake`` applies such transforms to the coordinates themselves,
so each group is plain pixel geometry. Pure text processing; nothing else in the file changes.
"""
from __future__ import annotations

import re

_GROUP = re.compile(r'<g ([^>]*?)transform="matrix\(([^)]*)\)"([^>]*)>(.*?)</g>', re.S)
_ELEMENT = re.compile(r'<(path|polyline|polygon)\b([^>]*?)/>', re.S)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _fmt(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) < 1e12 else repr(v)


def _map_pairs(numbers: list[float], m: tuple[float, ...]) -> list[str]:
    a, b, c, d, e, f = m
    out = []
    for i in range(0, len(numbers) - 1, 2):
        x, y = numbers[i], numbers[i + 1]
        out.append(f"{_fmt(a * x + c * y + e)},{_fmt(b * x + d * y + f)}")
    return out


def _bake_path(d: str, m) -> str | None:
    tokens = _PATH_TOKEN.findall(d)
    parts, nums = [], []
    for tok in tokens:
        if tok.isalpha():
            if tok.upper() not in "MLCZ" or tok.islower():
                return None  # relative or arc commands: leave the group as it is
            if nums:
                parts.extend(_map_pairs(nums, m))
                nums = []
            parts.append(tok)
        else:
            nums.append(float(tok))
    if nums:
        parts.extend(_map_pairs(nums, m))
    return " ".join(parts)


def bake(svg: str) -> str:
    def group(match: re.Match) -> str:
        before, matrix, after, body = match.groups()
        try:
            m = tuple(float(v) for v in matrix.replace(" ", ",").split(",") if v)
        except ValueError:
            return match.group(0)
        if len(m) != 6:
            return match.group(0)
        elements = _ELEMENT.findall(body)
        if not elements or _ELEMENT.sub("", body).strip() or any("non-scaling-stroke" not in attrs
                                                                 for _t, attrs in elements):
            return match.group(0)
        baked = []
        for tag, attrs in elements:
            if tag == "path":
                dm = re.search(r'd="([^"]*)"', attrs)
                new = _bake_path(dm.group(1), m) if dm else None
                if new is None:
                    return match.group(0)
                attrs = attrs.replace(dm.group(0), f'd="{new}"')
            else:
                pm = re.search(r'points="([^"]*)"', attrs)
                if not pm:
                    return match.group(0)
                pts = _map_pairs([float(v) for v in _NUMBER.findall(pm.group(1))], m)
                attrs = attrs.replace(pm.group(0), f'points="{" ".join(pts)}"')
            attrs = attrs.replace('vector-effect="non-scaling-stroke"', 'vector-effect="none"')
            baked.append(f"<{tag}{attrs}/>")
        return f"<g {before}{after}>\n" + "\n".join(baked) + "\n</g>"

    return _GROUP.sub(group, svg)
