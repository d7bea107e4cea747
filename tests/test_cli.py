"""The composer command: subcommands, formats and exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer import __version__
from composer.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--offline", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_render_html_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = tmp_path / "post.html"
    post.write_text("<p>hi <script>x</script></p>")
    code, out, _ = run(["render", str(post), "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["html"] == "<p>hi </p>"
    assert data["notices"][0]["code"] == "content_removed"


def test_render_markdown_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = tmp_path / "post.md"
    post.write_text("**bold**\n\nnext")
    code, out, _ = run(["render", str(post), "--from", "markdown", "--format", "text"], capsys)
    assert (code, out) == (0, "bold\n\nnext\n")


def test_problem_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = tmp_path / "deep.html"
    post.write_text("<div>" * 500)
    code, _, err = run(["render", str(post)], capsys)
    assert code == 1
    assert "too_deep" in err


def test_usage_and_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["render", "--from", "rtf"])
    assert exc.value.code == 2
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"\xff\xfe")
    assert run(["render", str(bad)], capsys)[0] == 2
    assert run(["render", str(tmp_path / "missing.html")], capsys)[0] == 2
    assert run(["paste"], capsys)[0] == 2


def test_paste_rich_and_plain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = tmp_path / "clip.html"
    clip.write_text("<p><b>Bold</b> and *stars*</p><ul><li>one</li><li>two</li></ul>")
    code, out, _ = run(["paste", "--html", str(clip), "--format", "json"], capsys)
    assert code == 0
    assert "<b>Bold</b>" in json.loads(out)["html"]
    code, out, _ = run(["paste", "--html", str(clip), "--plain", "--format", "json"], capsys)
    data = json.loads(out)
    assert "<b>" not in data["html"] and "*stars*" in data["html"]
    assert "one<br>" in data["html"]


def test_paste_target_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = tmp_path / "clip.html"
    clip.write_text('<h1>Title</h1><p><b>Bold</b> and *stars*</p><ol start="3"><li>three</li></ol>')
    code, out, err = run(["paste", "--html", str(clip), "--target", "markdown"], capsys)
    assert code == 0
    assert out == "## Title\n\n**Bold** and \\*stars\\*\n\n3. three\n"
    assert "notice: pasted_as_rich" in err
    code, out, _ = run(["paste", "--html", str(clip), "--target", "markdown", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["markdown"].startswith("## Title") and data["html"].startswith("<h2>Title</h2>")
    code, out, _ = run(["paste", "--html", str(clip), "--target", "markdown", "--plain"], capsys)
    assert code == 0 and "**" not in out and "\\*stars\\*" in out
    code, out, _ = run(["paste", "--html", str(clip)], capsys)  # the default target: html
    assert out.startswith("<h2>Title</h2>")
    with pytest.raises(SystemExit) as exc:
        run(["paste", "--html", str(clip), "--target", "rtf"], capsys)
    assert exc.value.code == 2


def test_stages(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["stages"], capsys)
    assert code == 0
    assert out.split()[0] == "parse" and out.split()[-1] == "sanitize"


def test_python_dash_m_and_stdin() -> None:
    version = subprocess.run([sys.executable, "-m", "composer", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"composer {__version__}"
    done = subprocess.run(
        [sys.executable, "-m", "composer", "--offline", "render", "-", "--from", "text"],
        input="a *b* https://example.com/x",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert done.stdout.startswith('<p>a *b* <a href="https://example.com/x"')


def test_emoji_limit_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = tmp_path / "post.txt"
    post.write_text("hi 😀😀😀")
    code, _, err = run(["--max-emoji", "2", "render", str(post), "--from", "text"], capsys)
    assert code == 1 and "Only 2 emoji are allowed." in err
    code, out, err = run(
        ["--max-emoji", "2", "--emoji-over-limit", "trim", "render", str(post), "--from", "text"], capsys
    )
    assert code == 0 and out.count("😀") == 2
    assert "1 emoji over the limit of 2 was removed." in err
    code, _, _ = run(["--max-emoji", "-1", "render", str(post)], capsys)
    assert code == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("post.md", "<p><strong>b</strong> x</p>"),
        ("post.MARKDOWN", "<p><strong>b</strong> x</p>"),
        ("post.txt", "<p>**b** x</p>"),
        ("post.html", "**b** x"),
        ("post.htm", "**b** x"),
        ("post", "**b** x"),
    ],
)
def test_render_infers_the_format_from_the_extension(
    name: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    post = tmp_path / name
    post.write_text("**b** x")
    code, out, _ = run(["render", str(post)], capsys)
    assert (code, out.strip()) == (0, expected)


def test_from_wins_over_the_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = tmp_path / "post.md"
    post.write_text("**b** <i>x</i>")
    assert run(["render", str(post), "--from", "html"], capsys)[1].strip() == "**b** <i>x</i>"
    assert (
        run(["render", str(post), "--from", "text"], capsys)[1].strip() == "<p>**b** &lt;i&gt;x&lt;/i&gt;</p>"
    )


def test_stdin_stays_html_unless_told() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "composer", "render", "--offline"],
        input="**b** <i>x</i>",
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "**b** <i>x</i>")


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-emoji", "2", "--emoji-over-limit", "trim", "render", "{post}"],
        ["render", "{post}", "--max-emoji", "2", "--emoji-over-limit", "trim"],
        ["--max-emoji", "2", "render", "--emoji-over-limit", "trim", "{post}"],
        ["--max-emoji", "9", "render", "{post}", "--max-emoji", "2", "--emoji-over-limit", "trim"],
    ],
)
def test_global_flags_before_or_after_the_subcommand(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    post = tmp_path / "post.txt"
    post.write_text("hi 😀😀😀")
    code, out, err = run([arg.replace("{post}", str(post)) for arg in argv], capsys)
    assert code == 0 and out.count("😀") == 2
    assert "1 emoji over the limit of 2 was removed." in err


def test_offline_and_sanitizer_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    post = tmp_path / "post.html"
    post.write_text("<b onclick=x>hi</b>")
    for command in (["render", str(post)], ["paste", "--html", str(post)]):
        assert main([*command, "--offline", "--sanitizer", "bleach"]) == 0
        assert capsys.readouterr().out.strip() == "<b>hi</b>"
    assert main(["stages", "--offline"]) == 0
    assert capsys.readouterr().out.split()[-1] == "sanitize"


@pytest.mark.parametrize("port", ["99999", "-1", "80a", "65536"])
def test_serve_refuses_a_port_out_of_range_as_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", port])
    assert exc.value.code == 2
    assert "from 0 to 65535" in capsys.readouterr().err


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on (on 127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_serve_on_a_busy_port_is_a_usage_error(
    host: str, busy_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not uvicorn's exit 3 after its log line: exit 2 and what to do, before any file is made."""
    drafts = tmp_path / "drafts.sqlite3"
    code, _, err = run(["serve", "--host", host, "--port", str(busy_port), "--drafts", str(drafts)], capsys)
    assert code == 2
    assert f"port {busy_port} is in use on {host}; pick another with --port" in err
    assert not drafts.exists()


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_serve_on_an_address_not_of_this_machine_is_a_usage_error(
    host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["serve", "--host", host, "--port", "8000", "--drafts", str(tmp_path / "d")], capsys)
    assert code == 2
    assert f"cannot listen on {host}" in err


def test_serve_on_a_busy_port_exits_2_as_a_command(busy_port: int, tmp_path: Path) -> None:
    """The documented status as the shell sees it (a watchdog ends a server that did start)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "composer",
            "--offline",
            "serve",
            "--port",
            str(busy_port),
            "--drafts",
            str(tmp_path / "d"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "pick another with --port" in done.stderr
