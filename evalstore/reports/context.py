"""Where a report's result came from, how to make it again, and the methods in plain words."""

from __future__ import annotations

import platform
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import words
from .words import ALPHA_RELIABLE, ALPHA_TENTATIVE, SIGNIFICANCE, TARGET_POWER


@dataclass
class ReportContext:
    """Where the result came from and how to make it again."""

    source: str = ""  # the database or judgments file, as given
    study: str | None = None
    command: list[str] = field(default_factory=list)  # argv of the command that regenerates this report
    generated_at: str | None = None  # ISO time; None = now
    title: str | None = None

    def title_of(self) -> str:
        """The report's title: the one given, else "evalstore report: STUDY"."""
        if self.title:
            return self.title
        return f"evalstore report: {self.study}" if self.study else "evalstore report"

    def timestamp(self) -> str:
        if self.generated_at:
            return self.generated_at
        return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def regenerate_command(source: str, options, *, study: str | None = None, fmt: str = "html",
                       output: str | None = None) -> list[str]:
    """The ``evalstore report`` argv that rebuilds a report analysed with ``options`` (an ``AnalysisOptions``),
    every option spelled out."""
    argv = ["evalstore", "report", str(source)]
    if study:
        argv += ["--study", study]
    argv += ["--format", fmt, *options.argv()]
    if output:
        argv += ["-o", str(output)]
    return argv


def reproducibility(result: dict, context: ReportContext) -> dict:
    """The block a reviewer needs to get the same numbers again."""
    import altair
    import numpy
    import pandas

    block = {
        "generated_at": context.timestamp(),
        "source": context.source,
        "study": context.study,
        "data sha256": result.get("input_sha256"),
        "seed": result.get("seed"),
        "resamples": result.get("resamples"),
        "tie rule": words.tie_rule_words(result.get("tie_rule")),
        "excluded raters": ", ".join(result.get("excluded_raters") or []) or "none",
        "slices": ", ".join(dict.fromkeys(s["slice"] for s in result.get("slices") or [])) or "none",
    }
    for name, version in (result.get("versions") or {}).items():
        block[f"{name} version"] = version
    block["python version"] = platform.python_version()
    block["numpy version"] = numpy.__version__
    block["pandas version"] = pandas.__version__
    block["altair version"] = altair.__version__
    block["command"] = shlex.join(context.command) if context.command else ""
    return block


def methods_paragraphs(result: dict) -> list[str]:
    """What each statistic is and which options were used, in plain words."""
    resamples, seed = result.get("resamples"), result.get("seed")
    rule = words.tie_rule_words(result.get("tie_rule"))
    excluded = ", ".join(result.get("excluded_raters") or []) or "none"
    return [
        "Unit of analysis. Each prompt (item) is judged by several raters, and judgments of one prompt are not "
        "independent: a hard prompt makes every rater hesitate. Every interval and test therefore treats prompts "
        f"as the clusters. Skipped judgments are left out. Bootstrap intervals (agreement, ratings, the "
        f"length-controlled win rate, rater sensitivity) resample prompts {resamples} times with seed {seed}; the "
        "win-rate intervals are closed form and do not depend on the seed.",
        f"The verdict. One number per comparison: the second system's win rate over judgments under the tie rule "
        f"({rule}), with its 95 % interval and the test of that same win rate against 50 %. The interval is a "
        "modified Wilson interval: the variance between prompts (never below that of independent judgments) gives "
        "an effective number of judgments, and Wilson's interval at that size uses the t quantile on prompts − 1 "
        f"degrees of freedom; the test is its exact dual, so p < {SIGNIFICANCE:g} exactly when the interval "
        "excludes 50 %. A "
        "winner is named only then. Beside it stands the share of prompts that favour each system (a prompt "
        "favours the system that wins most of its judgments, so a single 'much better' never outweighs two "
        "opposite judgments), with an exact interval and the sign test; when the two views disagree, the "
        "sentence says so. The naive Wilson interval, which treats judgments as independent, and the design "
        "effect are in the table for comparison.",
        "Ties. With ties dropped, split half-half (half a win and half a loss) or counted against the second "
        "system (a loss for it in every statistic, on every scale), the tie-sensitivity table repeats the whole "
        "verdict. Counting ties against the second system bounds its claim; it is never evidence for the first "
        "system by itself, so a lead of the first system that only the ties create gets no verdict.",
        f"Small samples. Below {_min_items()} prompts no interval and no test is given (the fewest with which even "
        "a unanimous study can pass the exact sign test); under 15 prompts the interval is marked approximate. "
        "The Wilcoxon signed-rank test on prompts' mean preference is exact up to 50 prompts; a one-sample "
        "t-test on the same means is shown too.",
        "Agreement. Krippendorff's α (nominal, ordinal and interval, from the krippendorff package) measures how "
        "much raters agree beyond chance: 1 is perfect, 0 is chance. The sentence quotes ordinal α, the natural "
        f"coefficient of an ordered scale. Krippendorff suggests relying on data with α ≥ {ALPHA_RELIABLE:.3f} and "
        f"drawing only tentative conclusions from α ≥ {ALPHA_TENTATIVE:.3f}. The interval of α bootstraps prompts. "
        "Fleiss's κ and Gwet's AC1 "
        "(Gwet's formulas for incomplete designs), pairwise percent agreement and Cohen's κ per rater pair "
        "(pairs sharing at least 10 prompts) are shown as well. A two-way bootstrap over prompts and raters "
        "shows how much the verdict's interval widens when the raters, too, are taken as a sample.",
        "Position bias. Tested within prompts: for each prompt and pair shown with the second system on both "
        "sides, whether it wins more often on the left than on the right (Cochran–Mantel–Haenszel, sides "
        "permuted within prompt). Where sides are confounded with systems the test is reported as not testable. "
        "The same test per rater, Holm-adjusted, with a left share of at least 60 % at equal exposure, flags a "
        f"rater as \"{words.flag_words('always_left')}\".",
        "Raters. Per rater: judgments, median time per judgment, tie rate, agreement with the majority of the "
        "other, unflagged raters on the same prompt (and with whom they disagree), share of left wins, and flags "
        "(too fast, always left, always tie, low agreement) with the thresholds listed in the table.",
        "Slices. The win rate and the test of that win rate within each value of a slice column; p-values are "
        "adjusted over the values of one column with Holm (family-wise) and Benjamini–Hochberg (false discovery "
        "rate). Slices under 20 prompts show their interval but no verdict.",
        "Ratings. Unregularised maximum-likelihood Bradley–Terry strengths on the Elo scale (400·log10 odds), "
        "the baseline fixed at 1000, ties counted as half a win each way, with an item-clustered interval.",
        f"Power. The prompts needed for {100 * TARGET_POWER:.0f} % power at two-sided α = {SIGNIFICANCE:g} to "
        "detect the observed win rate and "
        "fixed win rates of 55, 60 and 65 %, from the normal approximation, divided by the share of non-tie "
        "judgments and multiplied by the design effect.",
        "Metrics and length. For each automatic metric, the mean per-prompt difference (second − first system) "
        "with an item-clustered interval and a t-test, and Kendall's τ-b between that difference and the "
        "prompt's mean human preference. Length bias is the share of non-tie judgments won by the longer output, "
        "with a binomial test over judgments and a sign test over prompts. The length-controlled "
        "win rate (AlpacaEval 2's idea) is the second system's win rate a logistic regression on the length "
        "difference predicts at equal length, with an item-clustered interval.",
        f"Excluded raters: {excluded}.",
    ]


def _min_items() -> int:
    from ..stats.inference import MIN_ITEMS

    return MIN_ITEMS
