"""A wheel built from the project is a working knowledge base in a fresh virtual environment,
from any folder: the catalog ships inside the package.

The wheel is built from a copy of what setuptools reads (pyproject.toml, README.md, kb/,
identities/), so the build writes nothing into the working tree. The fresh environment is
made without pip (fast) and filled by this interpreter's pip; the dependencies come from
PyPI or pip's cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CATALOG, PROJECT

BUILD_INPUTS = ["pyproject.toml", "README.md", "kb", "identities"]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        copy = shutil.copytree if (PROJECT / name).is_dir() else shutil.copy
        copy(PROJECT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    done = run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-q", "-w", out,
               cwd=source)
    assert done.returncode == 0, done.stderr
    [built] = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtual environment with the wheel installed."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel,
               cwd=env)
    assert done.returncode == 0, done.stderr
    return env / "bin"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the project holding an unrelated, broken identities/ folder, which
    must not be picked up."""
    decoy = tmp_path / "identities"
    decoy.mkdir()
    (decoy / "sources.yaml").write_text("not: [a registry\n", encoding="utf-8")
    (decoy / "misc").mkdir()
    (decoy / "misc" / "decoy.yaml").write_text("id: [not a record\n", encoding="utf-8")
    return tmp_path


def test_the_wheel_carries_the_whole_catalog_and_the_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("kb/_catalog/") for n in names if n.startswith("kb/_catalog/")}
    expected = {p.relative_to(CATALOG).as_posix() for p in CATALOG.rglob("*.yaml")}
    assert shipped == expected
    assert {"kb/py.typed", "kb/katex_bridge.js", "kb/cli.py"} <= names


def test_kb_show_and_search_work_from_any_folder(installed: Path, elsewhere: Path) -> None:
    show = run(installed / "kb", "show", "log-det", cwd=elsewhere)
    assert show.returncode == 0, show.stderr
    assert "X^{-T}" in show.stdout
    search = run(installed / "kb", "search", "log", "det", cwd=elsewhere)
    assert search.returncode == 0, search.stderr
    assert search.stdout.split()[0] == "log-det"
    assert run(installed / "kb", "derive", "log(det(X))", "--wrt", "X", cwd=elsewhere) \
        .returncode == 0


def test_the_python_api_loads_the_shipped_catalog(installed: Path, elsewhere: Path) -> None:
    script = ("import kb, pathlib; cat = kb.load(); "
              "print(len(cat), kb.__version__, pathlib.Path(kb.__file__).parent)")
    done = run(installed / "python", "-c", script, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    count, version, package = done.stdout.split()
    records = [p for p in CATALOG.rglob("*.yaml") if p.parent != CATALOG]
    assert int(count) == len(records)
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    assert version == pyproject["project"]["version"]
    assert Path(package).is_relative_to(installed.parent)


def test_the_shipped_catalog_is_read_only_and_another_one_is_named(
        installed: Path, elsewhere: Path) -> None:
    new = run(installed / "kb", "new", "my-identity", cwd=elsewhere)
    assert new.returncode == 1
    assert "read-only" in new.stderr and "--root" in new.stderr
    # --root selects another catalog; this one is broken, so the command says where.
    search = run(installed / "kb", "search", "det", "--root", "identities", cwd=elsewhere)
    assert search.returncode == 1
    assert "identities/misc/decoy.yaml" in search.stderr
