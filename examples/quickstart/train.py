"""A real, tiny experiment: logistic regression and a small MLP, trained with numpy on two toy
datasets, 5 seeds each. Each run is logged with resultsbook.Run into runs/<model>_<dataset>_seed<n>/
(config, metrics, and what produced them: git commit, command, packages...), seconds in all.

    python train.py                 # all 20 runs
    python train.py --seeds 0 1     # fewer
"""

from __future__ import annotations

import argparse
import math
import os

import numpy as np

import resultsbook

MODELS = ("logreg", "mlp")
DATASETS = ("moons", "circles")
STEPS = 300
EVAL_EVERY = 25


def make_dataset(name: str, rng: np.random.Generator, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """Two classes that a line separates badly: interleaved half-moons or nested circles."""
    labels = rng.integers(0, 2, n)
    angle = rng.uniform(0, math.pi, n)
    if name == "moons":
        x = np.where(labels == 0, np.cos(angle), 1 - np.cos(angle))
        y = np.where(labels == 0, np.sin(angle), 0.5 - np.sin(angle))
    else:
        radius = np.where(labels == 0, 1.0, 0.5)
        x, y = radius * np.cos(2 * angle), radius * np.sin(2 * angle)
    points = np.column_stack([x, y]) + rng.normal(0, 0.15, (n, 2))
    return points, labels.astype(np.float64)


def init_params(model: str, rng: np.random.Generator, hidden: int) -> dict[str, np.ndarray]:
    if model == "logreg":
        return {"w": rng.normal(0, 0.1, (2, 1)), "b": np.zeros(1)}
    return {
        "w1": rng.normal(0, 1.0, (2, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.normal(0, 1.0 / math.sqrt(hidden), (hidden, 1)),
        "b2": np.zeros(1),
    }


def forward(model: str, params: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if model == "logreg":
        return (x @ params["w"] + params["b"]).ravel(), None
    hidden = np.tanh(x @ params["w1"] + params["b1"])
    return (hidden @ params["w2"] + params["b2"]).ravel(), hidden


def gradients(model: str, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    logits, hidden = forward(model, params, x)
    prob = 1 / (1 + np.exp(-logits))
    loss = float(-np.mean(y * np.log(prob + 1e-12) + (1 - y) * np.log(1 - prob + 1e-12)))
    delta = ((prob - y) / len(y))[:, None]
    if model == "logreg":
        return loss, {"w": x.T @ delta, "b": delta.sum(0)}
    assert hidden is not None
    back = (delta @ params["w2"].T) * (1 - hidden**2)
    grads = {"w2": hidden.T @ delta, "b2": delta.sum(0), "w1": x.T @ back, "b1": back.sum(0)}
    return loss, grads


def accuracy(model: str, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((forward(model, params, x)[0] > 0) == (y > 0.5)))


def train(model: str, dataset: str, seed: int, out: str) -> str | None:
    """Train one configuration and write its run folder; return the folder."""
    config = {"model": model, "dataset": dataset, "seed": seed, "lr": 0.5 if model == "logreg" else 0.3,
              "steps": STEPS, "hidden": 16 if model == "mlp" else None}
    resultsbook.seed_everything(seed)  # random, numpy's global generator, torch if installed
    rng = np.random.default_rng(seed)
    x, y = make_dataset(dataset, np.random.default_rng(1000 + seed))
    split = {"train": slice(0, 400), "val": slice(400, 500), "test": slice(500, 600)}
    params = init_params(model, rng, 16)
    # one folder per configuration (unique=False): rerunning replaces it, so no seed counts twice
    with resultsbook.Run(out, config=config, name=f"{model}_{dataset}_seed{seed}", unique=False) as run:
        for step in range(1, STEPS + 1):
            batch = rng.choice(400, 64, replace=False)
            loss, grads = gradients(model, params, x[split["train"]][batch], y[split["train"]][batch])
            for key in params:
                params[key] -= config["lr"] * grads[key]
            record = {"train/loss": round(loss, 6)}
            if step % EVAL_EVERY == 0:
                for part in ("val", "test"):
                    record[f"{part}/acc"] = accuracy(model, params, x[split[part]], y[split[part]])
            run.log(step, record)
    return run.folder  # None on a process that does not write (rank != 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    args = parser.parse_args()
    for model in args.models:
        for dataset in args.datasets:
            for seed in args.seeds:
                train(model, dataset, seed, args.out)
    count = len(args.models) * len(args.datasets) * len(args.seeds)
    print(f"wrote {count} runs to {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
