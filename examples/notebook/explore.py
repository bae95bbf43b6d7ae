# %% [markdown]
# # Exploring runs in a notebook with `import resultsbook as rb`
#
# Log a small sweep, collect it, look at the runs and their curves as pandas DataFrames, try a
# table, then fix it in `resultsbook.toml`. Everything runs in a temporary folder, in seconds,
# and the folder is removed at the end.
# `explore.ipynb` is this file as a notebook; `python explore.py` runs it as a script.

# %%
import os
import tempfile

import numpy as np

import resultsbook as rb

home = os.getcwd()
folder = tempfile.TemporaryDirectory(prefix="resultsbook-notebook-")  # removed by the last cell
os.chdir(folder.name)

# %% [markdown]
# A sweep: two models, two datasets, five seeds, each run logged by `rb.Run` into `runs/`.
# (A stand-in for training: accuracy rises towards a ceiling that depends on the model and the
# dataset, with seed noise; on the easy dataset the large model is barely better.) One run is
# missing: the tables will say so.

# %%
ceilings = {("small", "easy"): 0.90, ("small", "hard"): 0.70,
            ("large", "easy"): 0.91, ("large", "hard"): 0.78}
for (model, dataset), ceiling in ceilings.items():
    for seed in range(4 if (model, dataset) == ("large", "hard") else 5):
        rng = np.random.default_rng(seed)
        config = {"model": model, "dataset": dataset, "seed": seed, "lr": 0.01}
        with rb.Run("runs/", config=config, name=f"{model}_{dataset}_{seed}", unique=False) as run:
            for step in range(100, 2001, 100):
                accuracy = ceiling * (1 - np.exp(-step / 500))
                val, test = accuracy + rng.normal(0, 0.01, size=2)
                run.log(step, {"val/acc": val, "test/acc": test, "train/loss": 1 - accuracy})

# %% [markdown]
# Collect the runs into a store (`resultsbook.db`): the report is what `resultsbook collect` prints.

# %%
report = rb.collect("runs/", db="resultsbook.db")
print(report.summary_line())

# %% [markdown]
# One row per run: its fields, `params.*`, and `metrics.*` (each metric's last logged value, or
# the final value a run reported).

# %%
book = rb.open("resultsbook.db")
runs = book.runs()
runs[["name", "status", "params.model", "params.dataset", "params.seed", "metrics.test/acc"]].head()

# %%
runs.groupby(["params.model", "params.dataset"])["metrics.test/acc"].agg(["mean", "std", "count"])

# %% [markdown]
# Curves, long: one row per logged point, ready for `groupby` or a plotting library.

# %%
curves = book.series(["val/acc"], where={"dataset": "hard"})
by_model = curves.merge(runs[["run_id", "params.model"]], on="run_id")
by_model.groupby(["params.model", "step"])["value"].mean().unstack("params.model").tail()

# %% [markdown]
# A table over seeds, as `resultsbook table` computes it: the test accuracy at each run's best
# validation step, mean ± std over the seeds, the small model's row first (`order`, as in the
# spec; the values not listed follow, sorted). In a notebook it shows with its marks: the missing
# seed is marked (`*`), and so is a best that is not significantly better than the runner-up (`°`:
# the large model on the easy dataset).

# %%
table = book.table(rows="model", columns="dataset", metric="test/acc",
                   reduce="best(val/acc)", stats=["mean", "std"], order={"model": ["small", "large"]})
table

# %% [markdown]
# Its numbers as a DataFrame (statistics unrounded, `n` and the cells' marks as columns), and the
# runs behind every cell.

# %%
table.to_frame()

# %%
table.runs().head()

# %% [markdown]
# What `resultsbook status` says of it, one row per cell: the seeds it lacks, the params it mixes.
# (`book.problems()` lists what was wrong in the logs; here, nothing.)

# %%
table.status()

# %% [markdown]
# Happy with it? Put it in `resultsbook.toml`; `book.spec_table` then gives the table exactly as
# `resultsbook build` writes it, and `rb.build()` writes it.

# %%
with open("resultsbook.toml", "w") as spec:
    spec.write(
        '[labels.keys]\nmodel = "Model"\ndataset = "Dataset"\n\n'
        '[tables.main]\nmetric = "test/acc"\nreduce = "best(val/acc)"\nscale = 100\n'
        'rows = ["model"]\ncolumns = ["dataset"]\noutputs = ["paper/main.tex"]\n'
    )
book = rb.open("resultsbook.toml")
print(book.spec_table("main").to_latex())

# %%
built = rb.build()
print(built.written)
with open("paper/main.tex") as written:
    assert written.read().endswith(book.spec_table("main").to_latex())
book.close()
os.chdir(home)
folder.cleanup()  # the temporary folder, and the runs, store and paper in it
