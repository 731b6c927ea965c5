"""The voices a content may be narrated in, and a short sample of each.

The voices are those of the configured narrator chain (`AUTOCLIP_NARRATOR`), each
narrator listing its own (`Narrator.voices`). A sample is one fixed sentence per language,
spoken once per voice and kept in storage under `voices/samples/`, keyed by the
narrator's identity of the request: a new engine version or voice setting makes a new one.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from autoclip.errors import ConfigurationError
from autoclip.kit.storage import Storage
from autoclip.options import Language
from autoclip.providers.narration.base import Narrator, Voice, VoiceRequest
from autoclip.providers.narration.registry import narrator
from autoclip.render.audio import encode_voice_track
from autoclip.service.problems import NotFound
from autoclip.settings import Settings

SAMPLE_TEXT = {
    Language.KO: "안녕하세요. 이 목소리로 여러분의 쇼츠를 읽어 드립니다.",
    Language.EN: "Hello. This is how your shorts will sound in this voice.",
}
SAMPLE_PREFIX = "voices/samples/"
SAMPLE_TYPE = "audio/mpeg"


def narrators(settings: Settings, language: Language) -> list[Narrator]:
    """The narrators of the configured chain that speak `language` and can be built here
    (a cloud one without its key is left out)."""
    found = []
    for name in settings.narrator:
        try:
            built = narrator(name, settings, language)
        except ConfigurationError:
            continue
        if built is not None:
            found.append(built)
    return found


def list_voices(settings: Settings, language: Language) -> list[tuple[Voice, Narrator]]:
    return [(voice, n) for n in narrators(settings, language) for voice in n.voices(language)]


def sample(
    settings: Settings, storage: Storage, narrator_name: str, voice_id: str, language: Language
) -> bytes:
    """The MP3 of the voice saying the language's sample sentence, made on first use.
    404 for a voice the listing does not offer."""
    speaker = next(
        (n for voice, n in list_voices(settings, language)
         if voice.narrator == narrator_name and voice.id == voice_id),
        None,
    )  # fmt: skip
    if speaker is None:
        raise NotFound(f"no voice {voice_id!r} of {narrator_name!r} for {language.value}")
    request = VoiceRequest(SAMPLE_TEXT[language], language, voice_id)
    identity = hashlib.sha256(speaker.identity(request).encode()).hexdigest()[:32]
    key = f"{SAMPLE_PREFIX}{narrator_name}/{identity}.mp3"
    if storage.exists(key):
        return storage.get_bytes(key)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.work_dir, prefix="voice-sample-") as folder:
        spoken = speaker.narrate(request, Path(folder) / "sample.wav")
        mp3 = Path(folder) / "sample.mp3"
        encode_voice_track(spoken.wav_path, mp3, ["-c:a", "libmp3lame", "-b:a", "96k"])
        data = mp3.read_bytes()
    storage.put_bytes(key, data, SAMPLE_TYPE)
    return data
