"""The demo's Open311 set-up: a realistic set of categories opened as services (two with
extra questions), and a key for a demo city app, printed at start-up."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.channels.open311 import service
from hotline.org import repository as org_repository
from hotline.org import service as org
from hotline.org.models import ChannelKind

DEMO_APP = ("city_app", "青川市民通 App")
DEMO_KEY_NAME = "演示：青川市民通 App"
_V = "values"

#: (category path, description, keywords, extra questions)
SERVICES: list[tuple[tuple[str, ...], str, str, list[dict[str, Any]]]] = [
    (("城乡建设", "城市建设和市政管理", "城市公共设施"), "路灯、井盖、护栏、公共座椅等市政设施损坏",
     "路灯,井盖,护栏,设施", [
        {"code": "FACILITY", "datatype": "singlevaluelist", "required": True, "description": "损坏的设施",
         _V: [{"key": "lamp", "name": "路灯"}, {"key": "manhole", "name": "井盖"}, {"key": "rail", "name": "护栏"},
              {"key": "bench", "name": "公共座椅"}, {"key": "other", "name": "其他"}]},
        {"code": "ASSET_NO", "datatype": "string", "required": False, "description": "设施编号（灯杆、井盖上的编号）"},
    ]),
    (("城乡建设", "城市建设和市政管理", "环境卫生"), "垃圾清运不及时、道路保洁、公厕卫生", "垃圾,保洁,公厕", []),
    (("城乡建设", "城市建设和市政管理", "园林绿化"), "树木倒伏、绿地损毁、枝叶遮挡", "树木,绿化,草坪", []),
    (("城乡建设", "城市建设和市政管理", "自来水供应"), "停水、水压低、水质异常、管道漏水", "停水,漏水,水压", [
        {"code": "PROBLEM", "datatype": "singlevaluelist", "required": True, "description": "问题类型",
         _V: [{"key": "outage", "name": "停水"}, {"key": "pressure", "name": "水压低"},
              {"key": "quality", "name": "水质异常"}, {"key": "leak", "name": "管道漏水"}]},
        {"code": "SINCE", "datatype": "datetime", "required": False, "description": "开始时间"},
        {"code": "HOUSEHOLDS", "datatype": "number", "required": False, "description": "受影响户数（估计）"},
    ]),
    (("城乡建设", "城市建设和市政管理", "燃气供应"), "停气、燃气异味（紧急泄漏请立即拨打燃气公司抢修电话）",
     "燃气,停气", []),
    (("城乡建设", "城市建设和市政管理", "电力供应"), "停电、电压不稳、电线杆倒伏", "停电,电力", []),
    (("城乡建设", "城市建设和市政管理", "公共汽车"), "公交线路、站点、司乘服务", "公交,站点", []),
    (("城乡建设", "城乡规划", "违章建筑"), "违法搭建、私自加建", "违建,搭建", []),
    (("城乡建设", "住房保障与房地产", "物业服务"), "物业服务质量、收费、公共部位维修", "物业,小区", []),
    (("环境保护", "环境污染", "噪音污染"), "施工、商铺、娱乐场所噪声扰民", "噪音,施工,扰民", [
        {"code": "SOURCE", "datatype": "singlevaluelist", "required": True, "description": "噪声来源",
         _V: [{"key": "construction", "name": "建筑施工"}, {"key": "shop", "name": "商铺经营"},
              {"key": "entertainment", "name": "娱乐场所"}, {"key": "traffic", "name": "交通"},
              {"key": "other", "name": "其他"}]},
        {"code": "WHEN", "datatype": "multivaluelist", "required": False, "description": "发生时段",
         _V: [{"key": "day", "name": "白天"}, {"key": "evening", "name": "晚间（22 时前）"},
              {"key": "night", "name": "夜间（22 时后）"}]},
    ]),
    (("环境保护", "环境污染", "大气污染"), "油烟、扬尘、焚烧、异味", "油烟,扬尘,焚烧", []),
]


def load_open311(session: Session, admin: Principal, categories: dict[tuple[str, ...], str]) -> None:
    for path, description, keywords, attributes in SERVICES:
        service.save_service(session, admin, categories[path], enabled=True, description=description,
                             keywords=keywords, attributes=attributes)
    org.create_channel(session, admin, code=DEMO_APP[0], name=DEMO_APP[1], kind=ChannelKind.mobile)


def issue_demo_key(session: Session) -> str:
    """A fresh key for the demo city app (the one printed at the previous start is revoked)."""
    user = auth_repository.user_by_username(session, "admin")
    assert user is not None
    admin = Principal.of(user)
    for row in service.list_keys(session, admin):
        if row.name == DEMO_KEY_NAME and row.revoked_at is None:
            service.revoke_key(session, admin, row.id)
    channel = DEMO_APP[0] if org_repository.channel_by_code(session, DEMO_APP[0]) is not None else None
    key, _ = service.issue_key(session, admin, name=DEMO_KEY_NAME, channel=channel, rate_per_minute=120)
    return key
