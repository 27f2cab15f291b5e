"""Lists read a page at a time by offset (the administration's lists): where the page is,
for the pager (server/templates/dash/offset_pager.html)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pages:
    base: str  # the list's address up to its offset: "/people?" or "/masterdata?kind=items&"
    offset: int
    size: int
    more: bool  # another page follows

    @property
    def previous(self) -> int:
        return max(self.offset - self.size, 0)

    @property
    def next(self) -> int:
        return self.offset + self.size
