"""How the audit log reads for a person: Chinese names for action codes, object kinds and
detail fields, and the detail written out as ``名称：值`` instead of JSON. Pure, no I/O.

Every action code the platform writes must have a name here (a test walks the source for
them); a code without one is shown as its object's name plus the raw verb, never hidden."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hotline.kit import clock

#: Object kinds (``object_type`` and the part of an action code before the dot).
OBJECT_NAMES: dict[str, str] = {
    "work_order": "工单", "user": "账号", "citizen": "诉求人", "unit": "单位", "units": "单位",
    "region": "行政区划", "regions": "行政区划", "category": "诉求分类", "categories": "诉求分类",
    "channel": "受理渠道", "channels": "受理渠道", "appeal_type": "诉求类型", "api_token": "接口令牌",
    "board": "网络留言板", "board_import": "留言导入",
    "calendar": "工作日历", "calendar_override": "日历调整", "deadline_rule": "办理时限规则",
    "direct_dispatch_rule": "直派目录", "early_warning": "预警", "escalation_rule": "提级督办规则",
    "hotspot_snapshot": "热点分析", "hotspot_term": "热点词条",
    "knowledge_collection": "知识征集", "knowledge_item": "知识点",
    "letter_template": "督办文书模板", "login": "登录", "logout": "退出登录", "model_version": "派单模型",
    "pii": "个人信息", "place_name": "地名", "platform": "平台", "policy_document": "政策文件",
    "public_notice": "通报", "special_list": "专项清单", "supervision": "督办", "supervision_authority": "督办主管部门",
    "supervision_meeting": "约谈/联席会议", "audit": "审计日志", "user_account": "账号（安全告警）",
    "open311_key": "开放311接口密钥", "open311_service": "开放311服务",
    "seat": "坐席", "call": "来电", "cti_queue": "话务队列", "cti_key": "呼叫中心接口密钥",
    "webhook_subscription": "推送订阅", "webhook_target": "推送地址白名单", "merchant": "服务企业",
    "disclosure": "数据公开", "disclosure_month": "公开月份", "typical_case": "典型案例",
    "spot_check": "工单抽查", "spot_check_item": "抽查整改要求", "rectification_list": "整改清单",
    "rectification_item": "整改事项", "green_channel_rule": "绿色通道规则",
    "linkage_line": "联动线路", "linkage_key": "公共事业接口密钥",
    "federation": "跨市转办", "federation_peer": "互派平台", "federation_transfer": "跨市转办",
    "statistics": "统计分析", "saved_view": "统计视图", "saved_search": "常用查询", "caller_flag": "来电标记",
    "notification": "短信", "sms_template": "短信模板", "attachment": "附件", "intake_draft": "受理草稿",
    "export_job": "导出任务", "work_order_search": "工单查询",
    "qa_checklist": "质检评分表", "qa_sample": "质检抽检", "qa_inspection": "质检记录", "qa_report": "质检月报",
    "report": "分析报告", "daily_ledger": "突发事件与涉稳风险日报",
}

_WORK_ORDER: dict[str, str] = {
    "registered": "受理登记", "answered": "即时解答并办结", "transferred": "转下级热线中心", "dispatched": "派单",
    "direct_dispatched": "直派（直派目录）", "direct_dispatch_failed": "直派失败，转人工派单",
    "category_set": "设置诉求分类", "deadline_recounted": "日历更新后重算期限",
    "urged": "催办（重复来电并入）", "signed": "承办单位签收", "assist_submitted": "协办单位提交协办意见",
    "returned": "承办单位退单", "return_rejected": "驳回退单（无理退单）", "coordination_opened": "提交管辖争议协调",
    "coordination_decided": "协调裁定承办单位", "extension_requested": "申请延期", "extension_approved": "批准延期",
    "extension_refused": "拒绝延期", "replied": "承办单位答复", "reply_accepted": "答复认定通过",
    "reply_rejected": "答复退回重新办理", "reply_shared": "共享答复", "callback_unreached": "回访未接通",
    "callback_recorded": "记录回访", "rehandle": "回访不满意，退回重办", "closed": "办结", "withdrawn": "撤回",
    "supervision_flagged": "二次不满意，列入督办", "due_soon": "临期预警", "overdue": "超期未办结",
    "escalated": "提级督办", "letter_issued": "发出督办文书", "letter_responded": "回复督办文书",
    "business_environment_notified": "通报营商环境主管部门", "referred": "移交纪检监察机关",
    "meeting_held": "召开约谈/联席会议", "notice_published": "列入通报", "case_file_exported": "导出工单卷宗",
    "noted": "添加工单备注", "attached": "添加工单附件",
    "merged": "合并工单", "merged_in": "并入其他工单", "merged_out": "被合并工单移出", "unmerged": "取消合并",
    "merchant_referred": "转介服务企业", "merchant_rated": "回访评价服务企业",
    "merchant_complaint": "标记为对服务企业的投诉",
    "handed_over": "联动整体移交", "taken_back": "联动收回", "linkage_recorded": "联动转接（部分移交）",
    "linkage_updated": "记录联动处置结果",
    "transferred_out": "转至他市平台", "transfer_returned": "他市平台退回", "peer_progress": "他市平台办理进展",
    "sent_back": "退回来源城市",
}

#: Action codes → what a person reads.
ACTION_NAMES: dict[str, str] = {
    **{f"work_order.{verb}": name for verb, name in _WORK_ORDER.items()},
    "login.succeeded": "登录成功", "login.failed": "登录失败", "logout": "退出登录",
    "user.created": "创建账号", "user.updated": "修改账号", "user.password_changed": "修改密码",
    "user.password_reset": "重置密码", "api_token.issued": "签发接口令牌", "api_token.revoked": "吊销接口令牌",
    "audit.verified": "校验审计链",
    "pii.viewed": "查看个人信息", "pii.keys_rotated": "轮换个人信息加密密钥", "platform.initialised": "平台初始化",
    "citizen.created": "建立诉求人档案", "citizen.updated": "修改诉求人档案",
    "region.created": "新增行政区划", "region.updated": "修改行政区划", "unit.created": "新增单位",
    "unit.updated": "修改单位", "category.created": "新增诉求分类", "category.updated": "修改诉求分类",
    "channel.created": "新增受理渠道", "channel.updated": "修改受理渠道", "appeal_type.updated": "修改诉求类型",
    "board.created": "新增网络留言板", "board.pull_configured": "设置留言板拉取接口",
    "board.replies_exported": "导出留言板答复文件", "board_import.done": "导入留言板留言",
    "board_import.rejected": "留言板留言未导入",
    "seat.logged_in": "坐席签入", "seat.logged_out": "坐席签出", "seat.created": "新增坐席", "seat.updated": "修改坐席",
    "cti_queue.created": "新增话务队列", "cti_queue.updated": "修改话务队列", "cti_key.created": "签发呼叫中心接口密钥",
    "cti_key.revoked": "吊销呼叫中心接口密钥", "call.order_linked": "来电关联工单",
    "linkage_line.created": "登记联动线路", "linkage_line.updated": "修改联动线路",
    "linkage_key.created": "签发公共事业接口密钥", "linkage_key.revoked": "吊销公共事业接口密钥",
    "call.linkage_recorded": "来电联动转接（三方通话/转接）",
    "regions.imported": "导入行政区划", "units.imported": "导入单位", "categories.imported": "导入诉求分类",
    "channels.imported": "导入受理渠道", "regions.exported": "导出行政区划", "units.exported": "导出单位",
    "categories.exported": "导出诉求分类", "channels.exported": "导出受理渠道",
    "calendar.schedule_imported": "导入节假日安排", "calendar_override.set": "调整工作日历",
    "calendar_override.deleted": "删除日历调整", "deadline_rule.created": "新增办理时限规则",
    "deadline_rule.updated": "修改办理时限规则", "deadline_rule.deleted": "删除办理时限规则",
    "deadline_rule.defaults_loaded": "载入默认办理时限", "direct_dispatch_rule.created": "新增直派目录",
    "direct_dispatch_rule.updated": "修改直派目录", "escalation_rule.saved": "保存提级督办规则",
    "letter_template.saved": "保存督办文书模板", "supervision_authority.saved": "设置督办主管部门",
    "supervision.meeting_recorded": "记录约谈/联席会议", "supervision.daily_ledger_sent": "发送每日台账",
    "public_notice.drafted": "起草通报", "public_notice.edited": "修改通报", "public_notice.published": "发布通报",
    "public_notice.withdrawn": "撤回通报", "special_list.created": "建立专项清单",
    "webhook.target_added": "新增推送地址白名单", "webhook.target_removed": "删除推送地址白名单",
    "webhook.subscription_created": "新增推送订阅", "webhook.subscription_changed": "修改推送订阅",
    "webhook.secret_rotated": "更换推送签名密钥", "webhook.subscription_paused": "暂停推送订阅",
    "webhook.subscription_resumed": "恢复推送订阅", "webhook.subscription_deleted": "删除推送订阅",
    "federation.peer_added": "新增互派平台", "federation.peer_changed": "修改互派平台",
    "federation.peer_removed": "删除互派平台", "federation.transfer_sent": "工单转至他市平台",
    "federation.transfer_received": "接收他市平台转来的工单",
    "federation.request_refused": "拒绝互派平台请求（签名无效）",
    "federation.message_failed": "互派消息投递失败", "federation.message_retried": "重新投递互派消息",
    "webhook.replayed": "重放推送", "webhook.dead_lettered": "推送投递失败（死信）",
    "early_warning.spike": "诉求量突增预警", "early_warning.emergency": "突发事件预警",
    "early_warning.acknowledged": "确认预警", "hotspot_snapshot.requested": "请求热点分析",
    "model_version.trained": "训练派单模型", "model_version.activated": "启用派单模型",
    "model_version.train_requested": "请求训练派单模型", "model_version.train_refused": "拒绝训练派单模型",
    "model_version.rolled_back": "回退派单模型",
    "knowledge_item.created": "新建知识点", "knowledge_item.revised": "修订知识点",
    "knowledge_item.submitted": "提交审核", "knowledge_item.approved": "审核通过",
    "knowledge_item.rejected": "审核退回", "knowledge_item.published": "发布知识点",
    "knowledge_item.withdrawn": "撤回知识点", "knowledge_item.expired": "知识点到期失效",
    "knowledge_collection.created": "发起知识征集", "knowledge_collection.closed": "结束知识征集",
    "place_name.created": "新增地名", "place_name.deleted": "删除地名",
    "hotspot_term.created": "新增热点词条", "hotspot_term.updated": "修改热点词条",
    "hotspot_term.deactivated": "停用热点词条", "hotspot_term.activated": "启用热点词条",
    "hotspot_term.imported": "导入热点词库",
    "policy_document.registered": "登记政策文件", "policy_document.settled": "政策文件办结",
    "access.denied": "越权访问被拒绝", "audit.exported": "导出审计日志",
    "access.denied_alert": "告警：短时间内多次越权访问", "citizen.bulk_read_alert": "告警：短时间内大量查看诉求人信息",
    "login.throttled": "登录受限（失败次数过多）", "security.password_spraying": "告警：同一地址尝试多个账号（撞库）",
    "security.account_under_attack": "告警：账号遭多地址密码猜测", "pii.revealed": "查看诉求人联系方式（说明理由）",
    "policy_document.due_recounted": "日历更新后重算政策文件发布期限",
    "open311_key.created": "签发开放311接口密钥", "open311_key.revoked": "吊销开放311接口密钥",
    "open311_service.saved": "保存开放311服务定义",
    "qa_checklist.saved": "保存质检评分表", "qa_sample.drawn": "抽取质检样本", "qa_inspection.picked": "指定质检对象",
    "qa_inspection.scored": "质检评分", "qa_inspection.appealed": "坐席员申诉",
    "qa_inspection.appeal_upheld": "申诉成立，调整得分", "qa_inspection.appeal_rejected": "申诉驳回",
    "qa_report.exported": "导出质检月报",
    "disclosure.month_published": "公开月度数据", "disclosure.month_withdrawn": "撤回月度数据",
    "disclosure.case_chosen": "选为典型案例", "disclosure.case_edited": "修改典型案例",
    "disclosure.case_submitted": "提交典型案例审核", "disclosure.case_approved": "审核通过并公开典型案例",
    "disclosure.case_rejected": "退回典型案例", "disclosure.case_withdrawn": "撤回典型案例",
    "disclosure.case_discarded": "放弃典型案例",
    "merchant.registered": "登记服务企业", "merchant.updated": "修改服务企业信息",
    "merchant.status_changed": "服务企业状态调整", "merchant.proposal_raised": "动态调整规则提出调整建议",
    "merchant.proposal_decided": "处理服务企业调整建议", "merchant.complaint_marked": "登记对服务企业的投诉",
    "report.drafted": "起草分析报告", "report.edited": "修改分析报告", "report.regenerated": "重新生成分析报告",
    "report.issued": "印发分析报告", "report.discarded": "删除分析报告草稿", "report.downloaded": "下载分析报告",
    "daily_ledger.downloaded": "下载突发事件与涉稳风险日报",
    "statistics.exported": "导出统计分析表", "statistics.orders_exported": "导出统计明细工单清单",
    "saved_view.created": "保存统计视图", "saved_view.deleted": "删除统计视图",
    "saved_search.created": "保存常用查询", "saved_search.deleted": "删除常用查询",
    "intake_draft.saved": "暂存受理草稿", "intake_draft.deleted": "删除受理草稿",
    "intake_draft.handed_over": "交接受理草稿", "saved_search.handed_over": "交接常用查询",
    "user.handed_over": "离职交接",
    "attachment.uploaded": "上传附件", "attachment.viewed": "查看附件",
    "notification.retried": "重发短信", "sms_template.saved": "修改短信模板", "sms_template.reset": "恢复默认短信模板",
    "caller_flag.proposed": "提请标记恶意/骚扰来电", "caller_flag.approved": "同意来电标记",
    "caller_flag.rejected": "不同意来电标记", "caller_flag.lifted": "解除来电标记",
    "pii.searched": "按来电号码查询工单", "work_order.exported": "导出工单查询结果",
    "work_order.export_requested": "创建导出任务",
    "spot_check.drawn": "抽取抽查样本", "spot_check.finding_recorded": "记录抽查结论",
    "spot_check.recalled": "抽查复核回访", "spot_check.correction_answered": "单位答复抽查整改",
    "spot_check.correction_accepted": "确认抽查整改", "spot_check.correction_returned": "退回抽查整改",
    "spot_check.closed": "结束抽查", "rectification_list.created": "下达整改清单",
    "rectification_item.progressed": "报告整改进展", "rectification_item.reported_done": "报告整改完成",
    "rectification_item.confirmed": "确认整改销号", "rectification_item.returned": "退回整改事项",
    "green_channel_rule.created": "新增绿色通道规则", "green_channel_rule.updated": "修改绿色通道规则",
    "green_channel_rule.deleted": "删除绿色通道规则", "green_channel_rule.suggested_loaded": "载入绿色通道建议规则",
}

#: Detail fields (and the field names listed in ``fields``/``changed``).
FIELD_NAMES: dict[str, str] = {
    "number": "工单编号", "numbers": "工单编号", "kind": "类别", "fields": "字段", "changed": "修改项", "title": "标题",
    "status": "状态", "reason": "原因", "name": "名称", "items": "条目", "active": "启用", "summary": "摘要",
    "rows": "行数", "role": "角色", "region_code": "区划代码", "purpose": "用途", "previous": "原值",
    "orders": "工单数",
    "score": "得分", "max_score": "满分", "seed": "随机种子", "share": "抽检比例", "from": "起始", "to": "截止",
    "calls": "来电数",
    "code": "编码", "window_days": "统计天数", "user_id": "账号编号", "updated": "更新", "unit_id": "单位编号",
    "unit": "单位", "topic": "主题", "threshold": "阈值", "on_time": "按时", "month": "月份", "lead_unit": "主办单位",
    "key_id": "密钥编号", "is_workday": "工作日", "is_service": "服务账号", "ids": "编号", "due_on": "到期日",
    "doc_number": "文号", "days": "天数", "created": "新增", "count": "数量", "changes": "变更", "before": "修改前",
    "after": "修改后", "activate": "启用", "attempt": "次数", "centre": "热线中心", "due_at": "期限",
    "examples": "样本数", "into": "并入", "labels": "类别数", "note": "备注", "on_time_rate": "按时率",
    "parent": "上级", "public": "公开说明", "question": "问题", "rule": "规则", "version": "版本",
    "working_days": "工作日数", "display_name": "显示名", "id_number": "身份证号", "phone": "电话",
    "short_name": "简称", "assisting": "协办单位", "copies": "抄送", "units": "单位", "result": "办理结果",
    "verdict": "满意度", "resolved": "是否解决", "unit_fault": "承办单位责任", "letter": "文书编号",
    "path": "路径", "method": "请求方式", "username": "用户名", "ip": "来源 IP", "accuracy": "准确率",
    "macro_f1": "宏 F1", "target": "对象", "keywords": "关键词", "utility_type": "公用事业类型",
    "password": "密码", "email": "邮箱", "address": "地址", "category": "分类", "region": "区划",
    "failures": "失败次数", "account": "账号", "window_seconds": "统计秒数", "wait_seconds": "等待秒数",
    "channel": "受理渠道", "enabled": "对外开放", "attributes": "附加问题",
    "merchant": "服务企业", "merchant_ref": "服务企业编号", "service": "服务类型", "service_types": "服务类型",
    "areas": "服务区域", "uscc": "统一社会信用代码", "action": "操作", "proposal": "调整建议", "accepted": "采纳",
    "response_hours": "响应时长（小时）",
    "received": "受理量", "hide_enterprise": "隐去企业名称",
    "line": "联动线路", "linkage": "联动记录", "other_ref": "对方单号", "scope": "移交方式", "outcome": "处置结果",
    "mode": "通话方式", "previous_due_at": "原办理期限", "via": "办结方式",
    "period": "统计周期", "dimension": "统计维度", "measures": "统计指标", "measure": "统计指标", "key": "分组",
    "item": "抽查条目", "finding": "抽查结论", "problem_type": "问题类型", "population": "总体数量",
    "stratify_by": "分层依据", "late": "逾期", "percent": "时限比例",
}

_VALUES: dict[str, str] = {"True": "是", "False": "否", "None": "无"}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def action_name(code: str) -> str:
    """The Chinese name of an action code; an unknown code reads as its object's name and verb."""
    if code in ACTION_NAMES:
        return ACTION_NAMES[code]
    head, _, verb = code.partition(".")
    return f"{OBJECT_NAMES.get(head, head)}：{verb}" if verb else OBJECT_NAMES.get(head, code)


def object_name(kind: str | None) -> str:
    return OBJECT_NAMES.get(kind or "", kind or "")


def _coded_values() -> dict[str, dict[str, str]]:
    """Codes stored as detail values (an order's status, an account's role …) → their names."""
    from hotline.auth.models import ROLE_NAMES
    from hotline.workorder.lifecycle import STATUS_NAMES
    from hotline.workorder.models import RESULT_NAMES

    verdicts = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
    return {"status": {k.value: v for k, v in STATUS_NAMES.items()},
            "role": {k.value: v for k, v in ROLE_NAMES.items()},
            "result": {k.value: v for k, v in RESULT_NAMES.items()}, "verdict": verdicts}


_CODED: dict[str, dict[str, str]] = {}


def _value(value: Any, key: str | None = None) -> str:
    if key is not None and isinstance(value, str):
        if not _CODED:
            _CODED.update(_coded_values())
        if value in _CODED.get(key, {}):
            return _CODED[key][value]
    if isinstance(value, bool) or value is None:
        return _VALUES[str(value)]
    if isinstance(value, list):
        return "、".join(FIELD_NAMES.get(v, v) if isinstance(v, str) else _value(v) for v in value) or "无"
    if isinstance(value, dict):
        return "，".join(f"{FIELD_NAMES.get(k, k)} {_value(v)}" for k, v in value.items())
    text = str(value)
    if _ISO.match(text):
        try:
            return clock.as_aware(dt.datetime.fromisoformat(text)).astimezone(clock.CST).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text
    return text


def detail_text(detail: dict[str, Any] | None) -> str:
    """``detail`` as ``名称：值；…`` in the order it was written (no JSON, no escapes)."""
    if not detail:
        return ""
    return "；".join(f"{FIELD_NAMES.get(key, key)}：{_value(value, key)}" for key, value in detail.items())


def actor_name(actor_id: int | None, login: str, display_names: dict[int, str]) -> str:
    """Who acted, as people know them: the account's display name; the platform itself as 系统."""
    if actor_id is not None and actor_id in display_names:
        return display_names[actor_id]
    return {"system": "系统", "public": "诉求人（网上）", "anonymous": "未登录访客"}.get(login, login)
