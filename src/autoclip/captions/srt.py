"""SRT subtitles: one cue per caption page, for upload next to the video.

SRT has no official markup, but players do interpret some: HTML-like tags (`<i>`, `<b>`,
`<font color=...>`) almost everywhere, and ASS overrides such as `{\\an8}` in VLC, mpv and
others. So `<` and `>` become their full-width forms ＜ ＞ and `{ } \\` theirs ｛ ｝ ＼ (each
dropped if the font cannot draw it), which read the same and mean nothing to a player.
`&` is left alone: entities are not decoded by SRT players in practice, and replacing it
would mangle "R&D". Line breaks inside a word become spaces, since a blank line ends a cue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from autoclip.captions.layout import ASS_MARKUP, CaptionPage, strip_controls, substitute

SRT_MARKUP: Mapping[str, str] = {**ASS_MARKUP, "<": "＜", ">": "＞"}


def escape_srt_text(text: str) -> str:
    return " ".join(substitute(strip_controls(text), SRT_MARKUP).split())


def render_srt(pages: Sequence[CaptionPage]) -> str:
    """SRT text: `index`, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, the page's lines, a blank line."""
    cues: list[str] = []
    for page in pages:
        start, end = _milliseconds(page.start), _milliseconds(page.end)
        lines = [
            " ".join(text for word in line if (text := escape_srt_text(word.text)))
            for line in page.lines
        ]
        lines = [line for line in lines if line]
        if end <= start or not lines:
            continue
        index = len(cues) + 1
        cues.append(f"{index}\n{_srt_time(start)} --> {_srt_time(end)}\n" + "\n".join(lines))
    return "".join(cue + "\n\n" for cue in cues)


def _milliseconds(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _srt_time(milliseconds: int) -> str:
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"
