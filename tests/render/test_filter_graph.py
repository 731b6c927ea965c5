"""FilterGraph: values quoted only when needed, labels checked, wiring validated, and what
it renders is a graph the real ffmpeg accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from autoclip.kit.ffmpeg import run_ffmpeg
from autoclip.render.graph import Filter, FilterGraph


def test_plain_values_are_not_quoted() -> None:
    rendered = Filter.of("scale", w=360, h="640", flags="bicubic", s="180x320").render()
    assert rendered == "scale=w=360:h=640:flags=bicubic:s=180x320"
    assert Filter.of("volume", volume="-16.0dB").render() == "volume=volume=-16.0dB"
    assert Filter.of("movie", filename="scenes/s_1.png").render() == "movie=filename=scenes/s_1.png"


def test_a_filter_without_options_is_its_name() -> None:
    assert Filter.of("hflip").render() == "hflip"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, "0.5"),
        (2.0, "2"),
        (-14.0, "-14"),
        (0.0, "0"),
        (1 / 3, "0.333333"),
        (0.1 + 0.2, "0.3"),
        (12.25, "12.25"),
    ],
)
def test_floats_have_no_trailing_zeros(value: float, expected: str) -> None:
    assert Filter.of("f", v=value).render() == f"f=v={expected}"


@pytest.mark.parametrize(
    "value",
    ["(iw-iw/zoom)*0.5", "if(gte(t,1),1,0)", "1.0+(0.0800)*(on+0)/37", "a b", "x;y", "[x]"],
)
def test_expressions_with_special_characters_are_quoted(value: str) -> None:
    assert Filter.of("f", v=value).render() == f"f=v='{value}'"


def test_colons_and_backslashes_inside_a_quoted_value_are_escaped() -> None:
    # the graph parser consumes the quotes; the option parser would split at the colon
    assert Filter.of("f", v="a:b").render() == "f=v='a\\:b'"
    assert Filter.of("f", v="a\\b").render() == "f=v='a\\\\b'"


def test_a_value_with_a_quote_is_refused() -> None:
    with pytest.raises(ValueError, match="quote"):
        Filter.of("drawtext", text="it's").render()


@pytest.mark.parametrize("label", ["", "a b", "a]", "[a", "a,b", "a;b", "a'b", "a=b"])
def test_bad_labels_are_refused(label: str) -> None:
    graph = FilterGraph()
    with pytest.raises(ValueError, match="label"):
        graph.add([label], [Filter.of("null")], ["out"])
    with pytest.raises(ValueError, match="label"):
        graph.add(["0:v"], [Filter.of("null")], [label])
    assert graph.chains == []


def test_a_chain_needs_a_filter() -> None:
    with pytest.raises(ValueError, match="at least one filter"):
        FilterGraph().add(["0:v"], [], ["out"])


def test_render_joins_chains_with_labels() -> None:
    graph = FilterGraph()
    graph.add(["0:v"], [Filter.of("split", outputs=2)], ["a", "b"])
    graph.add(["a", "b"], [Filter.of("hstack"), Filter.of("format", pix_fmts="yuv420p")], ["out"])
    assert graph.render() == "[0:v]split=outputs=2[a][b];[a][b]hstack,format=pix_fmts=yuv420p[out]"
    graph.validate({"out"})


def test_validate_catches_an_unused_output() -> None:
    graph = FilterGraph()
    graph.add(["0:v"], [Filter.of("split", outputs=2)], ["a", "b"])
    graph.add(["a"], [Filter.of("null")], ["out"])
    with pytest.raises(ValueError, match=r"\[b\] is used 0 times"):
        graph.validate({"out"})


def test_validate_catches_an_output_used_twice() -> None:
    graph = FilterGraph()
    graph.add(["0:v"], [Filter.of("null")], ["a"])
    graph.add(["a"], [Filter.of("null")], ["out"])
    graph.add(["a"], [Filter.of("null")], ["other"])
    with pytest.raises(ValueError, match=r"\[a\] is used 2 times"):
        graph.validate({"out", "other"})


def test_validate_catches_a_sink_that_is_also_consumed() -> None:
    graph = FilterGraph()
    graph.add(["0:v"], [Filter.of("null")], ["out"])
    graph.add(["out"], [Filter.of("null")], ["more"])
    with pytest.raises(ValueError, match=r"\[out\] is used 2 times"):
        graph.validate({"out", "more"})


def test_validate_catches_a_label_produced_twice() -> None:
    graph = FilterGraph()
    graph.add(["0:v"], [Filter.of("null")], ["a"])
    graph.add(["1:v"], [Filter.of("null")], ["a"])
    with pytest.raises(ValueError, match="produced 2 times"):
        graph.validate({"a"})


def test_validate_catches_a_doubly_consumed_input_stream() -> None:
    graph = FilterGraph()
    graph.add(["0:v"], [Filter.of("null")], ["a"])
    graph.add(["0:v"], [Filter.of("null")], ["b"])
    graph.add(["a", "b"], [Filter.of("hstack")], ["out"])
    with pytest.raises(ValueError, match=r"input stream \[0:v\] is consumed 2 times"):
        graph.validate({"out"})


def test_validate_catches_a_label_consumed_but_never_produced() -> None:
    graph = FilterGraph()
    graph.add(["nowhere"], [Filter.of("null")], ["out"])
    with pytest.raises(ValueError, match=r"\[nowhere\] is consumed but never produced"):
        graph.validate({"out"})


def test_validate_catches_a_missing_sink() -> None:
    graph = FilterGraph()
    graph.add(["0:v"], [Filter.of("null")], ["vout"])
    with pytest.raises(ValueError, match=r"sink \[aout\] is never produced"):
        graph.validate({"vout", "aout"})


def test_validate_accepts_input_streams_with_an_index() -> None:
    graph = FilterGraph()
    graph.add(["0:a:1"], [Filter.of("anull")], ["aout"])
    graph.add(["1:v"], [Filter.of("null")], ["vout"])
    graph.validate({"vout", "aout"})


def test_a_rendered_graph_runs_in_ffmpeg(tmp_path: Path) -> None:
    graph = FilterGraph()
    # sources with no inputs, expressions that need quoting, a split and a join
    graph.add([], [Filter.of("testsrc", size="64x48", rate=10, duration=1)], ["src"])
    graph.add(["src"], [Filter.of("split", outputs=2)], ["left", "right"])
    graph.add(
        ["right"],
        [
            Filter.of("format", pix_fmts="gray"),
            Filter.of("geq", lum="if(gt(X,Y),255,0)"),
            Filter.of("format", pix_fmts="yuv420p"),
        ],
        ["mask"],
    )
    graph.add(["left"], [Filter.of("format", pix_fmts="yuv420p")], ["plain"])
    graph.add(["plain", "mask"], [Filter.of("hstack", inputs=2)], ["vout"])
    graph.add(
        [],
        [
            Filter.of("aevalsrc", exprs="0.1*sin(2*PI*440*t)", duration=1, sample_rate=8000),
            Filter.of("volume", volume="if(lt(t,0.5),1,0.5)", eval="frame"),
        ],
        ["aout"],
    )
    graph.validate({"vout", "aout"})
    out = tmp_path / "graph.nut"
    run_ffmpeg(
        ["-filter_complex", graph.render(), "-map", "[vout]", "-map", "[aout]", str(out)],
        timeout=60,
        what="graph test",
    )
    assert out.stat().st_size > 0


def test_a_quoted_value_with_colons_commas_and_brackets_reaches_the_filter_whole(
    tmp_path: Path,
) -> None:
    # a file name using the characters each parsing level treats specially
    name = "./odd:name,[x];y.png"
    Image.new("RGB", (16, 16), (200, 10, 10)).save(tmp_path / name)
    graph = FilterGraph()
    graph.add([], [Filter.of("movie", filename=name), Filter.of("null")], ["vout"])
    graph.validate({"vout"})
    out = tmp_path / "frame.png"
    run_ffmpeg(
        ["-filter_complex", graph.render(), "-map", "[vout]", "-frames:v", "1", out.name],
        timeout=60,
        cwd=tmp_path,
        what="quoting test",
    )
    with Image.open(out) as image:
        red, green, blue = image.convert("RGB").getpixel((8, 8))  # type: ignore[misc]
    assert red > 150
    assert green < 60
    assert blue < 60
