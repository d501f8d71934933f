"""Check every page a browser journey visits with axe-core, and screenshot it; move
through a page by keyboard with the focus visible at every stop.

axe-core comes bundled in the axe-playwright-python package (the test extra), so
nothing is fetched at run time. It is injected with page.evaluate, which runs as
Playwright's own script and is not subject to the page's Content-Security-Policy:
the pages under test keep their CSP enforced.

Screenshots go to $SCREENSHOTS_DIR/<test>/NN-<who>-<name>.png (var/screenshots by
default, which git ignores).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
# The axe.min.js the package ships (axe-core 4.12 with axe-playwright-python 0.1.8).
AXE_SCRIPT = Axe().axe_script
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations;
}"""


def screenshots_dir() -> Path:
    """Where journeys keep their screenshots: $SCREENSHOTS_DIR, or var/screenshots."""
    return Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "var" / "screenshots"))


def _describe(node: dict[str, Any]) -> str:
    """The node's selector, its markup and the first reason axe gives."""
    reasons = [line.strip() for line in node["failureSummary"].splitlines()[1:2]]
    return " ".join(
        [" ".join(node["target"]), "::", node["html"][:160], "--", *reasons]
    )


@dataclass
class Violation:
    page: str
    url: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        where = "\n".join(f"      {target}" for target in self.targets)
        return (
            f"  {self.page} ({self.url})\n"
            f"    {self.rule} [{self.impact}]: {self.help}\n{where}"
        )


@dataclass
class PageAudit:
    """Run axe-core on each page a journey visits and keep a screenshot of it.

    watch() each Playwright page: every document it loads must then go through
    check() before the next one loads, or assert_clean() names the page left
    unchecked.
    """

    folder: Path
    visited: int = 0
    checked: int = 0
    violations: list[Violation] = field(default_factory=list)
    minor: dict[str, int] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)
    _pending: dict[int, str | None] = field(default_factory=dict)

    def watch(self, page: Page) -> Page:
        def loaded(_page: Page) -> None:
            self.visited += 1
            if self._pending.get(id(page)):
                self.unchecked.append(str(self._pending[id(page)]))
            self._pending[id(page)] = page.url

        # Fired for each new document, not for a same-document #fragment change.
        page.on("domcontentloaded", loaded)
        return page

    def check(self, page: Page, name: str) -> None:
        """Screenshot the page as it stands, then run axe-core on it."""
        page.wait_for_load_state("load")
        self.checked += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=self.folder / f"{self.checked:02d}-{slug}.png", full_page=True
        )
        page.evaluate(AXE_SCRIPT)
        results: list[dict[str, Any]] = page.evaluate(RUN, TAGS)
        for result in results:
            if result["impact"] not in BLOCKING:
                self.minor[result["id"]] = self.minor.get(result["id"], 0) + 1
                continue
            self.violations.append(
                Violation(
                    page=name,
                    url=page.url,
                    rule=result["id"],
                    impact=result["impact"],
                    help=f"{result['help']} ({result['helpUrl']})",
                    targets=[_describe(node) for node in result["nodes"]],
                )
            )
        self._pending[id(page)] = None

    def report(self) -> str:
        lines = [
            f"axe-core checked {self.checked} of the {self.visited} pages visited;"
            f" screenshots in {self.folder}",
        ]
        if self.minor:
            lines.append(
                "moderate or minor findings (not failing): "
                + ", ".join(f"{rule} ×{n}" for rule, n in sorted(self.minor.items()))
            )
        lines += [self._blocking()] if self.violations else []
        return "\n".join(lines)

    def _blocking(self) -> str:
        return (
            f"{len(self.violations)} serious or critical accessibility violations:\n"
            + "\n".join(str(v) for v in self.violations)
        )

    def assert_clean(self) -> None:
        """Fail on any page left unchecked or any serious or critical violation."""
        left = self.unchecked + [url for url in self._pending.values() if url]
        assert not left, "pages visited but not checked by axe:\n" + "\n".join(left)
        assert not self.violations, self._blocking()


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "",
    text: (el.innerText || el.value || "").trim(), type: el.type || "",
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
  };
}"""


def tab_to(
    page: Page, matches: Callable[[dict[str, Any]], bool], *, backwards: bool = False
) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until the focused element matches; every element
    passed on the way must show a visible focus indicator."""
    for _press in range(80):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["outline"] or focused["shadow"], f"focus not visible: {focused}"
        if matches(focused):
            return focused
    raise AssertionError("the keyboard never reached the element")
