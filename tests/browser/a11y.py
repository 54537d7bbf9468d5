"""Accessibility checks shared by the browser tests (axe-core plus what axe leaves out)."""

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.0/2.1/2.2 A and AA: the bar the issue sets for every page.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_axe = Axe()

# Controls whose size WCAG 2.5.8 (target size, minimum) is about.
_TARGETS_JS = """
() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link]';
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && getComputedStyle(node).display.startsWith('inline')) node = node.parentElement;
    return node;
  };
  const problems = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1) continue;  // visually hidden until focused (skip link)
    if (box.width >= 23.5 && box.height >= 23.5) continue;
    // WCAG 2.5.8 "inline" exception: a link inside a sentence of running text.
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') {
      const block = blockOf(el);
      const blockText = (block ? block.innerText : '').trim();
      if (blockText.length > el.innerText.trim().length + 1) continue;
    }
    // A checkbox or radio whose label is also the target (a click on the label works).
    if (el.labels && el.labels.length) {
      const label = el.labels[0].getBoundingClientRect();
      if (label.height >= 23.5 && label.width >= 23.5) continue;
    }
    problems.push(`${el.outerHTML.slice(0, 120)} is ${box.width.toFixed(1)}x${box.height.toFixed(1)}px`);
  }
  return problems;
}
"""


def assert_no_axe_violations(page, label=""):
    """Zero violations for WCAG 2.0/2.1/2.2 A and AA, with a readable report when not."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{label} {page.url}\n{results.generate_report()}"


def assert_structure(page, language):
    """lang on <html>, exactly one h1, and the four landmarks."""
    assert page.locator("html").get_attribute("lang") == language, page.url
    h1_count = page.locator("h1").count()
    assert h1_count == 1, f"{page.url}: {h1_count} h1 elements"
    assert page.get_by_role("banner").count() == 1, f"{page.url}: header landmark"
    assert page.get_by_role("navigation").count() >= 1, f"{page.url}: nav landmark"
    assert page.get_by_role("main").count() == 1, f"{page.url}: main landmark"
    assert page.get_by_role("contentinfo").count() == 1, f"{page.url}: footer landmark"


def assert_touch_targets(page):
    """Links, buttons and fields are at least 24x24 CSS px (inline links in running text excepted)."""
    problems = page.evaluate(_TARGETS_JS)
    assert not problems, f"{page.url}: targets under 24x24 px:\n" + "\n".join(problems)


def assert_text_resizes(page):
    """Root font size doubled (browser text zoom): no horizontal scrolling, heading and main still visible."""
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        wide = page.evaluate(
            """() => [...document.body.querySelectorAll('*')]
                  .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                  .map((el) => el.outerHTML.slice(0, 100))"""
        )
        raise AssertionError(
            f"{page.url}: {overflow}px of horizontal scrolling at 200% text, from:\n" + "\n".join(wide)
        )
    assert page.locator("main h1").first.is_visible() or page.locator("h1").first.is_visible()
    # No text cut off by a fixed-height box: every element in main that clips its overflow fits its content.
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('main *, header *, footer *')].filter((el) => {
              const style = getComputedStyle(el);
              if (!['hidden', 'clip'].includes(style.overflowY) && !['hidden', 'clip'].includes(style.overflowX)) return false;
              if (!el.checkVisibility() || !el.innerText || !el.innerText.trim()) return false;
              if (el.classList.contains('visually-hidden') || el.classList.contains('collapse')) return false;
              // Hidden from everyone on purpose (the spam trap): aria-hidden, or placed off screen.
              if (el.closest('[aria-hidden=true]') || el.getBoundingClientRect().right < 0) return false;
              return el.scrollHeight > el.clientHeight + 2 || el.scrollWidth > el.clientWidth + 2;
           }).map((el) => el.outerHTML.slice(0, 120))"""
    )
    assert not clipped, f"{page.url}: text clipped at 200%:\n" + "\n".join(clipped)
    page.evaluate("document.documentElement.style.fontSize = ''")


def assert_reflows(page):
    """WCAG 1.4.10: at 320 CSS px wide (400% zoom of a 1280 px screen) nothing scrolls sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url}: {overflow}px of horizontal scrolling at 320px"
    page.set_viewport_size(size)
