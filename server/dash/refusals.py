"""Each refusal of the domain as the person's next step, in Chinese with English beside.

A workflow page catches nothing itself: `next_step(exc)` turns any error of the server's tree
(server.domain.errors) into what the person can do about it, from the reason code of a
refusal (`BY_REASON`) or else the error's class, nearest first (`BY_CLASS`). Every page uses
this one table; tests/unit/test_dash_refusals.py fails when a reason code raised anywhere in
the server, or a class of the tree, has no next step here.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.paperfont import FontMissing
from server.domain import errors as e


@dataclass(frozen=True, slots=True)
class Step:
    zh: str
    en: str


S = Step
BY_REASON: dict[str, Step] = {
    # people and gateways (server/services/accounts.py)
    "user_exists": S("该用户名已被使用，请换一个", "that username is taken: choose another"),
    "gateway_exists": S(
        "该网关名称已被使用，请换一个", "that gateway name is taken: choose another"
    ),
    "unknown_role": S("请从列表中选择角色", "choose a role from the list"),
    "weak_password": S(
        "密码至少 10 个字符，且不能与用户名相同",
        "a password needs 10 characters or more and must not be the username",
    ),
    "own_account": S(
        "不能对自己的账号做此项，请由另一位管理员操作",
        "not on your own account: ask another administrator",
    ),
    "unknown_user": S("该用户不存在，请返回列表", "no such user: go back to the list"),
    "unknown_gateway": S("该网关不存在，请返回列表", "no such gateway: go back to the list"),
    # separation of duties, roles and depots
    "same_person": S("需由另一位主管审批", "must be approved by another supervisor"),
    "role_not_allowed": S(
        "您的角色不能做此项，请交给有权限的人", "your role cannot do this; pass it to one who may"
    ),
    "role": S(
        "您的角色不能做此项，请交给有权限的人", "your role cannot do this; pass it to one who may"
    ),
    "warehouse_not_allowed": S("只能在本库操作", "act on your own depot only"),
    "other_depot": S("只能在本库操作", "act on your own depot only"),
    "other_depots": S(
        "此项涉及其他库，请联系应急局", "this concerns other depots too: ask the bureau"
    ),
    "network_only": S(
        "需由不属于某个库的管理员修改", "an administrator of the whole network must change this"
    ),
    "no_session": S("请重新登录", "log in again"),
    "not_signed_in": S("请重新登录", "log in again"),
    "no_device": S("需由网关提交", "a gateway must send this"),
    "not_found": S(
        "记录不存在或不属于本库，请返回列表", "no such record here; go back to the list"
    ),
    "unconfirmed": S("请先勾选确认框", "tick the box to confirm first"),
    "incomplete": S(
        "请填写必填内容（原因、编号或时间）", "fill in what is asked: the reason, number or time"
    ),
    "repeated": S("只能选择一项", "choose one, not several"),
    # master data the request names
    "unknown_warehouse": S("请从列表中选择仓库", "choose a depot from the list"),
    "unknown_supplier": S(
        "请从列表中选择供应商，或先在主数据中添加",
        "choose a supplier from the list, or add it to the master data first",
    ),
    "unknown_item": S(
        "请检查物资编码，或先在主数据中添加",
        "check the item code, or add the item to the master data first",
    ),
    "unknown_gtin": S(
        "条码不在主数据中，请先登记物资",
        "the barcode is not in the master data: register the item first",
    ),
    "unknown_batch": S("请检查批次号", "check the batch number"),
    "unknown_location": S("请检查货位编码", "check the location code"),
    "unknown_place": S("请从地点列表中选择", "choose a place from the list"),
    "unknown_zone": S("请检查库区", "check the zone"),
    "unknown_operator": S(
        "操作员未登记，请先在人员中添加",
        "the operator is not registered: add them under people first",
    ),
    # records the request names
    "unknown_order": S("调运单不存在，请返回列表", "no such dispatch order; go back to the list"),
    "unknown_notice": S(
        "入库通知不存在，请返回列表", "no such inbound notice; go back to the list"
    ),
    "unknown_stocktake": S("盘点不存在，请返回列表", "no such stocktake; go back to the list"),
    "unknown_line": S("该行不在本次盘点中", "that line is not in this stocktake"),
    "unknown_handover": S(
        "交接单不存在，请返回调运单", "no such handover note; go back to the order"
    ),
    "unknown_note_line": S(
        "该行不在此交接单上，请刷新交接单", "that line is not on this note: reload the note"
    ),
    "unknown_proposal": S("申请不存在，请返回列表", "no such proposal; go back to the list"),
    "unknown_acceptance": S(
        "验收记录不存在，请返回列表", "no such acceptance; go back to the list"
    ),
    # the state of a record
    "duplicate_number": S("编号已被使用，请换一个编号", "that number is taken: use another"),
    # the tagged units a notice lists (server/domain/tag_units.py)
    "too_many_units": S(
        "每份通知最多列 2000 个带标签单元，请分成几份通知",
        "at most 2000 tagged units on a notice: split it into several notices",
    ),
    "bad_epc": S(
        "标签编码须为 SSCC 或带序列号的 SGTIN 标签 URI，请按供应商发货单核对",
        "a tag must be an SSCC or serialised SGTIN tag URI: check the supplier's dispatch advice",
    ),
    "duplicate_epc": S(
        "该货物单元已列在本通知或本库另一份未关闭的通知上，请核对标签编码",
        "that unit is already listed on this or another open notice of the depot: check the tag",
    ),
    "unit_received": S(
        "该货物单元已在本通知上收过货，不再重复收货",
        "that unit was received on its notice already: it is not received twice",
    ),
    "unit_gtin": S(
        "SGTIN 标签的 GTIN 须为该单元物资在物资目录中的 GTIN",
        "an SGTIN tag's GTIN must be one of its unit's item's GTINs in the catalogue",
    ),
    "unit_line": S("请填写通知中已有的行号", "name a line the notice has"),
    "unit_not_line": S(
        "单元的物资或批次须与其所在行一致", "a unit's item and batch must be its line's"
    ),
    "bad_dates": S("有效期不能早于生产日期", "the expiry cannot be before the production date"),
    "units_over_line": S(
        "一行的单元数量合计不能超过该行的数量",
        "a line's units cannot come to more than the line expects",
    ),
    "notice_closed": S(
        "该通知已关闭，如仍有到货请新建通知",
        "the notice is closed: create a new one for further goods",
    ),
    "not_on_notice": S(
        "该物资不在通知上，请新建通知或拒收",
        "not on the notice: create a notice for it or reject it",
    ),
    "over_notice": S(
        "超出通知数量，请拒收多余部分或新建通知",
        "more than the notice expects: reject the rest or create a notice",
    ),
    "not_open": S("该单已不在进行中，请刷新查看其状态", "no longer open: reload to see its state"),
    "busy": S("该单正在处理，请稍后再试", "being worked on: try again in a moment"),
    # an order's number of the depots' form; an order or note a depot's gateway sends
    # (server/services/depot_orders.py)
    "bad_number": S(
        "该编号格式不可用（TEL- 为储备库专用），请换一个", "not a number of that form: use another"
    ),
    "bad_lines": S("每种物资、每个货位只列一次", "list each item, and each stack, once"),
    "bad_picks": S(
        "拣货不得超出各行数量，每个货位一次", "pick no more than each line, each stack once"
    ),
    "already_arrived": S("已记录首批到达，无需再记", "the first arrival is already recorded"),
    "already_decided": S("已作出决定，请刷新查看", "already decided: reload to see the decision"),
    "nothing_to_hand_over": S(
        "尚无已装车物资，请先在库门装车", "nothing loaded yet: load at the door first"
    ),
    "already_confirmed": S(
        "接收方已确认此交接单，不能再次确认", "the receiver has confirmed this note already"
    ),
    "above_handed_over": S(
        "实收数量不能超过交接数量，请核对", "received cannot be above what was handed over"
    ),
    "discrepancy_unexplained": S(
        "实收少于交接数量，请填写差异说明", "less received than handed over: note why"
    ),
    "line_missing": S("请填写每一行的实收数量", "enter the quantity received of every line"),
    "insufficient_stock": S(
        "库存不足，请减少数量或选其他批次",
        "not enough stock: lower the quantity or choose another batch",
    ),
    "not_counting": S(
        "盘点不在进行中，请刷新查看其状态", "the stocktake is not counting: reload to see its state"
    ),
    "not_closed": S("请先关闭盘点再审批", "close the stocktake before approving"),
    "reason_missing": S("请先为每项差异填写原因", "give every variance its reason first"),
    "lines_not_counted": S(
        "还有货位未盘点，请盘点或填写未盘原因",
        "some lines are not counted: count them or give why not",
    ),
    "stock_limit": S(
        "已过储存年限，需先复检合格",
        "past its storage limit: it needs a passed re-inspection first",
    ),
    "not_returned": S(
        "物资尚未退回，请先在库门登记退回", "not returned yet: record the return at the door first"
    ),
    "over_rejected": S("数量超过拒收数量，请核对", "more than was rejected: check the quantity"),
    "not_rejected": S("该批次未被拒收", "that batch was not rejected"),
    "not_accepted": S("该批次尚未验收", "that batch is not accepted yet"),
    "not_reserved": S(
        "该批次未被预留，请按拣货单操作", "that batch is not reserved: follow the pick list"
    ),
    "not_on_pick_list": S(
        "不在拣货单上，请按拣货单操作", "not on the pick list: follow the pick list"
    ),
    "over_pick_list": S(
        "超出预留数量，请按拣货单数量操作", "above the reservation: take what the pick list says"
    ),
    "not_reusable": S(
        "消耗性物资不退回，请核对物资", "consumable goods do not come back: check the item"
    ),
    "same_location": S("请选择另一个货位", "choose another location"),
    "outside_zone": S(
        "该货位不在本次盘点的库区内", "that location is outside this stocktake's zone"
    ),
    "inspection_failed": S(
        "检验不合格，只能拒收", "the inspection failed: the goods can only be rejected"
    ),
    "report_missing": S("请先填写质量检验报告编号", "enter the quality report's number first"),
    "report_type": S(
        "检验报告须为 PDF 或图片（JPEG、PNG），请重新选择文件",
        "the quality report must be a PDF or an image (JPEG, PNG): choose the file again",
    ),
    "report_too_large": S(
        "检验报告文件不能超过 10 MB，请压缩或降低扫描精度后上传",
        "the report file may be 10 MB at most: compress it or scan at a lower resolution",
    ),
    "bad_report_reference": S("请填写书面报告编号", "enter the written report's number"),
    "report_attached": S(
        "该决定已附检验报告，无需再传", "this decision has its quality report already"
    ),
    "opinion_missing": S("请先记录每位专家的意见", "record each expert's opinion first"),
    "too_few_experts": S("需至少三位专家评估", "at least three experts must assess it"),
    "not_due": S("尚未到期，无需此操作", "not due yet: nothing to do"),
    "not_overdue": S("尚未超期，无需此操作", "not overdue: nothing to do"),
    "in_future": S("时间不能晚于现在，请核对", "the time cannot be in the future: check it"),
    "no_destination": S("请从地点列表中选择目的地", "choose the destination from the places"),
    "no_date": S("请填写日期", "enter the date"),
    # inputs a rule refuses
    "bad_quantity": S("请填写大于零的数量", "enter a quantity above zero"),
    "bad_status": S("该状态的物资不能这样操作", "goods in that status cannot be handled so"),
    "bad_reason": S("请从列表中选择原因", "choose a reason from the list"),
    "bad_round": S("请按当前轮次盘点", "count in the current round"),
    "bad_tolerance": S("允差超出范围，请核对", "the tolerance is out of range: check it"),
    "over_line": S(
        "所选批次超出调运数量，请减少某批次的数量",
        "the batches chosen give more than the line asks: lower a batch's quantity",
    ),
    "bad_kind": S("请从列表中选择调运类型", "choose the kind of order from the list"),
    "bad_level": S(
        "请从列表中选择级别（中央、省级、市级、县级）",
        "choose the level from the list (central, province, city, county)",
    ),
    "bad_note": S("请检查交接单内容", "check the handover note"),
    "bad_notice": S("请填写批准通知编号", "enter the approval notice's number"),
    "bad_plan": S("请检查处置方案", "check the plan"),
    "bad_value": S("请检查填写的数值", "check the values entered"),
    "bad_decision": S("请选择接收或拒收", "choose accept or reject"),
    "bad_inspection": S("请补全检验记录", "complete the inspection record"),
    "bad_pin": S("请设置 6 位以上的数字口令", "set a numeric PIN of at least 6 digits"),
    "bad_event_id": S("请由设备重新发送", "have the device send it again"),
    "bad_query": S(
        "请按 EPCIS 2.0 查询参数检查查询", "check the query against the EPCIS 2.0 parameters"
    ),
    "unsupported_type": S("请升级网关", "update the gateway"),
    "too_large": S("内容太大，请分批提交", "too large: send it in parts"),
    "not_decider": S(
        "报告文件由作出该决定的人上传", "the person who made the decision uploads its report"
    ),
    "no_grounds": S("请填写不予批准的理由", "give the reason for refusing it"),
    # labels and bin cards asked for at the centre (server/domain/print_requests.py)
    "bad_gtin": S("条码校验位不对，请核对 GTIN", "the GTIN's check digit is wrong: check it"),
    "bad_printer": S(
        "打印机名称只能用字母、数字和 . _ -", "a printer's name is letters, digits and . _ -"
    ),
    "too_many_labels": S(
        "保管员一次最多申请 100 张标签，更多请由主管申请",
        "a keeper asks for at most 100 labels at once: more need a supervisor",
    ),
    # a posting's basis (the ledger refuses it)
    "no_basis": S(
        "缺少依据单据，请从相应的单据操作", "no record allows it: act from the record that does"
    ),
    "bad_basis": S(
        "依据单据不符，请从相应的单据操作",
        "the record does not allow it: act from the one that does",
    ),
    "not_allowed": S("依据单据不允许此操作", "the record it names does not allow this"),
    "no_author": S("请重新登录", "log in again"),
}

BY_CLASS: dict[type[Exception], Step] = {
    e.DepotError: S("请检查填写内容后重试", "check what you entered and try again"),
    e.Rejection: S("规则不允许此操作，请检查后重试", "a rule refuses this: check and try again"),
    e.BasisError: S(
        "缺少依据单据，请从相应的单据操作", "no record allows it: act from the record that does"
    ),
    e.FloorAccessError: S("请设置 6 位以上的数字口令", "set a numeric PIN of at least 6 digits"),
    e.Refused: S("您不能做此项，请交给有权限的人", "you may not do this; pass it to one who may"),
    e.NotSignedIn: S("请重新登录", "log in again"),
    e.NotForRole: S("您的角色或所属库不能做此项", "your role or depot cannot do this"),
    e.NotFoundPage: S(
        "记录不存在或不属于本库，请返回列表", "no such record here; go back to the list"
    ),
    e.Forgery: S(
        "页面已过期，请刷新后重新提交", "the page is out of date: reload it and send again"
    ),
    e.Throttled: S("登录失败次数过多，请稍后再试", "too many failed logins: try again later"),
    e.Invalid: S("请检查填写内容后重试", "check what you entered and try again"),
    e.BadCursor: S("请重新同步", "synchronise again from the start"),
    e.ReportError: S(
        "报表尚不能生成，请在月底后再试", "the report cannot be made yet: try after the month ends"
    ),
    e.ZoneError: S("请检查时区设置", "check the time zone setting"),
    e.ImportRefused: S(
        "请按行号改正文件后重新上传", "correct the file at the lines shown and upload it again"
    ),
    e.TableError: S("请上传 CSV 或 XLSX 表格", "upload a CSV or XLSX table"),
    e.LedgerError: S(
        "库存不允许此操作，请检查数量", "the stock does not allow it: check the quantities"
    ),
    e.SetupError: S("请按提示改正后重试", "correct it as the message says and try again"),
    e.AccountError: S("请换一个用户名或检查角色", "choose another username or check the role"),
    e.MasterDataError: S("请改正主数据后重新导入", "correct the master data and import again"),
    e.CheckpointError: S("请检查签名密钥", "check the signing key"),
    FontMissing: S("请安装打印字体 fonts-wqy-zenhei", "install the papers' font fonts-wqy-zenhei"),
}


def reason_of(exc: Exception) -> str | None:
    return getattr(exc, "reason", None)


def next_step(exc: Exception) -> Step:
    """What the person can do about `exc`: by its reason code, else its nearest class."""
    reason = reason_of(exc)
    if reason is not None and reason in BY_REASON:
        return BY_REASON[reason]
    for kind in type(exc).__mro__:
        if kind in BY_CLASS:
            return BY_CLASS[kind]
    return BY_CLASS[e.DepotError]
