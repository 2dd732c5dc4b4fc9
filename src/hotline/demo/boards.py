"""The demo's message board: 人民网领导留言板 (``leader_board``) set up as a board of the
province's hotline centre, with a few dozen messages of the past two weeks imported as a board's
export would bring them — HTML remnants and all. Some repeat an appeal the centre already has
(the 幸福小区 corridor, the 北固镇 water cut, the cracked walls already answered), so the demo
shows a merge across channels, a catalogue repeat joining its open order and a line in the
reply file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.channels.boards import fileformat, repository, service
from hotline.kit import clock

BOARD = "leader_board"

#: (subject, text, likes): what citizens write on the board.
MESSAGES = [
    ("幸福小区楼道杂物堆积",
     "<p>东城区东华街道幸福小区3栋楼道长期堆放杂物，消防通道被堵，物业一直不清理，存在很大的消防隐患。</p>", 36),
    ("北固镇停水", "安平县北固镇中心街一带从早上开始停水，一直没有来水，也没有接到任何停水通知。", 52),
    ("新房墙体开裂开发商推诿", "东城区新桥街道购买的新房交付半年墙体多处开裂，开发商推诿不修，请有关部门督促。", 18),
    ("金水公园路灯不亮", "西城区金水公园东门到南门的路灯已经一个多星期不亮了，晚上散步的老人很多，很不安全。", 24),
    ("江滨小区电梯经常困人", "云中区望江街道江滨小区3栋的电梯一个月困人好几次，物业只是简单维修，业主很担心安全。", 41),
    ("南湖中学周边摊贩占道", "河东区南湖中学门口放学时段摊贩占道经营，学生和家长只能走机动车道，交通秩序混乱。", 15),
    ("咨询新生儿医保办理", "请问青川市新生儿参加城乡居民医保需要准备哪些材料，可以在网上办理吗？", 7),
    ("建议增开夜班公交", "建议临河市增开几条夜班公交线路，很多在滨江街道上夜班的市民下班后没有车回家。", 63),
    ("工地夜间施工噪音扰民", "青川市东城区朝阳街道人民路建筑工地深夜施工，噪音扰民，居民无法正常休息。", 29),
    ("农民工工资被拖欠",
     "我们在松溪县竹林镇的工地干了半年，包工头拖欠工资至今未发，多次讨要无果，请劳动监察部门帮助。", 88),
    ("望江楼景区乱收费", "云中区望江楼景区停车场收费没有公示标准，节假日随意涨价，希望市场监管部门查处。", 12),
    ("滨江公园健身器材损坏", "河东区滨江公园的健身器材损坏多日无人维修，孩子在上面玩很危险。", 9),
    ("中心街油烟扰民", "安平县北固镇中心街几家烧烤店油烟直排，附近居民家里全是油烟味，晚上还很吵。", 21),
    ("反映学校强制补课", "西城区某中学周末强制学生到校补课，还要收资料费，家长敢怒不敢言。", 47),
    ("锦绣家园物业乱收费", "安平县安平镇锦绣家园物业擅自上涨停车费，业主大会从未同意。", 19),
    ("感谢环卫工人", "感谢东城区环卫工人春节期间坚守岗位，街道干干净净。", 5),
    ("", "", 0),  # an empty message: reported and skipped, as boards do export them
]


def load_board(session: Session) -> None:
    """Set up the board and import its messages (about a second: the models are loaded once)."""
    admin = Principal.of(auth_repository.user_by_username(session, "admin"))  # type: ignore[arg-type]
    board = service.create_board(session, admin, code=BOARD, centre_unit_code="C-990000")
    channel = repository.board_by_code_id(session, board)
    now = clock.now().astimezone(clock.CST).replace(second=0, microsecond=0)
    records = []
    for n, (subject, text, likes) in enumerate(MESSAGES):
        posted = now - dt.timedelta(days=14) + dt.timedelta(hours=19 * n + 3)
        if posted > now:
            posted = now - dt.timedelta(minutes=n)
        records.append((n + 2, {"ref": f"RMW{2026120000 + n}", "user": f"网友{(n * 7919) % 100000:05d}",
                                "subject": subject, "posted_at": posted.strftime("%Y年%m月%d日 %H:%M"),
                                "text": text.replace("，", "，&nbsp;", 1), "likes": str(likes),
                                "dislikes": str(n % 3)}))
    parsed = fileformat.check(records)
    assert not parsed.errors, parsed.errors
    run = service.start_import(session, board, actor=admin, source="file", filename="demo-leader-board.xlsx")
    counts = service.import_messages(session, board, channel, parsed.messages, import_id=run.id)
    counts.read += len(parsed.skipped)
    counts.skipped, counts.errors = len(parsed.skipped), list(parsed.skipped)
    service.finish_import(session, run, counts, actor=admin)
