"""What a depot's gateway reports of the labels and bin cards asked for on the dashboard: one
outcome per request it took (`print_requests` in its status report), the same shape at both
ends (gateway/storage/asked_prints.py makes it, server/domain/print_requests.py checks it);
and, as both ends take them, the name of a printer and the words for its troubles."""

from __future__ import annotations

from dataclasses import dataclass

# queued: printing; printed: every job; attention: a job waits for a supervisor at the
# printer (unconfirmed, or held after voided labels); refused: nothing queued, the reasons say
# why. Printed and refused are final: a later report changes them no more.
REPORTED = ("queued", "printed", "attention", "refused")
PRINTER_NAME = r"[A-Za-z0-9._-]{1,40}"  # a printer's name, in gateway.toml and on the dashboard
FINAL = frozenset({"printed", "refused"})


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    """What came of one request: its state, its jobs and how many printed, the first and last
    SSCC of its labels (None for bin cards), the reasons in both languages."""

    id: int
    state: str
    jobs: int
    printed: int
    first_sscc: str | None
    last_sscc: str | None
    reason_zh: str
    reason_en: str


# What a printer's trouble (a reason code of the gateway's print jobs, a printer's `trouble` in
# its report) is called for people, at the door and on the dashboard: Chinese first, English
# beside.
PROBLEMS: dict[str, tuple[str, str]] = {
    "paper_out": ("打印机缺纸，请装纸", "printer out of paper: load labels"),
    "ribbon_out": ("打印机碳带用完，请更换碳带", "printer out of ribbon: load a ribbon"),
    "head_open": ("打印头未合上", "print head open: close it"),
    "paused": ("打印机已暂停", "printer paused: press pause to resume"),
    "buffer_full": ("打印机接收缓冲区满", "printer receive buffer full"),
    "over_temperature": ("打印头过热", "print head too hot"),
    "corrupt_ram": ("打印机内存错误", "printer memory corrupt"),
    "unreachable": ("无法连接打印机", "printer not reachable"),
    "no_status": ("打印机未回复状态", "printer did not answer its status"),
    "encode_failed": ("RFID 标签写入失败，已作废并重打", "RFID tag failed to encode: voided"),
    "not_settled": ("打印机未在时限内打完", "the printer did not finish the label in time"),
    "no_readback": ("打印机未回报 RFID 写入结果", "the printer did not report the tag it wrote"),
    "partial_send": (
        "标签数据未发完，已取消并重发",
        "the label was cut off in sending: sent again",
    ),
    "spool_command_failed": ("打印命令失败", "the print command failed"),
    "spool_failed": ("无法写入打印文件夹", "the label could not be written to the spool folder"),
    "print_error": ("打印出错，请查看打印机", "printing failed: look at the printer"),
    "not_recorded": (
        "已打印，但未能记录，正在重试记录",
        "printed, not recorded yet: recording again",
    ),
    "interrupted": ("网关重启时正在发送", "being sent when the gateway stopped"),
}
