"""The canned language of a script: hooks, calls to action, hashtags and visual styles.

Every line exists per Tone and Language, in several variants. A variant is chosen from a
hash of the text it introduces, so the same input always gets the same words (stable
re-runs, stable stage caches) while different inputs do not all sound alike.

Korean registers follow the tone: 합니다체 for professional, 해요체 for casual and
storytelling, short imperative 합니다/하세요 lines for urgent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from autoclip.kit.text import speech_seconds
from autoclip.options import Language, Length, Tone, Vertical

PHRASEBOOK_VERSION = "1"
# The hook must land inside the first three seconds; half a second of slack for the voice.
HOOK_MAX_SECONDS = 3.4

# Placeholders: {t} the topic; Korean {t_eun} {t_i} {t_eul} carry the particle that fits it.
_HOOKS: dict[Language, dict[Tone, tuple[str, ...]]] = {
    Language.KO: {
        Tone.PROFESSIONAL: (
            "{t_i} 왜 중요한지 알려 드립니다.",
            "{t}, 핵심만 정리해 드립니다.",
            "{t_eul} 제대로 알고 계십니까?",
            "꼭 알아야 할 {t} 이야기입니다.",
        ),
        Tone.CASUAL: (
            "{t}, 이거 알고 있었어요?",
            "{t_i} 이렇게 중요하대요!",
            "{t}, 생각보다 훨씬 중요해요.",
            "오늘은 {t} 얘기 해 볼게요!",
        ),
        Tone.URGENT: (
            "{t}, 지금 바로 확인하세요!",
            "{t_eul} 놓치면 안 됩니다!",
            "잠깐! {t} 이야기, 꼭 들으세요.",
            "{t}, 더 미루면 늦습니다!",
        ),
        Tone.STORYTELLING: (
            "{t}에 얽힌 이야기, 들어 볼래요?",
            "오늘은 {t} 이야기를 들려줄게요.",
            "이 이야기는 {t}에서 시작돼요.",
        ),
    },
    Language.EN: {
        Tone.PROFESSIONAL: (
            "Here is why {t} matters.",
            "{T}: what the evidence says.",
            "What you should know about {t}.",
            "{T}, explained clearly and briefly.",
        ),
        Tone.CASUAL: (
            "Okay, let's talk about {t}.",
            "Did you know this about {t}?",
            "{T} matters more than you think!",
            "Quick one: {t}, explained simply.",
        ),
        Tone.URGENT: (
            "Stop! You need to hear this about {t}.",
            "Don't ignore {t} any longer.",
            "{T}: this can't wait.",
            "Listen up: {t} matters right now.",
        ),
        Tone.STORYTELLING: (
            "Let me tell you a story about {t}.",
            "It all starts with {t}.",
            "Here's the surprising story of {t}.",
        ),
    },
}

# Used when no topic term fits inside the hook's three seconds.
_PLAIN_HOOKS: dict[Language, dict[Tone, str]] = {
    Language.KO: {
        Tone.PROFESSIONAL: "꼭 알아 두셔야 할 이야기입니다.",
        Tone.CASUAL: "이거 알고 있었어요?",
        Tone.URGENT: "잠깐, 이건 꼭 들으세요!",
        Tone.STORYTELLING: "이야기 하나 들려줄게요.",
    },
    Language.EN: {
        Tone.PROFESSIONAL: "Here is what you should know.",
        Tone.CASUAL: "Okay, did you know this?",
        Tone.URGENT: "Stop! You need to hear this.",
        Tone.STORYTELLING: "Let me tell you a story.",
    },
}

_CTAS: dict[Language, dict[Tone, tuple[str, ...]]] = {
    Language.KO: {
        Tone.PROFESSIONAL: (
            "도움이 되셨다면 구독과 좋아요 부탁드립니다.",
            "더 많은 정보를 원하시면 채널을 구독해 주십시오.",
            "유익하셨다면 구독과 알림 설정을 부탁드립니다.",
        ),
        Tone.CASUAL: (
            "유익했다면 구독이랑 좋아요 눌러 주세요!",
            "다음 영상도 보고 싶다면 구독해 주세요!",
            "도움이 됐다면 좋아요 한 번 꾹 눌러 주세요!",
        ),
        Tone.URGENT: (
            "지금 바로 구독하고 알림을 켜 두세요!",
            "놓치기 전에 지금 구독하세요!",
            "오늘부터 실천하고, 지금 구독하세요!",
        ),
        Tone.STORYTELLING: (
            "다음 이야기가 궁금하다면 구독해 주세요.",
            "이야기는 계속됩니다. 구독하고 함께해요.",
            "다음 이야기에서 또 만나요. 구독도 잊지 마세요.",
        ),
    },
    Language.EN: {
        Tone.PROFESSIONAL: (
            "If this helped, subscribe for more.",
            "Follow for more clear, practical explainers.",
            "Subscribe for more insights like this.",
        ),
        Tone.CASUAL: (
            "Found this useful? Hit like and follow!",
            "Follow for more quick tips like this!",
            "Like and subscribe if you learned something!",
        ),
        Tone.URGENT: (
            "Subscribe now so you don't miss the next one!",
            "Act today, and follow for more!",
            "Hit subscribe right now and turn on alerts!",
        ),
        Tone.STORYTELLING: (
            "Follow along for the next story.",
            "Subscribe, and I'll tell you another one soon.",
            "There's more to this story, so subscribe.",
        ),
    },
}

# A responsible word for the verticals where advice can hurt: health and money. Formal for
# professional and urgent tones, friendly for casual and storytelling.
_CAUTIONS: dict[tuple[Language, Vertical], tuple[str, str]] = {
    (Language.KO, Vertical.SENIOR_HEALTH): (
        "증상이 있다면 꼭 의사와 상담하십시오.",
        "몸이 불편하면 꼭 의사와 상담해 보세요.",
    ),
    (Language.KO, Vertical.FINANCE): (
        "투자 결정은 전문가와 상의한 뒤 신중히 내리십시오.",
        "투자는 신중하게, 꼭 전문가와 상의해 보세요.",
    ),
    (Language.EN, Vertical.SENIOR_HEALTH): (
        "If you have symptoms, please talk to your doctor.",
        "Feeling off? Check in with your doctor.",
    ),
    (Language.EN, Vertical.FINANCE): (
        "This is not financial advice; consult a professional.",
        "Not financial advice, so talk to a pro first.",
    ),
}
_FORMAL_TONES = frozenset({Tone.PROFESSIONAL, Tone.URGENT})

_CTA_HEADLINES = {Language.KO: "구독 · 좋아요", Language.EN: "Follow for more"}

_VERTICAL_TAGS: dict[Language, dict[Vertical, tuple[str, ...]]] = {
    Language.KO: {
        Vertical.SENIOR_HEALTH: ("#건강정보", "#시니어건강"),
        Vertical.FINANCE: ("#재테크", "#경제상식"),
        Vertical.TECH: ("#테크", "#IT상식"),
        Vertical.HISTORY: ("#역사", "#역사이야기"),
        Vertical.COMMERCE: ("#쇼핑", "#추천템"),
    },
    Language.EN: {
        Vertical.SENIOR_HEALTH: ("#health", "#healthyaging"),
        Vertical.FINANCE: ("#finance", "#money"),
        Vertical.TECH: ("#tech", "#technology"),
        Vertical.HISTORY: ("#history", "#historyfacts"),
        Vertical.COMMERCE: ("#shopping", "#review"),
    },
}
_FORMAT_TAGS = {
    (Language.KO, Length.SHORT): ("#shorts", "#쇼츠"),
    (Language.EN, Length.SHORT): ("#shorts",),
}

_VISUAL_STYLES: dict[Language, dict[Vertical, str]] = {
    Language.KO: {
        Vertical.SENIOR_HEALTH: "따뜻하고 차분한 건강 일러스트",
        Vertical.FINANCE: "깔끔한 차트와 그래픽",
        Vertical.TECH: "선명하고 현대적인 기술 일러스트",
        Vertical.HISTORY: "오래된 기록 사진 느낌의 이미지",
        Vertical.COMMERCE: "밝은 제품 사진 스타일",
    },
    Language.EN: {
        Vertical.SENIOR_HEALTH: "Warm, calm health illustration",
        Vertical.FINANCE: "Clean charts and graphics",
        Vertical.TECH: "Crisp, modern tech illustration",
        Vertical.HISTORY: "Archival, sepia-toned imagery",
        Vertical.COMMERCE: "Bright product-photo style",
    },
}


def pick(variants: Sequence[str], seed: str) -> str:
    """One of `variants`, the same one for the same seed on every run and machine.

    sha256 rather than hash(): Python salts str hashes per process.
    """
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def _ordered(variants: Sequence[str], seed: str) -> list[str]:
    """All variants, starting at the seed's choice, so a fallback is just as stable."""
    first = variants.index(pick(variants, seed))
    return [*variants[first:], *variants[:first]]


def has_final_consonant(word: str) -> bool:
    """Whether a Korean particle after `word` takes its consonant form (은/이/을)."""
    last = word.rstrip()[-1:] if word.strip() else ""
    if "\uac00" <= last <= "\ud7a3":
        return (ord(last) - 0xAC00) % 28 != 0
    if last.isdigit():
        return last in "013678"  # 영, 일, 삼, 육, 칠, 팔 end in a consonant
    return last.lower() in "lmnk"


def _fill(template: str, topic: str, language: Language) -> str:
    if language is Language.KO:
        batchim = has_final_consonant(topic)
        return template.format(
            t=topic,
            t_eun=topic + ("은" if batchim else "는"),
            t_i=topic + ("이" if batchim else "가"),
            t_eul=topic + ("을" if batchim else "를"),
        )
    return template.format(t=topic, T=topic[:1].upper() + topic[1:])


def hook_line(language: Language, tone: Tone, topic: str | None, seed: str) -> str:
    """The opening line, naming the topic when it fits in the first three seconds."""
    if topic:
        for template in _ordered(_HOOKS[language][tone], "hook:" + seed):
            line = _fill(template, topic, language)
            if speech_seconds(line, language) <= HOOK_MAX_SECONDS:
                return line
    return _PLAIN_HOOKS[language][tone]


def cta_line(language: Language, tone: Tone, vertical: Vertical, seed: str) -> str:
    """The closing call to action, with a word of caution for health and money topics."""
    line = pick(_CTAS[language][tone], "cta:" + seed)
    caution = _CAUTIONS.get((language, vertical))
    if caution is None:
        return line
    formal, friendly = caution
    return f"{formal if tone in _FORMAL_TONES else friendly} {line}"


def description_cta(language: Language, tone: Tone, seed: str) -> str:
    """The call to action as written under the video (no caution: the video says it)."""
    return pick(_CTAS[language][tone], "cta:" + seed)


def cta_headline(language: Language) -> str:
    return _CTA_HEADLINES[language]


def vertical_hashtags(language: Language, vertical: Vertical, length: Length) -> list[str]:
    """Tags for the format (#shorts for short videos) and the vertical, in that order."""
    return [*_FORMAT_TAGS.get((language, length), ()), *_VERTICAL_TAGS[language][vertical]]


def visual_style(language: Language, vertical: Vertical) -> str:
    return _VISUAL_STYLES[language][vertical]
