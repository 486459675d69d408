"""Build-time math rendering with KaTeX, so the published pages need no JavaScript for math.

KaTeX is the npm package the project's set-up installs (``package.json``). Formulas are
rendered in batches by one Node process (``katex_bridge.js``: one JSON batch per line in, one
per line out), so a build pays a few round trips, not one per formula. Every result is kept
in an on-disk cache keyed by the formula, display mode, KaTeX's options and KaTeX's version,
so an unchanged formula is rendered once, not once per build; Node is not even started when
every formula of a build is cached.

The output is KaTeX's HTML *and* MathML (``output: "htmlAndMathml"``): the HTML is what is
seen (the MathML is visually hidden) and the MathML is what screen readers read (the HTML is
``aria-hidden``). HTML alone would be about a fifth lighter per formula but leaves the math
unreadable to a screen reader, and MathML alone depends on the browser's MathML rendering;
the weight that mattered was the catalog's growth, which the navigation fixes, so the site
keeps the accessible output (see the README's decisions).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from pathlib import Path

BRIDGE = Path(__file__).with_name("katex_bridge.js")
OPTIONS = {"throwOnError": True, "strict": "error", "output": "htmlAndMathml"}
BATCH = 2000
"""Formulas per request: bounds the size of one line of the bridge's protocol."""

Formula = tuple[str, bool]
"""TeX and whether it is display math."""


class KatexError(RuntimeError):
    """KaTeX could not render a formula (``tex``, with KaTeX's ``error``), or could not be
    started (``tex`` None)."""

    def __init__(self, message: str, tex: str | None = None, error: str | None = None) -> None:
        super().__init__(message)
        self.tex = tex
        self.error = error or message


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


def katex_version(root: Path) -> str:
    """The installed KaTeX's version, from its package.json."""
    katex_dist(root)
    manifest = root / "node_modules" / "katex" / "package.json"
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


class FormulaCache:
    """Rendered formulas on disk (one SQLite file), keyed by a hash of everything that
    determines KaTeX's output. Entries of other versions or options are simply never hit."""

    def __init__(self, folder: Path, version: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._salt = json.dumps([version, OPTIONS], sort_keys=True)
        self._db = sqlite3.connect(folder / "katex.sqlite3", timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS formulas "
                         "(key TEXT PRIMARY KEY, html TEXT NOT NULL)")

    def key(self, formula: Formula) -> str:
        tex, display = formula
        blob = json.dumps([self._salt, tex, bool(display)], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def get_many(self, formulas: list[Formula]) -> dict[Formula, str]:
        keys = {self.key(f): f for f in formulas}
        found: dict[Formula, str] = {}
        names = list(keys)
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            rows = self._db.execute("SELECT key, html FROM formulas WHERE key IN "
                                    f"({','.join('?' * len(chunk))})", chunk)
            found.update((keys[key], html) for key, html in rows)
        return found

    def put_many(self, rendered: dict[Formula, str]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO formulas VALUES (?, ?)",
                                 [(self.key(f), html) for f, html in rendered.items()])

    def close(self) -> None:
        self._db.close()


class Katex:
    """A KaTeX renderer: memory, then the on-disk cache, then batches to one Node process."""

    def __init__(self, root: Path, cache_dir: Path | None = None) -> None:
        self.root = root
        self._process: subprocess.Popen[str] | None = None
        self._memory: dict[Formula, str] = {}
        self._disk = FormulaCache(cache_dir, katex_version(root)) if cache_dir else None
        self.rendered = 0
        """Formulas rendered by KaTeX (not found in a cache) so far."""

    def _start(self) -> subprocess.Popen[str]:
        node = shutil.which("node")
        if node is None:
            raise KatexError(_NO_NODE.format(root=self.root))
        katex_dist(self.root)
        return subprocess.Popen(
            [node, str(BRIDGE)], cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8",
            env={"NODE_PATH": str(self.root / "node_modules"), "PATH": ""},
        )

    def render_many(self, formulas: Iterable[Formula]) -> None:
        """Render every formula not rendered yet, in batches; raises :class:`KatexError`
        naming the first invalid one."""
        wanted = [f for f in dict.fromkeys(formulas) if f not in self._memory]
        if wanted and self._disk is not None:
            self._memory.update(self._disk.get_many(wanted))
            wanted = [f for f in wanted if f not in self._memory]
        for start in range(0, len(wanted), BATCH):
            fresh = self._ask(wanted[start:start + BATCH])
            self._memory.update(fresh)
            self.rendered += len(fresh)
            if self._disk is not None:
                self._disk.put_many(fresh)

    def _ask(self, batch: list[Formula]) -> dict[Formula, str]:
        if self._process is None:
            self._process = self._start()
        assert self._process.stdin is not None and self._process.stdout is not None
        request = {"options": OPTIONS, "formulas": [[tex, display] for tex, display in batch]}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise KatexError("the KaTeX process stopped unexpectedly")
        answers = json.loads(line)
        for (tex, _), answer in zip(batch, answers, strict=True):
            if "error" in answer:
                raise KatexError(f"{answer['error']} in {tex!r}", tex, answer["error"])
        return {formula: answer["html"] for formula, answer in zip(batch, answers, strict=True)}

    def render(self, tex: str, display: bool = False) -> str:
        """The HTML of one formula; raises :class:`KatexError` on invalid TeX."""
        formula = (tex, display)
        if formula not in self._memory:
            self.render_many([formula])
        return self._memory[formula]

    def close(self) -> None:
        if self._process is not None:
            self._process.stdin.close()
            self._process.wait(timeout=10)
            self._process = None
        if self._disk is not None:
            self._disk.close()
            self._disk = None
