"""The rules a new password is held to wherever one is set (kernel/passwords.py): the command
line, the people page and its API."""

from __future__ import annotations

from kernel.passwords import MAX_LENGTH, MIN_LENGTH, weakness


def test_a_password_long_enough_and_not_the_username_is_taken() -> None:
    assert weakness("ten-chars!", "zhao") is None
    assert weakness("仓库保管员的密码很长啊", "zhao") is None  # Chinese counts by character


def test_what_is_refused_and_why() -> None:
    assert weakness("x" * (MIN_LENGTH - 1), "zhao") == "a password needs at least 10 characters"
    assert weakness("x" * (MAX_LENGTH + 1), "zhao") == "a password may have at most 256 characters"
    assert weakness("Keeper-Zhao", "keeper-zhao") == "a password must not be the username"
    assert weakness("long enough\x00", "zhao") == "a password must not hold control characters"
    assert weakness("long enough\ud800", "zhao") == "a password must not hold control characters"
