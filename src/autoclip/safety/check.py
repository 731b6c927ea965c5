"""The safety check of a script: the rules, then a model review when one is configured.

It runs as its own stage before anything costly (narration, images), so a blocked script
costs no more than this check. The rules run first; a script they block is not sent to
the model, which could only add flags to a verdict that cannot get worse.
"""

from __future__ import annotations

import logging
from typing import Protocol

from autoclip.options import Vertical
from autoclip.providers.cloud.errors import ProviderError, RefusedError
from autoclip.safety.disclaimer import disclaimer_for
from autoclip.safety.report import (
    SAFETY_VERSION,
    Category,
    SafetyFlag,
    SafetyReport,
    Verdict,
    score_of,
    verdict_of,
)
from autoclip.safety.rules import scan
from autoclip.safety.text import segments
from autoclip.script.model import Script

log = logging.getLogger("autoclip.safety")

RULES_CHECKER = "rules"


class ModelReviewer(Protocol):
    """A second opinion on a script; its flags are added to the rules' flags."""

    name: str

    def review(self, script: Script, vertical: Vertical) -> list[SafetyFlag]:
        """Flags quoting sentences of `script` verbatim. A `ProviderError` raised here
        leaves the rules alone to decide (see `check_script`)."""
        ...


def check_script(
    script: Script, vertical: Vertical, *, reviewer: ModelReviewer | None = None
) -> SafetyReport:
    """The safety report of `script`, made for `vertical`.

    Verdict: blocked if any flag blocks, flagged if any flag remains, else ok. A flagged
    report carries the disclaimer to add (`with_disclaimer`); whether it must also wait
    for a human's approval is the project's setting, not the report's.
    """
    found = segments(script)
    flags = scan(found, vertical)
    checked_by = [RULES_CHECKER]
    if reviewer is not None and verdict_of(flags) is not Verdict.BLOCKED:
        try:
            reviewed = reviewer.review(script, vertical)
        except RefusedError as error:
            # A model that will not even read the script has found something: a flag for
            # a person to look at, on the script's first sentence.
            log.warning("%s refused to review the script: %s", reviewer.name, error)
            reviewed = [
                SafetyFlag(
                    category=Category.OTHER,
                    severity="flag",
                    sentence=found[0].sentence,
                    rule="model",
                    source="model",
                    reason=f"the model refused to review the script ({error.detail or error})",
                )
            ]
        except ProviderError as error:
            # The rules have spoken; a reviewer that is down or out of budget must not
            # stop the video. The report says who checked it: the rules alone.
            log.warning("%s could not review the script (%s); rules only", reviewer.name, error)
            reviewed = None
        if reviewed is not None:
            checked_by.append(reviewer.name)
        sentences = {segment.sentence for segment in found}
        seen = {(flag.category, flag.sentence) for flag in flags}
        for flag in reviewed or []:
            # Any reviewer, not only ours, must quote the script: a flag on a sentence
            # the script does not have cannot be shown, checked or fixed.
            if flag.sentence not in sentences:
                log.info("%s flagged a sentence not in the script; ignored", reviewer.name)
                continue
            if (flag.category, flag.sentence) in seen:
                continue  # the rules already said so
            seen.add((flag.category, flag.sentence))
            flags.append(flag.model_copy(update={"source": "model", "rule": "model"}))
    verdict = verdict_of(flags)
    disclaimer = None
    if verdict is Verdict.FLAGGED:
        disclaimer = disclaimer_for(script.language, vertical, (f.category for f in flags))
    return SafetyReport(
        verdict=verdict,
        score=score_of(flags),
        flags=flags,
        disclaimer=disclaimer,
        checked_by=checked_by,
        version=SAFETY_VERSION,
    )
