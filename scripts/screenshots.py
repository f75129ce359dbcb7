"""Take a screenshot of app pages in headless Chromium: `python scripts/screenshots.py URL OUT_DIR [PATH...]`.

A look at what a person sees; not a test. Uses Debian's /usr/bin/chromium.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def main() -> None:
    base, out = sys.argv[1], Path(sys.argv[2])
    paths = sys.argv[3:] or [""]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2000})
        for path in paths:
            page.goto(f"{base}/{path}")
            page.wait_for_selector(IDLE, timeout=30000)
            page.wait_for_timeout(1500)
            name = (path.replace("/", "_").replace("?", "_").replace("=", "-") or "home") + ".png"
            page.screenshot(path=str(out / name))
            print(out / name)
        browser.close()


if __name__ == "__main__":
    main()
