"""Chromium for page tests: Debian's package where it is installed, else Playwright's own."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    configured = os.environ.get("DEPOT_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None  # Playwright's bundled Chromium (scripts/test installs it where needed)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Page, url: str, who: str, password: str) -> None:
    """Log in on the dashboard at `url` through its login page, as a person does."""
    page.goto(f"{url}/login")
    page.fill("#username", who)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def saved_pdf(page: Page, link: str, path: Path) -> Path:
    """The PDF the page's link `link` (a selector) gives now, saved at `path`."""
    answer = page.request.get(page.evaluate("(s) => document.querySelector(s).href", link))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    path.write_bytes(answer.body())
    return path
