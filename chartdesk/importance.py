"""Parameter importance for one summary column of a sweep (issue 20): which params go with a
metric such as ``accuracy:max``, over the runs a filter passes. Plain data, no Qt: ``chartdesk
importance`` prints it, the window's Parameter importance… dialog shows it (computed in a worker).

The metric is a runs-table column (``REF:REDUCER``, ``chartdesk.runs.table``: aliases resolve
through the one resolver rule, pins included), so runs that logged it under different names count
alike. Only runs with a finite metric are used. Params are flattened with dots (``optimizer.lr``)
and encoded so:

- numbers as they are (non-finite ones as missing); booleans as 0/1;
- anything else (text, lists, a param that is a number in some runs and text in others) as a
  category, **one-hot**: one row per value (``optimizer=adam``, 1 where the run has that value,
  0 where it has another, missing where it has none). A category of more than ``MAX_LEVELS``
  values (ids, paths) is left out, and so is a param with one value in every run: both are listed
  in ``skipped`` with the reason.

Per row: the Spearman rank correlation with the metric over the runs that have both (``n``): the
correlation of their average ranks, as ``scipy.stats.spearmanr`` computes it (tested against it),
with its two-sided p-value from Student's t when SciPy is installed (none without it); and a random forest's permutation
importance (scikit-learn's ``RandomForestRegressor``, fixed ``random_state``, a missing value is
the forest's own missing-value split; ``sklearn.inspection.permutation_importance``: the mean drop
in R² when the column is shuffled, and its standard deviation over the repeats). The importance is
measured on the runs the forest was fitted on (a sweep rarely has runs to spare for a held-out
set): it says what the forest relies on, not what would generalise. scikit-learn is the optional
``sweep`` extra; without it ``forest`` says so in one line and the correlations are still given.
With fewer than ``MIN_RUNS`` runs that have the metric no forest is fitted and ``warning`` says
why. Rows are sorted by importance (by |correlation| without a forest), missing values last.

Importing scikit-learn takes 1-3 s of a core: ``warm_up`` does it (and fits a forest of two trees
on 16 rows) on a thread of a worker process of the window, as the sweep views are first shown, so
that the first importance the person asks for does not wait for it (an import under way is
waited for, never done twice).
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import query
from .errors import InvalidInput
from .runs import table

log = logging.getLogger(__name__)

#: Fewer runs with the metric than this: no forest, and a warning.
MIN_RUNS = 8
#: A category with more values than this is left out (a column per run tells nothing).
MAX_LEVELS = 20
#: A correlation needs at least this many runs with both values.
MIN_PAIRS = 3
#: The forest: 32 trees, leaves of at least 2 runs, half the columns tried at each split; 5
#: shuffles per column. 1,000 runs x 51 columns take 2.6 s of one (busy) core, most of it the
#: 255 predictions of the permutations; 50 trees took 4.1 s and put the same param (lr, the one that
#: mattered there) first with the same importance to 1%.
N_TREES = 32
MIN_LEAF = 2
MAX_FEATURES = 0.5
N_REPEATS = 5
SEED = 0
INSTALL_HINT = "pip install 'chartdesk[sweep]'"
#: The columns of ``Importance.text_rows``.
HEADERS = ("param", "kind", "spearman", "p", "importance", "± std", "n")


@dataclass(frozen=True)
class Feature:
    name: str       # lr, optimizer.lr, optimizer=adam
    param: str      # the flattened param it comes from
    kind: str       # number, boolean, category
    n: int          # runs with both this value and the metric
    spearman: float | None = None
    p_value: float | None = None
    importance: float | None = None
    importance_std: float | None = None


@dataclass(frozen=True)
class Importance:
    project: str
    metric: str
    where: str | None
    runs: int            # runs the filter passed
    with_metric: int     # of them, runs with a finite metric: the ones used
    features: tuple[Feature, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (param, why it is not in the table)
    warning: str = ""    # too few runs for a forest, or none at all
    forest: str = ""     # why there is no forest importance ("" when there is one)
    correlation: str = "scipy"  # scipy: with p-values (scipy.special); numpy: without

    def to_dict(self) -> dict:
        return {"project": self.project, "metric": self.metric, "where": self.where, "runs": self.runs,
                "with_metric": self.with_metric, "warning": self.warning or None, "forest": self.forest or None,
                "correlation": self.correlation,
                "features": [{"name": f.name, "param": f.param, "kind": f.kind, "n": f.n, "spearman": f.spearman,
                              "p_value": f.p_value, "importance": f.importance, "importance_std": f.importance_std}
                             for f in self.features],
                "skipped": {p: why for p, why in self.skipped}}

    def text_rows(self) -> list[list[str]]:
        return [[f.name, f.kind, _num(f.spearman), _num(f.p_value, ".2g"), _num(f.importance),
                 _num(f.importance_std), str(f.n)] for f in self.features]

    def to_csv(self) -> str:
        """The table as CSV (exact values; an empty cell where there is none)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["param", "kind", "spearman", "p_value", "importance", "importance_std", "n"])
        for f in self.features:
            w.writerow([f.name, f.kind, *("" if v is None else repr(v) for v in
                                          (f.spearman, f.p_value, f.importance, f.importance_std)), f.n])
        return out.getvalue()

    def notes(self) -> list[str]:
        """One line each: the warning, why there is no forest, the params left out."""
        out = [self.warning] if self.warning else ([self.forest] if self.forest else [])
        if self.skipped:
            out.append("left out: " + "; ".join(f"{p} ({why})" for p, why in self.skipped))
        return out


def _num(v, fmt: str = ".3f") -> str:
    return "" if v is None else format(v, fmt)


# ---- encoding ------------------------------------------------------------------------------
def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _text(v) -> str:
    return v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)


def encode(flats: Sequence[dict]) -> tuple[list[tuple[str, str, str, np.ndarray]], list[tuple[str, str]]]:
    """The columns of the runs' flattened params: ([(name, param, kind, column)], [(param, why
    skipped)]); a column has one float per run, NaN where the run has no value."""
    columns, skipped = [], []
    for key in sorted({k for flat in flats for k in flat}):
        vals = [flat.get(key) for flat in flats]
        present = [v for v in vals if v is not None]
        if not present:
            skipped.append((key, "no value in any run with the metric"))
            continue
        if all(isinstance(v, bool) for v in present):
            col = np.array([np.nan if v is None else float(v) for v in vals])
            kinds = [(key, "boolean", col)]
        elif all(_is_number(v) for v in present):
            col = np.array([np.nan if v is None else float(v) for v in vals])
            col[~np.isfinite(col)] = np.nan
            kinds = [(key, "number", col)]
        else:
            texts = [None if v is None else _text(v) for v in vals]
            levels = sorted({t for t in texts if t is not None})
            if len(levels) > MAX_LEVELS:
                skipped.append((key, f"{len(levels)} different values, more than {MAX_LEVELS}"))
                continue
            if len(levels) == 1:
                skipped.append((key, f"the same in every run that has it ({levels[0]})"))
                continue
            kinds = [(f"{key}={lv}", "category", np.array([np.nan if t is None else float(t == lv) for t in texts]))
                     for lv in levels]
        if kinds[0][1] != "category":
            finite = kinds[0][2][np.isfinite(kinds[0][2])]
            if finite.size == 0 or np.all(finite == finite[0]):
                skipped.append((key, "no finite value" if finite.size == 0 else
                                f"the same in every run that has it ({present[0]})"))
                continue
        columns.extend((name, key, kind, col) for name, kind, col in kinds)
    return columns, skipped


# ---- correlation ---------------------------------------------------------------------------
def rank(a: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (as ``scipy.stats.rankdata``)."""
    _u, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
    upto = np.cumsum(counts)
    return ((upto - counts + 1 + upto) / 2.0)[inverse.ravel()]


def spearman_numpy(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rho: Pearson's correlation of the average ranks; None when either is constant."""
    rx, ry = rank(np.asarray(x, float)), rank(np.asarray(y, float))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = math.sqrt(float(np.dot(rx, rx)) * float(np.dot(ry, ry)))
    return None if den == 0 else float(np.dot(rx, ry) / den)


def _spearman(x: np.ndarray, y: np.ndarray, special) -> tuple[float | None, float | None]:
    """(rho, two-sided p-value) as ``scipy.stats.spearmanr`` gives them: the p-value from Student's
    t with n - 2 degrees of freedom (``scipy.special.stdtr``: spearmanr's own call costs some 20 ms
    a param); None, None when either is constant; no p-value without SciPy."""
    if np.all(x == x[0]) or np.all(y == y[0]):
        return None, None
    rho = spearman_numpy(x, y)
    if rho is None or special is None:
        return rho, None
    dof = len(x) - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = rho * math.sqrt(max(0.0, dof / ((rho + 1.0) * (1.0 - rho)))) if abs(rho) < 1 else math.inf
    p = float(2 * special.stdtr(dof, -abs(t)))
    return rho, (None if math.isnan(p) else min(1.0, p))


def _scipy_special():
    try:
        from scipy import special
    except ImportError:
        return None
    return special


# ---- the forest ----------------------------------------------------------------------------
_warming: threading.Thread | None = None


def _warm() -> None:
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:  # no forest then: importance says so in one line
        return
    rng = np.random.default_rng(SEED)
    x, y = rng.uniform(size=(16, 3)), rng.uniform(size=16)
    RandomForestRegressor(n_estimators=2, min_samples_leaf=MIN_LEAF, random_state=SEED, n_jobs=1).fit(x, y).predict(x)


def warm_up(_store=None) -> bool:
    """Import scikit-learn (and fit a tiny forest) on a thread of this process, once; returns at
    once (True when this call started it). Sent to the window's worker processes by name
    (``WorkerPool.warm``), never run on a thread of the window: an import holds the GIL."""
    global _warming
    if _warming is not None:
        return False
    _warming = threading.Thread(target=_warm, name="scikit-learn warm-up", daemon=True)
    _warming.start()
    return True


#: The permuted copies of the runs are predicted this many rows at a time (20 MB at 50 params).
PREDICT_ROWS = 50_000


def forest_importance(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Permutation importance (mean, std) of each column of ``x`` for a random forest fitted on
    (x, y); NaN in x is a missing value. ImportError without scikit-learn."""
    from sklearn.ensemble import RandomForestRegressor

    model = RandomForestRegressor(n_estimators=N_TREES, min_samples_leaf=MIN_LEAF, max_features=MAX_FEATURES,
                                  random_state=SEED, n_jobs=1)
    model.fit(x, y)
    return permutation_drops(model, x, y, N_REPEATS, SEED)


def permutation_drops(model, x: np.ndarray, y: np.ndarray, repeats: int, seed: int,
                      rows: int = PREDICT_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """``sklearn.inspection.permutation_importance(model, x, y, n_repeats=repeats,
    random_state=seed)`` (R², every row, no weights): the same shuffles drawn the same way (one
    seed drawn from ``seed``, each column's repeats shuffling a copy of ``x`` in turn), so the same
    numbers to the bit; but every permuted copy is predicted in a few calls of ``rows`` rows
    instead of one call per column and repeat (at 1,000 runs x 50 params, 250 calls of the
    forest's per-tree loop were 3 of its 3.5 s)."""
    n, m = x.shape
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    baseline = r2_rows(y, model.predict(x)[None, :])[0]
    scores = np.empty((m, repeats))
    per_call = max(1, rows // max(1, n * repeats))  # columns whose copies go in one call
    for first in range(0, m, per_call):
        columns = range(first, min(m, first + per_call))
        copies = []
        for j in columns:
            shuffles = np.random.RandomState(column_seed)
            permuted, order = x.copy(), np.arange(n)
            for _ in range(repeats):
                shuffles.shuffle(order)
                permuted[:, j] = permuted[order, j]
                copies.append(permuted.copy())
        predicted = model.predict(np.concatenate(copies)).reshape(len(columns), repeats, n)
        scores[columns.start:columns.stop] = r2_rows(y, predicted.reshape(-1, n)).reshape(len(columns), repeats)
    drops = baseline - scores
    return np.mean(drops, axis=1), np.std(drops, axis=1)


def r2_rows(y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """``sklearn.metrics.r2_score(y, p)`` for each row ``p`` of ``predicted``, at once (its rules:
    1 for a perfect prediction, 0 for an imperfect one of a constant ``y``)."""
    num = np.sum((y - predicted) ** 2, axis=1)
    den = np.sum((y - np.mean(y)) ** 2)
    out = np.ones(len(num))
    fits = (num != 0) & (den != 0)
    out[fits] = 1 - num[fits] / den
    out[(num != 0) & (den == 0)] = 0.0
    return out


def importance(store, project: str, metric: str, where: str | None = None) -> Importance:
    """Spearman correlation and forest importance of every param for ``metric`` (REF:REDUCER)
    over the runs of ``project`` that ``where`` passes."""
    if not isinstance(metric, str) or not metric.strip():
        raise InvalidInput(f"the metric is a summary column REF:REDUCER such as accuracy:max, not {metric!r}")
    metric = metric.strip()
    rows = table(store, project, where=where, columns=[metric])
    used = [r for r in rows if _finite(r["columns"].get(metric))]
    y = np.array([float(r["columns"][metric]) for r in used])
    columns, skipped = encode([query.flatten(dict(r["params"])) for r in used])
    special = _scipy_special()
    warning = ""
    if len(used) < MIN_RUNS:
        warning = (f"{_how_many(len(used), len(rows))} a value for {metric}: fewer than {MIN_RUNS} runs, so no "
                   f"forest importance; correlations over so few runs mean little")
    found = []
    for name, param, kind, col in columns:
        mask = np.isfinite(col)
        n = int(mask.sum())
        rho, p = _spearman(col[mask], y[mask], special) if n >= MIN_PAIRS else (None, None)
        found.append(Feature(name, param, kind, n, rho, p))
    forest = ""
    if warning:
        forest = f"no forest: fewer than {MIN_RUNS} runs with {metric}"
    elif not found:
        forest = "no forest: no param varies across these runs"
    else:
        try:
            mean, std = forest_importance(np.column_stack([c for *_h, c in columns]), y)
        except ImportError:
            forest = f"scikit-learn is not installed, so no forest importance ({INSTALL_HINT}); Spearman only"
        else:
            found = [Feature(f.name, f.param, f.kind, f.n, f.spearman, f.p_value, float(m), float(s))
                     for f, m, s in zip(found, mean, std)]
    found.sort(key=_order)
    return Importance(project, metric, where, len(rows), len(used), tuple(found), tuple(skipped), warning, forest,
                      "scipy" if special is not None else "numpy")


def _how_many(used: int, total: int) -> str:
    if used == 0:
        return "no run has"
    of = f" of {total}" if used < total else ""
    return f"only 1 run{of} has" if used == 1 else f"only {used} runs{of} have"


def _finite(v) -> bool:
    return _is_number(v) and math.isfinite(v)


def _order(f: Feature):
    return (f.importance is None, -(f.importance or 0.0), f.spearman is None, -abs(f.spearman or 0.0), f.name)
