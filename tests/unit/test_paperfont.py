"""Where the papers' font is found (kernel/paperfont.py): the setting, then Debian's packages in
their order, and a refusal that says what to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.paperfont import CANDIDATES, ENV, FontFile, FontMissing, locate


def test_the_first_package_font_present_is_taken(tmp_path: Path) -> None:
    first, second = tmp_path / "wqy-zenhei.ttc", tmp_path / "uming.ttc"
    candidates = (FontFile(first, 0, "fonts-wqy-zenhei"), FontFile(second, 0, "fonts-arphic-uming"))
    second.write_bytes(b"font")
    assert locate({}, candidates) == candidates[1]
    first.write_bytes(b"font")
    assert locate({}, candidates) == candidates[0]


def test_debians_packages_are_looked_for_where_they_install() -> None:
    assert [(str(c.path), c.face, c.package) for c in CANDIDATES] == [
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
        ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
    ]


def test_the_setting_comes_first_with_its_face(tmp_path: Path) -> None:
    mine = tmp_path / "mine.ttc"
    mine.write_bytes(b"font")
    assert locate({ENV: str(mine)}) == FontFile(mine, 0, ENV)
    assert locate({ENV: f"{mine}#2"}) == FontFile(mine, 2, ENV)
    with pytest.raises(FontMissing, match="face after # is a number"):
        locate({ENV: f"{mine}#bold"})
    with pytest.raises(FontMissing, match="which is not a file"):
        locate({ENV: str(tmp_path / "gone.ttf")})


def test_no_font_names_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(FontMissing) as refused:
        locate({}, (FontFile(tmp_path / "none.ttc", 0, "fonts-wqy-zenhei"),))
    assert "apt-get install fonts-wqy-zenhei" in str(refused.value)
    assert ENV in str(refused.value)
