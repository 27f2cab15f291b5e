"""The network's administration (基础数据与人员): master data, people, gateways; one screen
of three tabs, each its own module."""

from __future__ import annotations

from fastapi import APIRouter

from server.dash import gateways, masterdata, people

router = APIRouter(include_in_schema=False)
for part in (masterdata, people, gateways):
    router.include_router(part.router)
