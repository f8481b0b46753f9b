"""Demo projects: realistic training curves whose metrics are named differently per run.

``seed(store)`` is idempotent: an experiment, alias or chart set that already exists is left as
it is, so running it twice (or after the user edited the demo) changes nothing.
"""
from __future__ import annotations

import time

import numpy as np

from .errors import NotFound
from .store import Store

STEPS = 3000


def _curve(rng, steps, start, end, rate, noise):
    x = np.arange(steps, dtype=np.float64)
    clean = end + (start - end) * np.exp(-rate * x / steps)
    return clean + rng.normal(0.0, noise, steps) * (0.3 + 0.7 * np.exp(-x / steps))


def _runs():
    """(project, experiment, state, params, tags, {channel: kind}) for every demo experiment."""
    return [
        ("mnist", "baseline-sgd", "succeeded", {"lr": 0.01, "optimizer": "sgd"}, ["baseline"],
         {"loss": ("loss", 0), "acc": ("acc", 0), "val_loss": ("loss", 1), "val_acc": ("acc", 1)}),
        ("mnist", "adam-lr1e-3", "succeeded", {"lr": 1e-3, "optimizer": "adam"}, ["adam"],
         {"loss": ("loss", 2), "pred_acc": ("acc", 2), "val_loss": ("loss", 3), "val_acc": ("acc", 3)}),
        ("mnist", "adam-both-names", "succeeded", {"lr": 3e-4, "optimizer": "adam"}, ["adam", "renamed"],
         {"loss": ("loss", 4), "acc": ("acc", 4), "pred_acc": ("acc_alt", 4), "val_acc": ("acc", 5)}),
        ("mnist", "adam-lr1e-1-diverged", "failed", {"lr": 0.1, "optimizer": "adam"}, ["adam", "diverged"],
         {"loss": ("diverge", 6), "accuracy": ("acc_diverge", 6)}),
        # stopped early (no process writes it, so it is not shown as running)
        ("mnist", "wide-net-stopped", "aborted", {"lr": 1e-3, "width": 1024}, ["wide"],
         {"loss": ("loss_short", 7), "accuracy": ("acc_short", 7)}),
        ("cifar10", "resnet18", "succeeded", {"arch": "resnet18", "lr": 0.1}, ["resnet"],
         {"train/loss": ("loss", 10), "top1": ("acc", 10), "val/top1": ("acc", 11), "lr": ("lr", 10)}),
        ("cifar10", "resnet50", "succeeded", {"arch": "resnet50", "lr": 0.1}, ["resnet"],
         {"train_loss": ("loss", 12), "acc1": ("acc", 12), "val/top1": ("acc", 13), "lr": ("lr", 12)}),
        ("cifar10", "vit-small", "aborted", {"arch": "vit-s", "lr": 5e-4}, ["vit"],
         {"train_loss": ("loss_short", 14), "accuracy": ("acc_short", 14), "lr": ("lr_short", 14)}),
    ]


def _values(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = STEPS
    if kind.endswith("_short"):
        n = STEPS // 3
        kind = kind[: -len("_short")]
    x = np.arange(n, dtype=np.float64) * 10.0
    if kind == "loss":
        y = _curve(rng, n, 2.3, 0.05 + 0.05 * (seed % 3), 4.0 + seed % 4, 0.08)
        y = np.abs(y) + 1e-3
    elif kind in ("acc", "acc_alt"):
        y = _curve(rng, n, 0.1, 0.9 + 0.02 * (seed % 4), 5.0 + seed % 3, 0.015)
        if kind == "acc_alt":
            y = y - 0.05
        y = np.clip(y, 0.0, 1.0)
    elif kind == "lr":
        y = 0.1 * 0.5 * (1 + np.cos(np.pi * np.arange(n) / n))
    elif kind == "diverge":
        y = _curve(rng, n, 2.3, 0.4, 3.0, 0.1)
        blow = n // 2
        y[blow:blow + 200] = y[blow] * np.exp(np.linspace(0, 12, 200))
        y[blow + 200:] = np.nan
        y[blow + 199] = np.inf
    elif kind == "acc_diverge":
        y = np.clip(_curve(rng, n, 0.1, 0.7, 4.0, 0.02), 0, 1)
        y[n // 2:] = 0.1
    else:
        raise ValueError(kind)
    return x, y


#: The seed sweep: 4 learning rates x 5 seeds. Seeds 0-2 ran before a rename of the eval metric
#: (``val_acc``), seeds 3-4 after it (``eval/accuracy``); lr 0.3 seed 4 diverged and stopped early.
SWEEP_LRS = (0.3, 0.1, 0.03, 0.01)
SWEEP_SEEDS = 5
SWEEP_STEPS = 1000


def _sweep_runs():
    for i, lr in enumerate(SWEEP_LRS):
        for seed_ in range(SWEEP_SEEDS):
            rng = np.random.default_rng(1000 + 10 * i + seed_)
            n = SWEEP_STEPS // 2 if (lr == 0.3 and seed_ == 4) else SWEEP_STEPS
            x = np.arange(n, dtype=np.float64) * 10.0
            speed = 2.0 + 6.0 * (lr / 0.3) ** 0.5  # a higher lr learns faster here...
            final = 0.93 - 0.25 * (lr - 0.03) ** 2 / 0.07 - 0.02 * abs(np.log10(lr / 0.03))  # ...up to a point
            acc = np.clip(_curve(rng, n, 0.1, final, speed, 0.02 + 0.04 * lr), 0.0, 1.0)
            loss = np.abs(_curve(rng, n, 2.3, 0.1 + (1 - final), speed, 0.05 + 0.2 * lr)) + 1e-3
            state = "failed" if n < SWEEP_STEPS else "succeeded"
            eval_name = "val_acc" if seed_ < 3 else "eval/accuracy"
            yield (f"lr{lr:g}-seed{seed_}", state, {"lr": lr, "seed": seed_, "optimizer": "sgd"},
                   ["sweep"], {"loss": (x, loss), eval_name: (x, acc)})


ALIASES = {
    "mnist": {"accuracy": ["accuracy", "acc", "pred_acc"], "loss": ["loss", "train_loss"]},
    "cifar10": {"accuracy": ["accuracy", "top1", "acc1"], "loss": ["loss", "train/loss", "train_loss"]},
    "sweep": {"accuracy": ["eval/accuracy", "val_acc"]},
}

CHART_SETS = {
    "mnist": {
        "Training": [
            {"name": "Accuracy", "series": ["alias:accuracy", "channel:val_acc"]},
            {"name": "Loss", "series": ["alias:loss", "channel:val_loss"], "log_y": True},
        ],
    },
    "cifar10": {
        "Overview": [
            {"name": "Top-1 accuracy", "series": ["alias:accuracy", "channel:val/top1"]},
            {"name": "Training loss", "series": ["alias:loss"], "log_y": True, "smoothing": 0.6},
            {"name": "Learning rate", "series": ["channel:lr"]},
        ],
    },
    "sweep": {
        "Sweep": [
            {"name": "Eval accuracy", "series": ["alias:accuracy"]},
            {"name": "Loss", "series": ["channel:loss"], "log_y": True},
        ],
    },
}


def seed(store: Store) -> list[str]:
    """Fill ``store`` with the demo projects; returns the experiments it created."""
    created = []
    base = time.time() - 30 * 86400
    for i, (project, exp, state, params, tags, chans) in enumerate(_runs()):
        try:
            if store.channels(project, exp):
                continue
        except NotFound:
            pass
        start = base + i * 3 * 3600
        store.create_experiment(project, exp, params=params, tags=tags, state="running", created=start)
        batch = {}
        for j, (name, (kind, s)) in enumerate(chans.items()):
            x, y = _values(kind, s * 10 + j)
            batch[name] = (x, y, start + x * 0.5)
        store.append_many(project, exp, batch)
        if state != "running":
            store.set_state(project, exp, state, finished=start + STEPS * 5.0)
        created.append(f"{project}/{exp}")
    for i, (exp, state, params, tags, chans) in enumerate(_sweep_runs()):
        try:
            if store.channels("sweep", exp):
                continue
        except NotFound:
            pass
        start = base + 86400 + i * 1800
        store.create_experiment("sweep", exp, params=params, tags=tags, state="running", created=start)
        store.append_many("sweep", exp, {name: (x, y, start + x * 0.9) for name, (x, y) in chans.items()})
        store.set_state("sweep", exp, state, finished=start + len(next(iter(chans.values()))[0]) * 9.0)
        created.append(f"sweep/{exp}")
    for project, table in ALIASES.items():
        have = store.aliases(project)
        for name, entries in table.items():
            if name not in have:
                store.set_alias(project, name, entries)
    for project, sets in CHART_SETS.items():
        have = store.chart_sets(project)
        for name, charts in sets.items():
            if name not in have:
                store.set_chart_set(project, name, charts)
    return created
