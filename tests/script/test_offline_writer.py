"""The offline writer on the shipped samples and on edge cases."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from autoclip.errors import ConfigurationError, InputError
from autoclip.kit.text import hangul_ratio, speech_seconds
from autoclip.options import GenerateOptions, Language, Length, Tone, Vertical
from autoclip.providers.writing.base import SourceMaterial
from autoclip.providers.writing.offline import OfflineScriptWriter
from autoclip.script.hooks import HOOK_MAX_SECONDS
from autoclip.script.model import SceneKind, Script
from autoclip.source.loader import load_text_file

SAMPLES = {Language.KO: "ko_sleep.txt", Language.EN: "en_sleep.txt"}
HASHTAG = re.compile(r"^#[^\s#]+$")


def _sample(language: Language) -> SourceMaterial:
    with resources.as_file(resources.files("autoclip") / "samples" / SAMPLES[language]) as path:
        return load_text_file(path)


def _write(language: Language, length: Length, tone: Tone, vertical: Vertical) -> Script:
    options = GenerateOptions(language=language, length=length, tone=tone, vertical=vertical)
    return OfflineScriptWriter().write(_sample(language), options)


def _seconds(script: Script) -> float:
    return sum(speech_seconds(scene.narration, script.language) for _, scene in script.timeline())


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("length", list(Length))
@pytest.mark.parametrize("tone", list(Tone))
def test_samples_make_valid_scripts(language: Language, length: Length, tone: Tone) -> None:
    script = _write(language, length, tone, Vertical.SENIOR_HEALTH)
    kinds = [kind for kind, _ in script.timeline()]
    assert kinds[0] is SceneKind.HOOK
    assert kinds[-1] is SceneKind.CTA
    assert kinds.count(SceneKind.BODY) >= 1
    assert script.language is language
    # A hook states a fact now, not a teaser: up to five seconds (HOOK_MAX_SECONDS).
    assert speech_seconds(script.hook.narration, language) <= HOOK_MAX_SECONDS
    assert 0 < len(script.title) <= 60
    assert 5 <= len(script.hashtags) <= 8
    assert all(HASHTAG.match(tag) for tag in script.hashtags)
    assert len({tag.lower() for tag in script.hashtags}) == len(script.hashtags)
    for _, scene in script.timeline():
        assert scene.on_screen_text
        assert len(scene.on_screen_text) <= (28 if language is Language.KO else 42)
        assert scene.visual
    if length is Length.SHORT:
        assert _seconds(script) <= 60
        assert len(script.scenes) == 6
    if language is Language.KO:
        assert hangul_ratio(script.hook.narration) > 0.9
        assert hangul_ratio(script.cta.narration) > 0.9


def test_body_narrates_the_text_itself() -> None:
    source = _sample(Language.EN)
    assert source.text is not None
    script = _write(Language.EN, Length.SHORT, Tone.CASUAL, Vertical.TECH)
    for scene in script.scenes:
        assert scene.narration in source.text or all(
            part in source.text for part in re.split(r"(?<=[.!?]) ", scene.narration)
        )


def test_short_script_sounds_about_a_minute_long() -> None:
    for language in Language:
        seconds = _seconds(_write(language, Length.SHORT, Tone.PROFESSIONAL, Vertical.TECH))
        assert 40 <= seconds <= 60


def test_senior_health_cta_advises_a_doctor() -> None:
    ko = _write(Language.KO, Length.SHORT, Tone.PROFESSIONAL, Vertical.SENIOR_HEALTH)
    en = _write(Language.EN, Length.SHORT, Tone.CASUAL, Vertical.SENIOR_HEALTH)
    assert "의사" in ko.cta.narration
    assert "doctor" in en.cta.narration
    assert "#shorts" in en.hashtags


def test_output_is_stable_across_runs() -> None:
    first = _write(Language.KO, Length.MID, Tone.STORYTELLING, Vertical.HISTORY)
    second = _write(Language.KO, Length.MID, Tone.STORYTELLING, Vertical.HISTORY)
    assert first.model_dump() == second.model_dump()


def test_long_text_fills_a_mid_length_without_exceeding_five_minutes() -> None:
    source = _sample(Language.EN)
    assert source.text is not None
    # Varied copies so that near-duplicate filtering does not collapse them.
    long_text = " ".join(
        sentence.replace("sleep", f"sleep (note {n})")
        for n in range(12)
        for sentence in source.text.split("\n")
    )
    options = GenerateOptions(language=Language.EN, length=Length.MID)
    script = OfflineScriptWriter().write(SourceMaterial(text=long_text), options)
    assert 150 <= _seconds(script) <= 300
    assert all(speech_seconds(s.narration, Language.EN) <= 12 for s in script.scenes)


def test_title_hint_is_used_and_trimmed() -> None:
    hint = "A very long headline about sleep that keeps going well past any sensible length"
    source = SourceMaterial(text=_sample(Language.EN).text, title_hint=hint)
    script = OfflineScriptWriter().write(source, GenerateOptions(language=Language.EN))
    assert script.title.startswith("A very long headline about sleep")
    assert len(script.title) <= 60
    assert script.title.endswith("…")


def test_one_sentence_still_makes_a_script() -> None:
    source = SourceMaterial(text="Sleep repairs the body and clears the brain every night.")
    script = OfflineScriptWriter().write(source, GenerateOptions(language=Language.EN))
    assert [kind for kind, _ in script.timeline()].count(SceneKind.BODY) == 1
    assert script.scenes[0].narration == source.text


def test_overlong_sentence_is_cut_to_fit_a_short() -> None:
    sentence = " ".join(["sleep helps the body recover"] * 40) + "."
    script = OfflineScriptWriter().write(
        SourceMaterial(text=sentence), GenerateOptions(language=Language.EN)
    )
    assert _seconds(script) <= 60


def test_topic_only_needs_a_language_model() -> None:
    with pytest.raises(ConfigurationError, match="a topic needs a language model"):
        OfflineScriptWriter().write(SourceMaterial(topic="sleep"), GenerateOptions())


@pytest.mark.parametrize("text", ["", "   \n\t ", "... ---"])
def test_empty_text_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError) as caught:
        OfflineScriptWriter().write(SourceMaterial(text=text), GenerateOptions())
    assert (caught.value.field, caught.value.message) == ("text", "is empty")


def test_identity_names_the_writer_and_its_version() -> None:
    writer = OfflineScriptWriter()
    assert writer.name == "offline"
    assert writer.identity().startswith("offline/")
