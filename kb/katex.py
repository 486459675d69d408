"""Build-time math rendering with KaTeX, so the published pages need no JavaScript for math.

KaTeX is the npm package the project's set-up installs (``package.json``); one Node process
is started per build and answers one formula per line. Results are cached by formula.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

BRIDGE = Path(__file__).with_name("katex_bridge.js")


class KatexError(RuntimeError):
    """KaTeX could not render a formula, or could not be started."""


_NO_NODE = ("Node.js is not installed (the site renders its math with it): install it, e.g. "
            "sudo apt-get install nodejs npm, then run npm ci in {root}")
_NO_KATEX = ("the KaTeX npm package is not installed in {root}/node_modules: run npm ci in "
             "{root} (./install.sh does it)")


def missing_prerequisites(root: Path) -> list[str]:
    """What rendering math at build time lacks in the project ``root``, each with the command
    that installs it; empty when Node.js and the KaTeX package are there."""
    problems = []
    if shutil.which("node") is None:
        problems.append(_NO_NODE.format(root=root))
    if not (root / "node_modules" / "katex" / "dist" / "katex.min.css").is_file():
        problems.append(_NO_KATEX.format(root=root))
    return problems


def katex_dist(root: Path) -> Path:
    """The folder of KaTeX's CSS and fonts in the project's node_modules."""
    dist = root / "node_modules" / "katex" / "dist"
    if not (dist / "katex.min.css").is_file():
        raise KatexError(_NO_KATEX.format(root=root))
    return dist


class Katex:
    """A KaTeX renderer backed by one Node process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._process: subprocess.Popen[str] | None = None
        self._cache: dict[tuple[str, bool], str] = {}

    def _start(self) -> subprocess.Popen[str]:
        node = shutil.which("node")
        if node is None:
            raise KatexError(_NO_NODE.format(root=self.root))
        katex_dist(self.root)
        return subprocess.Popen(
            [node, str(BRIDGE)], cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1,
            env={"NODE_PATH": str(self.root / "node_modules"), "PATH": ""},
        )

    def render(self, tex: str, display: bool = False) -> str:
        """The HTML of one formula; raises :class:`KatexError` on invalid TeX."""
        key = (tex, display)
        if key in self._cache:
            return self._cache[key]
        if self._process is None:
            self._process = self._start()
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise KatexError("the KaTeX process stopped unexpectedly")
        answer = json.loads(line)
        if "error" in answer:
            raise KatexError(f"{answer['error']} in {tex!r}")
        self._cache[key] = answer["html"]
        return answer["html"]

    def close(self) -> None:
        if self._process is not None:
            self._process.stdin.close()  # type: ignore[union-attr]
            self._process.wait(timeout=10)
            self._process = None
