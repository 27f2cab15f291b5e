"""Forms as a browser sends them, for tests that speak plain HTTP: fetch the page, take its
form's security token, send the form from the page's own origin (kernel/csrf.py)."""

from __future__ import annotations

import re
from typing import Any

import httpx

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def origin(client: httpx.Client) -> str:
    return str(client.base_url).rstrip("/")


def token_on(client: httpx.Client, page: str) -> str:
    """The security token of the first form on `page`."""
    answer = client.get(page)
    found = TOKEN.search(answer.text)
    if found is None:
        raise AssertionError(f"no form with a security token on {page}: {answer.status_code}")
    return found.group(1)


def submit(
    client: httpx.Client, page: str, action: str, data: dict[str, str], **kwargs: Any
) -> httpx.Response:
    """Fill in the form of `page` with `data` and send it to `action`, as its page would."""
    token = token_on(client, page)
    headers = {"Origin": origin(client), **kwargs.pop("headers", {})}
    return client.post(action, data={**data, "csrf_token": token}, headers=headers, **kwargs)


def signed_in(url: str, user: str, password: str, timeout: float = 30) -> httpx.Client:
    """A browser of its own, logged in at the server at `url` through its login form."""
    browser = httpx.Client(base_url=url, timeout=timeout)
    answer = submit(browser, "/login", "/login", {"username": user, "password": password})
    assert answer.status_code == 303 and "depot_session" in browser.cookies, answer.text[:300]
    return browser
