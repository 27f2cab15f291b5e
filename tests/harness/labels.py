"""Barcode labels rendered into images and video, as a camera at a door would see them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import zxingcpp


@dataclass(frozen=True)
class Label:
    name: str
    content: str  # what zxing-cpp encodes: GS1 in HRI form "(01)...(10)..." when gs1
    format: zxingcpp.BarcodeFormat
    gs1: bool
    data: bytes  # what a reader must report (GS separators in GS1 element strings)
    symbology: str  # the AIM identifier a reader reports


def standard_labels(gtin: str) -> list[Label]:
    """One label of each warehouse format the cameras must read."""
    gs1_data = f"01{gtin}10LOT24A\x1d112403013020".encode()  # batch is variable: GS after it
    dm_data = f"01{gtin}1728123121SN0042".encode()  # serial last: no GS needed
    return [
        Label(
            "gs1-128",
            f"(01){gtin}(10)LOT24A(11)240301(30)20",
            zxingcpp.BarcodeFormat.Code128,
            True,
            gs1_data,
            "]C1",
        ),
        Label("ean-13", gtin[1:], zxingcpp.BarcodeFormat.EAN13, False, gtin[1:].encode(), "]E0"),
        Label("qr", "LOC:A-03-02", zxingcpp.BarcodeFormat.QRCode, False, b"LOC:A-03-02", "]Q1"),
        Label(
            "gs1-datamatrix",
            f"(01){gtin}(17)281231(21)SN0042",
            zxingcpp.BarcodeFormat.DataMatrix,
            True,
            dm_data,
            "]d2",
        ),
    ]


def render(label: Label, module_px: int) -> np.ndarray:
    """The label as a grey image, `module_px` pixels per module, with quiet zones."""
    barcode = (
        zxingcpp.create_barcode(label.content, label.format, gs1=label.gs1)
        if label.gs1
        else zxingcpp.create_barcode(label.content, label.format)
    )
    return np.array(barcode.to_image(scale=module_px))


def frame_with(images: list[np.ndarray], size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """A BGR frame with the images laid out in rows on a light grey background."""
    width, height = size
    frame = np.full((height, width, 3), 235, dtype=np.uint8)
    x, y, row = 40, 40, 0
    for image in images:
        h, w = image.shape[:2]
        if x + w > width - 20:  # next row
            x, y, row = 40, y + row + 40, 0
        if y + h > height or x + w > width:
            raise ValueError("the labels do not fit in the frame")
        frame[y : y + h, x : x + w] = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        x, row = x + w + 60, max(row, h)
    return frame


def write_video(path: Path, frames: list[np.ndarray], fps: float = 15.0) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write MJPG video here")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path
