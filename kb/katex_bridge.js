// Renders TeX with KaTeX for the site build, in batches: one JSON request per line on stdin
// ({"options": {...}, "formulas": [["tex", display], ...]}), one JSON answer per line on
// stdout (a list of {"html": "..."} or {"error": "..."}, in the order asked).
// Started at most once per build by kb/katex.py, and only when a formula is not cached.
"use strict";
const katex = require("katex");
const readline = require("readline");

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const request = JSON.parse(line);
  const answers = request.formulas.map(([tex, display]) => {
    try {
      return { html: katex.renderToString(tex, { ...request.options, displayMode: Boolean(display) }) };
    } catch (err) {
      return { error: String(err && err.message ? err.message : err) };
    }
  });
  process.stdout.write(JSON.stringify(answers) + "\n");
});
