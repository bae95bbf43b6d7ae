"""Which fields of a result file are params and which are results: one rule, stated once.

A file of results (report.json, results.json, a YAML summary) mixes the configuration of a run with
what it measured, and nothing in JSON tells them apart: an integer may be a batch size or a count of
correct answers. The rule, applied to each flattened key (`metrics.test.score`) from the outside in:

1. the user's choice first: `ignore`, then `params`, then `metrics` (globs on dotted keys);
2. the first part of the key that names a *section* decides: a config section (`config`, `args`,
   `hparams`, ...) makes it a param, a result section (`metrics`, `results`, `scores`, `test`,
   `val`, ..., and `*_result(s)`, `*_metric(s)`, `*_score(s)` as `pws_result`) makes it a result;
3. else a key named like a replicate or a hyperparameter (`seed`, `fold`, `split`, `lr`,
   `batch_size`, `eval_interval`, `save_freq`, ...) is a param, and a part named like a result
   (`loss`, `accuracy`, `test_acc`, `val_f1`, `best_step`, `episode_rewards`, ...) makes it a result
   (`eval_batch_size` is not: a prefix alone says nothing);
4. else the file decides: every number in a file named as results (results.json, metrics.json,
   scores.json, stats.json, eval_results.json, *_results.json, *_metrics.json, *.stats.json,
   summary_*.json) or by its seed
   (seed_0.json, controls_seed3.json; not config_seed0.json) is a result; anywhere else it is a param.

A result is a number (integers included: a count is a result too) or a list of numbers (a curve); text
and booleans under a result section are neither, and are dropped rather than made into params that
would differ between seeds. Everything else is a param.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["param", "result", "drop"]

PARAM_SECTIONS = frozenset(
    {
        "config", "cfg", "conf", "configuration", "args", "arguments", "argv", "params", "parameters",
        "hparams", "hyperparameters", "hyper_parameters", "hyperparams", "settings", "options", "opts",
        "flags", "training_args", "model_args", "data_args", "hydra", "env", "environment", "meta",
        "metadata",
    }
)  # fmt: skip
RESULT_SECTIONS = frozenset(
    {
        "metrics", "metric", "results", "result", "scores", "score", "eval", "evaluation", "evaluations",
        "test", "testing", "val", "valid", "validation", "dev", "summary", "final", "best", "performance",
        "stats", "statistics", "losses",
    }
)  # fmt: skip
_RESULT_SECTION = re.compile(
    r"\w+[_\-](results?|metrics?|scores?)", re.IGNORECASE
)  # pws_result, test_metrics
_RESULT_WORD = re.compile(
    r"^(best|final)[_/\-.]"
    r"|[_/\-.](loss|losses|acc|accuracy|score|scores|error|errors|err|f1|auc|auroc|auprc|rmse|mse|mae|r2"
    r"|nll|ppl|perplexity|rewards?|returns?|success|success_rate|bleu|rouge\w*|precision|recall|iou|map"
    r"|wer|cer)$"
    r"|^(loss|acc|accuracy|score|error|f1|auc|auroc|rmse|mse|mae|r2|nll|ppl|perplexity|reward|return"
    r"|success|success_rate|bleu|precision|recall|iou|wer|cer|top1|top5)$",
    re.IGNORECASE,
)
_PARAM_WORD = re.compile(
    r"(\w+_)?seed|fold|split|trial|repeat|replicate|run_index|lr|learning_rate|batch_size"
    r"|weight_decay|dropout|momentum"
    # how often a run evaluated, logged or saved (not a `confidence_interval`)
    r"|((eval|evaluation|log|logging|save|checkpoint|ckpt|print|val|validation|test|target_update|update"
    r"|report)_)?(interval|freq|frequency)",
    re.IGNORECASE,
)
_RESULT_FILE = re.compile(
    r"^(results?|metrics?|scores?|summary|eval|evaluation|stats|statistics)(\.[^.]+)?$"
    # a run's own file of them (`test_results.json`, `1.stats.json`, `train_stats.json`)
    r"|^.*[_\-.](results?|metrics?|scores?|stats)\.[^.]+$"
    # the word first, then what the run is (`summary_unet_s0.json`, `results_fold2.json`); not a date
    # (lm-evaluation-harness's `results_2025-01-24T19-02-29.json`, read apart), a summary's config
    # (`summary_config.json`) nor one epoch's (AllenNLP's `metrics_epoch_3.json`, read apart)
    r"|^(results?|metrics?|scores?|summary)[_\-](?!(config|cfg|args|params|hparams|settings|options|epoch)"
    r"([_\-.]|\d))[a-z][^.]*\.[^.]+$"
    # a file named by its seed (`seed_0.json`, `controls_seed3.json`): one seed's results, not its config
    r"|^(?!(config|cfg|args|params|hparams|settings|options)[_\-=.])(.*[_\-])?seed[_\-=]?\d+\.[^.]+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FieldRule:
    """The user's globs over dotted keys; the built-in rule decides the rest."""

    params: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def kind(self, key: str, results_file: bool) -> Kind:
        """Return whether a dotted key holds a param, a result, or something to drop (user's choice)."""
        if _any_glob(key, self.ignore):
            return "drop"
        if _any_glob(key, self.params):
            return "param"
        if _any_glob(key, self.metrics):
            return "result"
        return key_kind(key.split("."), results_file)


def key_kind(parts: Sequence[str], results_file: bool) -> Literal["param", "result"]:
    """Return the built-in kind of a key from its parts (steps 2-4 of the module's rule)."""
    for index, part in enumerate(parts):
        lowered = part.lower()
        leaf = index == len(parts) - 1
        if not leaf and lowered in PARAM_SECTIONS:
            return "param"
        if lowered in RESULT_SECTIONS or (not leaf and _RESULT_SECTION.fullmatch(lowered)):
            return "result"
    if _PARAM_WORD.fullmatch(parts[-1]):
        return "param"
    if any(_RESULT_WORD.search(part) for part in parts):
        return "result"
    return "result" if results_file else "param"


def is_results_file(name: str) -> bool:
    """Tell whether a file's name says it holds results (every number in it is then a result)."""
    return bool(_RESULT_FILE.match(name))


def _any_glob(key: str, globs: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(key, glob) for glob in globs)
