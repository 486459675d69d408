"""`kb verify`: one `path:line:col: message` line per problem, a summary line, an exit code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from kb.cli import main
from tests.conftest import TRACE_RECORD

TESTS = Path(__file__).parent
PROJECT = TESTS.parent
BAD = TESTS / "bad_records"
BAD_COUNT = len([p for p in BAD.glob("*.yaml") if p.name != "sources.yaml"])
LOCATED = re.compile(r"^(?P<path>[^:\s]+\.yaml):(?P<line>\d+):(?P<col>\d+): KB\d{3} \S")





def run(*args: str) -> Result:
    result = CliRunner().invoke(main, ["verify", *args])
    # the command ends with sys.exit; anything else is an uncaught exception
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


def test_good_folder(folder: Path) -> None:
    (folder / "traces").mkdir()
    (folder / "traces" / "trace-one.yaml").write_text(
        TRACE_RECORD.format(id="trace-one", derivative="A^T B^T"))
    (folder / "traces" / "trace-two.yaml").write_text(
        TRACE_RECORD.format(id="trace-two", derivative="(B A)^T"))
    result = run(str(folder))
    assert result.exit_code == 0
    assert lines(result) == ["2 verified, 0 failed"]


def test_root_option_is_the_default_path(folder: Path) -> None:
    record = TRACE_RECORD.format(id="trace-one", derivative="A^T B^T")
    (folder / "trace-one.yaml").write_text(record)
    result = run("--root", str(folder))
    assert result.exit_code == 0
    assert lines(result)[-1] == "1 verified, 0 failed"


def test_bad_folder(folder: Path) -> None:
    shutil.copytree(BAD, folder / "bad")
    result = run("bad")
    assert result.exit_code == 1
    *problems, summary = lines(result)
    assert summary == f"0 verified, {BAD_COUNT} failed"
    matches = [LOCATED.match(line) for line in problems]
    assert all(matches), [line for line, m in zip(problems, matches, strict=True) if not m]
    reported = {Path(m["path"]).stem for m in matches}
    assert reported == {p.stem for p in BAD.glob("*.yaml") if p.name != "sources.yaml"}
    assert all(m["path"].startswith("bad/") for m in matches)


def test_mixed_folder_counts_both(folder: Path) -> None:
    (folder / "good.yaml").write_text(TRACE_RECORD.format(id="good", derivative="A^T B^T"))
    (folder / "wrong.yaml").write_text(TRACE_RECORD.format(id="wrong", derivative="2 A^T B^T"))
    result = run(".")
    assert result.exit_code == 1
    problems = lines(result)
    assert problems[-1] == "1 verified, 1 failed"
    assert problems[0].startswith(
        "wrong.yaml:7:13: KB401 derivative (denominator layout) does not hold")


def test_verbose_prints_the_failing_draw(folder: Path) -> None:
    (folder / "wrong.yaml").write_text(TRACE_RECORD.format(id="wrong", derivative="2 A^T B^T"))
    result = run("-v", "wrong.yaml")
    assert result.exit_code == 1
    assert "draw:" in result.output
    assert re.search(r"^\s+X = \[\[", result.output, re.MULTILINE)


def test_broken_yaml_is_a_diagnostic_not_a_traceback(folder: Path) -> None:
    (folder / "broken.yaml").write_text("id: broken\ntitle: [unclosed\nvariables: {\n")
    result = run("broken.yaml")
    assert result.exit_code == 1
    problems = lines(result)
    assert LOCATED.match(problems[0]) and problems[0].startswith("broken.yaml:")
    assert "YAML:" in problems[0]
    assert problems[-1] == "0 verified, 1 failed"


def test_nonexistent_path_is_reported(folder: Path) -> None:
    result = run("missing.yaml")
    assert result.exit_code == 1
    assert lines(result) == ["missing.yaml: KB005 no such file or folder", "0 verified, 1 failed"]


def test_installed_command_on_the_bad_records() -> None:
    executable = shutil.which("kb") or str(Path(sys.executable).parent / "kb")
    assert Path(executable).exists(), "the kb console script is not installed"
    done = subprocess.run([executable, "verify", "tests/bad_records"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert "Traceback" not in output
    assert done.stdout.strip().splitlines()[-1] == f"0 verified, {BAD_COUNT} failed"
    assert "tests/bad_records/missing-factor-two.yaml:7:13: KB401 " in done.stdout
