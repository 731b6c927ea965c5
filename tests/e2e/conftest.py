"""Videos rendered once per session by the real CLI and checked by several tests.

Inputs are short (3-4 sentences) so each video is 10-20 s long: the checks are about the
format and the pipeline, not about long content.
"""

from __future__ import annotations

import pytest

from .media import Rendered, generate, write_text

KO_TEXT = (
    "잠은 몸을 고치는 시간입니다.\n"
    "깊은 잠을 자는 동안 뇌는 노폐물을 씻어 냅니다.\n"
    "잠이 부족하면 기억력이 떨어집니다.\n"
    "매일 같은 시간에 자고 일어나세요.\n"
)
KO_SHORT_TEXT = (
    "물은 몸의 절반이 넘는 부분을 차지합니다.\n"
    "하루에 여러 번 나누어 물을 마시면 좋습니다.\n"
    "목이 마르기 전에 한 잔씩 마셔 보세요.\n"
)
EN_TEXT = (
    "Sleep is when the body repairs itself.\n"
    "During deep sleep, the brain clears away waste.\n"
    "Short sleep makes memory and focus slip.\n"
    "Go to bed at the same time every night.\n"
)
EN_SHORT_TEXT = (
    "Walking every day keeps the heart strong.\n"
    "Even ten minutes after a meal helps blood sugar.\n"
    "Start with a short walk today.\n"
)


def _render(factory: pytest.TempPathFactory, name: str, text: str, args: list[str]) -> Rendered:
    folder = factory.mktemp(name)
    source = write_text(folder, "input.txt", text)
    return generate(folder / "out", ["--text", str(source), *args])


@pytest.fixture(scope="session")
def ko_vertical(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return _render(tmp_path_factory, "ko_vertical", KO_TEXT, ["--language", "ko"])


@pytest.fixture(scope="session")
def en_vertical(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return _render(tmp_path_factory, "en_vertical", EN_TEXT, ["--language", "en"])


@pytest.fixture(scope="session")
def en_landscape(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    args = ["--language", "en", "--aspect", "16:9"]
    return _render(tmp_path_factory, "en_landscape", EN_SHORT_TEXT, args)


@pytest.fixture(scope="session")
def ko_square(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    args = ["--language", "ko", "--aspect", "1:1"]
    return _render(tmp_path_factory, "ko_square", KO_SHORT_TEXT, args)


@pytest.fixture(scope="session")
def ko_draft(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    args = ["--language", "ko", "--draft"]
    return _render(tmp_path_factory, "ko_draft", KO_SHORT_TEXT, args)
