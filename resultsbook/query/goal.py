"""Which way is better for a metric: its `goal` ("max" or "min"), set in the spec or on the command line,
else taken from its name only when a whole path component is a documented name.

A metric name is split into path components at `/` and `.`; a component names a goal when it is one
of the names below, alone or after a split prefix (`val_loss`, `test-acc`), itself after `best_`
(AllenNLP's `best_validation_accuracy`: the best epoch's value, better the same way), and alone or
before a cutoff (`acc@1`) or Lightning's `_epoch`/`_step`. `answer_acc` and
`fidelity` name none: their goal must be set. A name with components of both kinds names none, and
so does one whose last component measures neither way (`loss/policy_entropy`: its `loss/` is a folder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOWER_IS_BETTER = (
    "loss", "error", "err", "error_rate", "nll", "perplexity", "ppl", "regret", "mse", "mae", "rmse",
    "wer", "cer", "fid", "latency", "cost", "top1_err", "top5_err", "top1_error", "top5_error", "ter",
    "lpips", "bpd", "bits_per_dim", "losses",
)  # fmt: skip
HIGHER_IS_BETTER = (
    "acc", "accuracy", "top1", "top5", "f1", "auc", "auroc", "bleu", "rouge", "return", "reward",
    "score", "success", "success_rate", "precision", "recall", "map", "iou", "miou", "psnr", "ssim",
    "hns", "mean_reward", "ep_rew_mean", "episodic_return", "macc", "aacc", "dice", "mdice", "fscore",
    "mfscore", "em", "exact_match", "top1_acc", "top5_acc", "top1_accuracy", "top5_accuracy", "acc1",
    "acc5", "acc_top1", "acc_top5", "acc_norm", "macro_f1", "micro_f1", "weighted_f1", "f1_macro",
    "f1_micro", "f1_weighted", "rouge1", "rouge2", "rougel", "rougelsum", "chrf", "meteor", "mcc",
    "matthews_correlation", "pearson", "pearsonr", "spearman", "spearmanr", "ndcg", "mrr", "hits",
    "hit_rate", "episode_return", "episode_reward", "eprewmean", "averagereturn", "averagediscountedreturn",
    "successrate", "rewards", "returns", "episode_rewards", "episode_returns",
)  # fmt: skip
# what OpenAI Baselines' ppo2 files under `loss/` beside its losses (`loss/policy_entropy`,
# `loss/approxkl`, `loss/clipfrac`): measures of the update, better neither way, whatever their folder says
NEITHER = ("policy_entropy", "entropy", "approxkl", "clipfrac", "explained_variance")
# average precision as detection frameworks name it: mAP at IoU thresholds or object sizes (`mAP50-95`,
# `mAP_75`, `mAP_s`), Detectron2's `AP`, `AP50`, `APs`, MMDetection's `bbox_mAP`, `segm_mAP_50`
AVERAGE_PRECISION = re.compile(
    r"(?:(?:bbox|segm|box|mask|keypoints?)_)?m?ap(?:[_-]?(?:\d+(?:[_-]\d+)?|[sml]))?"
)
TASK_TAG = re.compile(r"\([a-z]\)$")  # Ultralytics' (B) box, (M) mask, (P) pose: `metrics/mAP50-95(B)`
SPLIT_PREFIXES = ("train", "training", "val", "valid", "validation", "test", "eval", "dev")
GOALS = ("max", "min")
_PREFIX = re.compile(rf"^(?:{'|'.join(SPLIT_PREFIXES)})[_-](.+)$")
_BEST = re.compile(r"^best[_-](.+)$")  # best_validation_loss: the best epoch's validation_loss
# a cutoff (`acc@1`, `recall@10`, `ndcg@10`) or Lightning's on_epoch/on_step halves (`val_loss_epoch`)
_SUFFIX = re.compile(r"^(.+?)(?:@\d+|[_-](?:epoch|step))$")
_WORDS = {"max": "higher is better", "min": "lower is better"}
# what other tools and tired hands write for a goal (Optuna's maximize, Keras' mode="max", "higher")
_GOAL_WORDS = {
    "max": ("max", "maximize", "maximise", "maximum", "maximal", "higher", "high", "up", "greater", "larger",
            "bigger", "higher_is_better", "higher-is-better", "ascending"),
    "min": ("min", "minimize", "minimise", "minimum", "minimal", "lower", "low", "down", "less", "smaller",
            "lower_is_better", "lower-is-better", "descending"),
}  # fmt: skip


def meant_goal(word: object) -> str | None:
    """Return the goal (max or min) a misspelt or other tool's word for it means (`maximize`, `Max`,
    `higher`, `mxa`), else None."""
    if not isinstance(word, str):
        return None
    lowered = word.strip().lower()
    for goal, words in _GOAL_WORDS.items():
        if lowered in words:
            return goal
    from resultsbook.errors import closest  # here: only a goal misspelt needs it

    return closest(lowered, GOALS) if len(lowered) == 3 else None  # mxa, nim: not `mean`


@dataclass(frozen=True)
class Goal:
    """A metric's direction and where it came from: `set` (spec or flag), `name` (documented name)
    or `unknown` (direction None: nothing may be called best)."""

    direction: str | None
    source: str

    @property
    def words(self) -> str:
        """Say the direction as the table note does: `higher is better`."""
        return _WORDS.get(self.direction or "", "goal not set")


def metric_goal(name: str, explicit: str | None = None) -> Goal:
    """Return the goal of a metric: the explicit one, else the one its name documents, else unknown."""
    if explicit is not None:
        return Goal(explicit, "set")
    named = goal_from_name(name)
    return Goal(named, "name") if named else Goal(None, "unknown")


def goal_from_name(name: str) -> str | None:
    """Return max or min when a path component of the name is a documented name, else None."""
    found = set()
    components = re.split(r"[/.]", name.lower())
    if components[-1] in NEITHER:
        return None
    for component in components:
        component = TASK_TAG.sub("", component)
        best = _BEST.match(component)
        words = {component, best.group(1)} if best else {component}
        words |= {stripped.group(1) for word in words if (stripped := _PREFIX.match(word))}
        words |= {stripped.group(1) for word in words if (stripped := _SUFFIX.match(word))}
        for word in words:
            if word in LOWER_IS_BETTER:
                found.add("min")
            elif word in HIGHER_IS_BETTER or AVERAGE_PRECISION.fullmatch(word):
                found.add("max")
    return found.pop() if len(found) == 1 else None


def unknown_goal_message(name: str, how: str) -> str:
    """Say that a goal is needed and how to give it."""
    return (
        f"cannot tell whether {name!r} is better high or low (its name is not one of the documented "
        f"ones); {how}"
    )
