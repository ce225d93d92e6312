"""axe-core for the browser tests: where `make test` installs it, and how a test runs it."""

from __future__ import annotations

from digiamen.tests.support import PROJECT_DIR

AXE = PROJECT_DIR / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# The rules' ids and the elements they name: never a page's text (it may be confidential).
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
  });
  return result.violations.map(
    (v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")
  );
}"""
