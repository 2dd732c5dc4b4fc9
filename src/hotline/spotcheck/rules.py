"""Pure rules of spot checks and rectification lists: drawing a sample (random or stratified,
reproducible from a seed), the names of findings and problem types, and the transitions of a
correction and of a rectification item. No I/O."""

from __future__ import annotations

import enum
import hashlib
import random
from collections.abc import Mapping, Sequence

from hotline.kit.errors import Conflict


class Method(enum.StrEnum):
    random = "random"  # 简单随机抽样
    stratified = "stratified"  # 分层抽样：按单位、地区或分类按比例分配


class Stratum(enum.StrEnum):
    unit = "unit"  # 主办单位
    region = "region"  # 县（区）
    category = "category"  # 一级分类


class Finding(enum.StrEnum):
    correct = "correct"  # 办理规范
    problem = "problem"  # 存在问题


class ProblemType(enum.StrEnum):
    false_reply = "false_reply"  # 答复不实
    buck_passing = "buck_passing"  # 推诿扯皮
    perfunctory = "perfunctory"  # 敷衍应付
    overdue = "overdue"  # 超期办理
    misclassified = "misclassified"  # 分类错误
    not_resolved = "not_resolved"  # 问题未解决
    other = "other"  # 其他


class Recall(enum.StrEnum):
    """The verdict of the re-callback (复核回访) to the citizen during a check."""

    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"
    unreached = "unreached"  # 未接通


class Correction(enum.StrEnum):
    none = "none"  # no correction required
    open = "open"  # 待整改
    answered = "answered"  # 单位已答复，待确认
    accepted = "accepted"  # 整改通过
    returned = "returned"  # 退回重改 (open again)


class ItemStatus(enum.StrEnum):
    open = "open"  # 未开始
    in_progress = "in_progress"  # 整改中
    reported = "reported"  # 单位报告已完成，待确认
    done = "done"  # 已销号


METHOD_NAMES = {Method.random: "随机抽样", Method.stratified: "分层抽样"}
STRATUM_NAMES = {Stratum.unit: "按主办单位", Stratum.region: "按县（区）", Stratum.category: "按一级分类"}
FINDING_NAMES = {Finding.correct: "办理规范", Finding.problem: "存在问题"}
PROBLEM_NAMES = {ProblemType.false_reply: "答复不实", ProblemType.buck_passing: "推诿扯皮",
                 ProblemType.perfunctory: "敷衍应付", ProblemType.overdue: "超期办理",
                 ProblemType.misclassified: "分类错误", ProblemType.not_resolved: "问题未解决",
                 ProblemType.other: "其他"}
RECALL_NAMES = {Recall.satisfied: "满意", Recall.basically_satisfied: "基本满意", Recall.dissatisfied: "不满意",
                Recall.unreached: "未接通"}
CORRECTION_NAMES = {Correction.none: "无需整改", Correction.open: "待整改", Correction.answered: "待确认",
                    Correction.accepted: "整改通过", Correction.returned: "退回重改"}
ITEM_STATUS_NAMES = {ItemStatus.open: "未开始", ItemStatus.in_progress: "整改中", ItemStatus.reported: "待确认",
                     ItemStatus.done: "已销号"}

#: Working days a unit has to correct a problem, unless the checker says otherwise.
DEFAULT_CORRECTION_WORKING_DAYS = 5
MAX_SAMPLE = 500
MAX_CORRECTION_WORKING_DAYS = 60


def new_seed() -> str:
    """A seed for a draw: 16 hex digits, recorded with the check."""
    return f"{random.SystemRandom().getrandbits(64):016x}"


def _rng(seed: str, salt: str = "") -> random.Random:
    # A hash of the seed, so the same seed draws the same sample on every platform and Python.
    digest = hashlib.sha256(f"{seed}|{salt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))  # noqa: S311 (a reproducible sample, not a secret)


def draw_random(population: Sequence[int], size: int, seed: str) -> list[int]:
    """A simple random sample of ``size`` order ids (all when fewer), the same for the same
    population and seed whatever order the ids came in. Returned in ascending id order."""
    ids = sorted(set(population))
    if size >= len(ids):
        return ids
    return sorted(_rng(seed).sample(ids, size))


def allocate(strata: Mapping[str, int], size: int) -> dict[str, int]:
    """Proportional allocation of ``size`` over strata of the given sizes by the largest
    remainder (Hamilton) method: each stratum gets ``size × n_s / N`` rounded down, and the
    seats left go to the largest remainders (ties: the larger stratum, then the key). No
    stratum gets more than it has; the shares add up to ``min(size, N)``."""
    total = sum(strata.values())
    size = min(size, total)
    if total == 0 or size <= 0:
        return dict.fromkeys(strata, 0)
    quotas = {k: size * n / total for k, n in strata.items()}
    shares = {k: min(int(q), strata[k]) for k, q in quotas.items()}
    left = size - sum(shares.values())
    order = sorted(strata, key=lambda k: (-(quotas[k] - int(quotas[k])), -strata[k], k))
    while left > 0:
        progressed = False
        for k in order:
            if left == 0:
                break
            if shares[k] < strata[k]:
                shares[k] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return shares


def draw_stratified(strata: Mapping[str, Sequence[int]], size: int, seed: str) -> tuple[list[int], dict[str, int]]:
    """A stratified sample: ``size`` allocated to the strata in proportion to their sizes
    (:func:`allocate`), each stratum sampled at random with its own stream of the seed. Returns
    the ids (ascending) and each stratum's share."""
    members = {k: sorted(set(v)) for k, v in strata.items()}
    shares = allocate({k: len(v) for k, v in members.items()}, size)
    drawn: list[int] = []
    for key in sorted(members):
        ids, n = members[key], shares[key]
        drawn += ids if n >= len(ids) else _rng(seed, key).sample(ids, n)
    return sorted(drawn), shares


# --- transitions ------------------------------------------------------------------------------

CORRECTION_MOVES: dict[tuple[Correction, str], Correction] = {
    (Correction.open, "answer"): Correction.answered,
    (Correction.returned, "answer"): Correction.answered,
    (Correction.answered, "accept"): Correction.accepted,
    (Correction.answered, "return"): Correction.returned,
}

ITEM_MOVES: dict[tuple[ItemStatus, str], ItemStatus] = {
    (ItemStatus.open, "progress"): ItemStatus.in_progress,
    (ItemStatus.in_progress, "progress"): ItemStatus.in_progress,
    (ItemStatus.open, "report_done"): ItemStatus.reported,
    (ItemStatus.in_progress, "report_done"): ItemStatus.reported,
    (ItemStatus.reported, "confirm"): ItemStatus.done,
    (ItemStatus.reported, "return"): ItemStatus.in_progress,
}

ACTION_NAMES = {"answer": "答复整改", "accept": "确认整改", "return": "退回", "progress": "报告进展",
                "report_done": "报告完成", "confirm": "确认销号"}


def move_correction(state: Correction | str, action: str) -> Correction:
    try:
        return CORRECTION_MOVES[Correction(state), action]
    except (KeyError, ValueError):
        raise Conflict(f"整改要求当前为“{CORRECTION_NAMES.get(Correction(state), state)}”，"
                       f"不能{ACTION_NAMES.get(action, action)}") from None


def move_item(status: ItemStatus | str, action: str) -> ItemStatus:
    try:
        return ITEM_MOVES[ItemStatus(status), action]
    except (KeyError, ValueError):
        raise Conflict(f"整改事项当前为“{ITEM_STATUS_NAMES.get(ItemStatus(status), status)}”，"
                       f"不能{ACTION_NAMES.get(action, action)}") from None


OPEN_CORRECTIONS = frozenset({Correction.open, Correction.returned})
OPEN_ITEMS = frozenset({ItemStatus.open, ItemStatus.in_progress})
