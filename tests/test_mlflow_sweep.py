"""An MLflow file store of a hyperparameter search, committed as it was left (Joaggi/anomaly-detection-
density-matrix-kernel-density-estimation@74c887f9, mlruns/): every run of a sweep has the one name
`oneclass`, and a few runs that crashed before logging a param sit in `<experiment id>/<run id>/`."""

from __future__ import annotations

from pathlib import Path


def mlflow_run(
    root: Path, experiment: str, run_id: str, name: str, params: dict, metrics: dict, status: int = 3
):
    """Write one run of MLflow's file store as MLflow 1.x writes it (status 3: FINISHED)."""
    exp = root / experiment
    exp.mkdir(parents=True, exist_ok=True)
    (exp / "meta.yaml").write_text(
        f"artifact_location: mlflow/\nexperiment_id: '{experiment}'\nlifecycle_stage: active\nname: sweep-{experiment}\n"
    )
    run = exp / run_id
    for folder in ("params", "metrics", "tags"):
        (run / folder).mkdir(parents=True)
    (run / "meta.yaml").write_text(
        f"artifact_uri: mlflow/{run_id}/artifacts\nend_time: 1638144292395\nentry_point_name: ''\n"
        f"experiment_id: '{experiment}'\nlifecycle_stage: active\nname: ''\nrun_id: {run_id}\n"
        f"run_uuid: {run_id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\n"
        f"start_time: 1638144292017\nstatus: {status}\ntags: []\nuser_id: root\n"
    )
    (run / "tags" / "mlflow.runName").write_text(name)
    for key, value in params.items():
        (run / "params" / key).write_text(str(value))  # no newline, as MLflow writes them
    for key, value in metrics.items():
        (run / "metrics" / key).write_text(f"1638144292363 {value} 0\n")


def _run_id(index: int) -> str:
    """Return a run id as MLflow makes them: 32 hex digits (with a letter, as nearly all have)."""
    return f"a{index:031x}"


def test_a_run_far_from_the_others_is_named_by_its_id_where_the_sweep_gives_every_run_one_name(cli, tmp_path):
    """`cardio: the run oneclass gave 0.326` named one of 802 runs called oneclass: `show oneclass` finds none."""
    for index, value in enumerate((0.8, 0.79, 0.81, 0.8, 0.78, 0.326)):
        params = {"z_dataset": "cardio", "z_nu": 0.02 * (index + 1)}
        mlflow_run(tmp_path / "mlruns", "2", _run_id(index), "oneclass", params, {"f1_score": value})
    assert cli("collect", "mlruns").exit_code == 0
    far = cli("runs", "--where", "z_nu=0.12").output.splitlines()[2].split()[0]
    result = cli("table", "--rows", "z_dataset", "--metric", "f1_score", "--goal", "f1_score=max")
    assert f"cardio: the run {far} (oneclass) gave 0.326, far from the other 5" in result.output
    assert "the run oneclass gave" not in result.output
    assert cli("show", far).exit_code == 0  # the id it names is one `show` takes


def test_mlflow_runs_that_logged_no_param_are_not_told_to_make_their_run_ids_params(cli, tmp_path):
    """Runs that crashed before their first log_param: `--pattern '{level1}/{level2}/meta.yaml'` would
    have made the experiment id and the run's random id its params."""
    mlflow_run(tmp_path / "mlruns", "1", _run_id(1), "oneclass", {"z_nu": 0.1}, {"f1_score": 0.8})
    mlflow_run(tmp_path / "mlruns", "5", _run_id(2), "oneclass", {}, {}, status=1)
    mlflow_run(tmp_path / "mlruns", "6", _run_id(3), "isolation", {}, {}, status=4)
    result = cli("collect", "mlruns")
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output
    assert "--pattern" not in result.output


def test_a_points_figure_of_its_own_cells_warns_of_their_marks_as_a_table_does(cli, tmp_path):
    """`x = "z_nu"`, `hue = "z_dataset"` over a grid of nu × gamma: each slot averaged 15 gammas, and
    `build` said so of the table beside it but not of the figure."""
    index = 0
    for dataset in ("cardio", "thyroid"):
        for nu in (0.1, 0.2):
            for gamma in (0.25, 0.5, 1.0):
                params = {"z_dataset": dataset, "z_nu": nu, "z_gamma": gamma}
                mlflow_run(
                    tmp_path / "mlruns",
                    "2",
                    _run_id(index),
                    "oneclass",
                    params,
                    {"f1_score": 0.5 + gamma / 10},
                )
                index += 1
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "mlruns"\n\n[figures.nu]\nkind = "points"\nmetric = "f1_score"\nx = "z_nu"\n'
        'hue = "z_dataset"\noutputs = ["results/nu.pdf"]\n'
    )
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert (
        "Warning: nu: cardio / 0.1 and 3 more cell(s): averages runs that differ in z_gamma" in result.output
    )


def test_a_path_inside_an_mlflow_file_store_collects_its_run_or_says_what_to_collect(cli, tmp_path):
    """`collect mlruns/1/meta.yaml` stored a run of four params (the experiment's name, id, artifact
    location), status unknown; a run's metrics folder advised --adapter, one of its files no adapter."""
    run = tmp_path / "mlruns" / "1" / _run_id(7)
    mlflow_run(tmp_path / "mlruns", "1", _run_id(7), "oneclass", {"z_nu": 0.1}, {"f1_score": 0.8})
    experiment = cli("collect", "mlruns/1/meta.yaml")
    assert experiment.exit_code == 2
    assert (
        "it is the meta.yaml of MLflow experiment 1, not of a run: collect its folder mlruns/1"
        in experiment.output
    )
    assert not (tmp_path / "resultsbook.db").exists()
    folder = cli("collect", str(run / "metrics"))
    assert f"it lies inside the MLflow run folder {run}: collect that folder" in folder.output
    assert "1 new, 0 updated" in cli("collect", str(run / "metrics" / "f1_score")).output
    assert (
        "0 new, 0 updated, 1 unchanged" in cli("collect", str(run / "params" / "z_nu")).output
    )  # the same run
    listed = cli("runs", "--metric", "f1_score").output
    assert "1 run(s)" in listed and "0.8" in listed


def _nested_search(root: Path, parent_value: float | None = None) -> None:
    """Write two searches as MLflow nests them: a parent run per model, which logs its children's mean
    under their metric's name and holds their model but no seed, and three child runs, one per seed."""
    index = 100
    for model, base in (("mlp", 0.8), ("cnn", 0.9)):
        parent = _run_id(index)
        values = [base + seed / 100 for seed in range(3)]
        for seed, value in enumerate(values):
            child = _run_id(index + 1 + seed)
            mlflow_run(
                root, "1", child, f"{model}-seed{seed}", {"model": model, "seed": seed}, {"val_acc": value}
            )
            (root / "1" / child / "tags" / "mlflow.parentRunId").write_text(parent)
        summary = sum(values) / 3 if parent_value is None else parent_value
        mlflow_run(root, "1", parent, f"{model}-search", {"model": model}, {"val_acc": summary})
        index += 10


def test_an_mlflow_parent_run_is_not_counted_as_one_more_seed_beside_its_children(cli, tmp_path):
    """A search's parent run logged its children's mean as val_acc and holds their model: the cell
    averaged it with its three seeds, `over n = 4 runs`, without a mark."""
    _nested_search(tmp_path / "mlruns", parent_value=0.0)  # a parent far from its children: seen if counted
    assert cli("collect", "mlruns").exit_code == 0
    result = cli(
        "table", "--rows", "model", "--metric", "val_acc", "--goal", "val_acc=max", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    rows = {line.split(",")[0]: line.split(",") for line in result.output.splitlines()}
    assert [round(float(value), 9) for value in rows["cnn"][1:3]] == [0.91, 0.01], result.output
    assert [round(float(value), 9) for value in rows["mlp"][1:3]] == [0.81, 0.01], result.output
    shown = cli("table", "--rows", "model", "--metric", "val_acc", "--goal", "val_acc=max").output
    assert "over n = 3 seeds" in shown
    assert (
        "2 cell(s) hold MLflow child runs and their parent run (tag mlflow.parentRunId), which is not counted "
        "(mlp: mlp-search; cnn: cnn-search)"
    ) in shown
    alone = cli("table", "--rows", "model", "--metric", "val_acc", "--where", "name~search").output
    assert "0 ± " not in alone and "not counted" not in alone  # a parent alone in its cell is its value


def test_a_notebook_table_says_the_parent_run_it_left_out(tmp_path):
    """`book.table(...).notes` said nothing of it: the remark reached the command's stderr only."""
    import resultsbook as rb

    _nested_search(tmp_path / "mlruns")
    rb.collect(str(tmp_path / "mlruns"), db=str(tmp_path / "resultsbook.db"))
    with rb.open(str(tmp_path / "resultsbook.db")) as book:
        table = book.table(rows="model", metric="val_acc")
        assert table.to_frame()["n"].tolist() == [3, 3]
        assert any("which is not counted (mlp: mlp-search; cnn: cnn-search)" in note for note in table.notes)


def test_a_collect_into_the_store_of_a_spec_above_names_that_store(cli, tmp_path, monkeypatch):
    """`resultsbook collect mlruns` in a subfolder of a paper's project wrote a stranger's runs into the
    paper's store, saying only `Collected mlruns: 8 new`."""
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n')
    sub = tmp_path / "nest"
    _nested_search(sub / "mlruns")
    monkeypatch.chdir(sub)
    result = cli("collect", "mlruns")
    assert result.exit_code == 0, result.output
    assert (
        "Collected mlruns into ../resultsbook.db, the store of the nearest resultsbook.toml (--db names another)"
        in (result.output)
    )
    assert "Collected mlruns: 0 new" in cli("collect", "mlruns", "--db", "../resultsbook.db").output


def test_an_mlflow_run_id_of_digits_alone_is_its_folder_name_not_a_number(cli, tmp_path):
    """meta.yaml writes the id unquoted, so `run_id: 00000000000000000000000000000064` was the number 64:
    the run's mlflow.run_id said 64, and its children (mlflow.parentRunId = 0000…0064) found no parent."""
    parent = "0" * 30 + "64"
    for seed in range(3):
        child = _run_id(seed)
        mlflow_run(tmp_path / "mlruns", "1", child, f"s{seed}", {"model": "mlp", "seed": seed}, {"acc": 0.8})
        (tmp_path / "mlruns" / "1" / child / "tags" / "mlflow.parentRunId").write_text(parent)
    mlflow_run(tmp_path / "mlruns", "1", parent, "search", {"model": "mlp"}, {"acc": 0.0})
    assert cli("collect", "mlruns").exit_code == 0
    assert f"mlflow.run_id = {parent}" in cli("show", "search").output
    table = cli("table", "--rows", "model", "--metric", "acc", "--goal", "acc=max").output
    assert "over n = 3 seeds" in table and "(mlp: search)" in table


def test_a_figure_leaves_out_an_mlflow_parent_run_beside_its_children_and_says_so(cli, tmp_path):
    """A curve per model, and points per model, averaged the search's parent run with its seeds."""
    _nested_search(tmp_path / "mlruns", parent_value=0.0)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "mlruns"\n\n[figures.curve]\nkind = "curve"\nmetric = "val_acc"\nhue = "model"\n'
        'outputs = ["curve.pdf"]\n\n[figures.dots]\nkind = "points"\nmetric = "val_acc"\nhue = "model"\n'
        'outputs = ["dots.pdf"]\n'
    )
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert "curve: 2 line(s) hold MLflow child runs and their parent run" in result.output
    assert "(model=cnn: cnn-search; model=mlp: mlp-search)" in result.output
    assert "dots: 2 cell(s) hold MLflow child runs and their parent run" in result.output
