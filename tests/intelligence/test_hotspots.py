"""The hotspot engine finds planted clusters of appeals about one matter among unrelated ones,
ranks them by heat, and runs on a CSV from the command line."""

import csv
import datetime as dt
import json
import random

import pytest

from hotline import cli
from hotline.config import get_settings
from hotline.intelligence import hotspots

ISSUES = {
    "transfer": ("翠湖花园", [
        "翠湖花园小区旁边的垃圾中转站臭味熏天", "强烈要求搬迁翠湖花园门口的垃圾中转站",
        "翠湖花园垃圾站夏天臭气太重，窗户都不敢开", "翠湖花园业主反映垃圾中转站污水横流",
        "垃圾中转站紧挨翠湖花园住宅楼，蚊蝇成群", "翠湖花园的垃圾转运车半夜作业，臭味和噪音扰民",
        "请处理翠湖花园垃圾中转站恶臭问题", "翠湖花园居民受垃圾中转站臭味困扰多年",
        "翠湖花园东门垃圾中转站什么时候能搬走", "翠湖花园垃圾站渗滤液流到小区道路上"]),
    "fees": ("实验中学", [
        "实验中学强制学生周末补课并收取补课费", "实验中学收取资料费不开发票", "实验中学乱收费问题请教育局查处",
        "实验中学假期组织有偿补课，家长负担重", "举报实验中学老师在校外培训机构有偿补课",
        "实验中学每学期收取名目繁多的费用", "实验中学补课费每人一千五，是否合规", "实验中学晚自习收费问题"]),
    "delay": ("滨江一号", [
        "滨江一号楼盘交房延期一年多开发商不给说法", "滨江一号开发商逾期交房拒不赔偿违约金",
        "滨江一号延期交房，业主要求住建局督促", "滨江一号项目停工，业主担心烂尾", "滨江一号逾期交付，违约金谁来管",
        "滨江一号业主集体反映延期交房问题"]),
    "trucks": ("东风路", [
        "东风路夜间渣土车超速行驶噪音大", "东风路渣土车抛洒泥土，路面脏乱", "东风路渣土车闯红灯，存在安全隐患",
        "每天凌晨东风路渣土车轰鸣扰民", "东风路渣土车带泥上路，晴天扬尘雨天泥泞"]),
    "scam": ("惠民理财", [
        "惠民理财平台爆雷，投资款无法提现，请求立案", "惠民理财非法集资案件进展如何",
        "惠民理财老板跑路，我们的钱怎么办", "惠民理财受害人请求公安追赃挽损", "惠民理财案已立案半年，何时退赔"]),
}
NOISE = [
    "幸福路口的红绿灯时间太短", "人民医院挂号难，号贩子猖獗", "公交12路班次太少等车一小时", "小区电梯经常坏业主被困",
    "新修的人行道地砖松动", "菜市场占道经营堵塞交通", "单位不给缴纳社会保险", "农村危房改造补贴没发到位",
    "公积金提取手续太繁琐", "孩子上幼儿园学位紧张", "医保异地报销比例太低", "出租车拒载绕路", "小区物业乱收停车费",
    "路边违停车辆堵住消防通道", "自来水发黄有异味", "冬季供暖温度不达标", "养老金调整什么时候发放",
    "驾驶证换证需要什么材料", "高速公路收费站排队太长", "广场舞音响太吵影响休息", "楼上住户高空抛物",
    "老旧小区改造进度缓慢", "学校食堂饭菜质量差", "房产证办理拖延多年", "农民工工资被拖欠", "药店卖假药",
    "网约车平台乱收费", "城管暴力执法", "路灯不亮晚上出行不便", "河道有人偷排污水", "工地夜间施工噪音扰民",
    "小区绿化被业主私占种菜", "快递员态度恶劣拒绝送货上门", "景区门票价格过高", "农村道路年久失修坑洼不平",
    "公厕卫生差无人打扫", "停车场收费不明码标价", "健身器材损坏无人维修", "商场消防通道堆放杂物",
    "燃气费突然上涨", "宠物狗不拴绳吓到小孩", "银行网点关闭办事不方便",
]


def _appeals(seed=3):
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
    appeals, truth = [], {}
    n = 0
    for key, (_, texts) in ISSUES.items():
        for text in texts:
            n += 1
            truth[str(n)] = key
            appeals.append(hotspots.Appeal(id=str(n), title=text[:14], text=text + "，希望有关部门尽快处理。",
                                           time=start + dt.timedelta(days=rng.randint(0, 330)),
                                           likes=rng.randint(0, 30) if key == "scam" else rng.randint(0, 3)))
    places = ["青川市", "东城区", "西城区", "安平县", "云岭市"]
    for text in NOISE:  # one appeal each: a matter raised once is no hotspot
        n += 1
        appeals.append(hotspots.Appeal(id=str(n), title=text[:12], text=f"{rng.choice(places)}{text}。",
                                       time=start + dt.timedelta(days=rng.randint(0, 330)), likes=0))
    rng.shuffle(appeals)
    return appeals, truth


def test_planted_clusters_come_out_on_top_whole_and_pure():
    appeals, truth = _appeals()
    found = hotspots.find(appeals, top=5)
    keys = []
    for h in found:
        planted = [truth.get(i) for i in h.member_ids]
        key, hits = max(((k, planted.count(k)) for k in ISSUES), key=lambda kv: kv[1])
        keys.append(key)
        assert hits / len(h.member_ids) >= 0.8, (h.label, planted)  # pure
        assert hits >= 0.7 * len(ISSUES[key][1]), (h.label, hits)  # whole
        assert h.place == ISSUES[key][0] or ISSUES[key][0] in h.label
        assert h.samples and h.keywords and sum(h.trend.values()) == h.count
    assert sorted(keys) == sorted(ISSUES)  # the five matters, each once
    assert found[0].heat >= found[-1].heat


def test_an_appeal_linked_to_nothing_joins_the_cluster_whose_centre_it_is_near():
    from scipy import sparse
    from sklearn.preprocessing import normalize

    # Three members, each with the matter's two words and a weighty word of its own; then an
    # appeal with the matter's two words and a weighty word of its own (far from every single
    # member, near what they have in common), one with a single matter word, one unrelated.
    rows = [[1, 1, 3, 0, 0, 0, 0], [1, 1, 0, 3, 0, 0, 0], [1, 1, 0, 0, 3, 0, 0],
            [1, 1, 0, 0, 0, 3, 0], [1, 0, 0, 0, 0, 4, 0], [0, 0, 0, 0, 0, 0, 1]]
    matrix = sparse.csr_matrix(normalize(sparse.csr_matrix(rows, dtype="float32")))
    similarities = (matrix @ matrix.T).toarray()
    assert max(similarities[3, :3]) < hotspots.LINK < 0.5  # it links to no member on its own
    assert hotspots._attach(matrix, [[0, 1, 2]]) == [[0, 1, 2, 3]]
    assert hotspots._attach(matrix, []) == []


def test_heat_grows_with_volume_people_likes_and_growth():
    none = [0] * 10
    assert hotspots.heat(20, [0] * 20, None, 0) > hotspots.heat(10, none, None, 0)
    assert hotspots.heat(10, [100] + [0] * 9, None, 0) > hotspots.heat(10, none, None, 0)
    assert hotspots.heat(10, none, 10, 0) > hotspots.heat(10, none, 2, 0)
    assert hotspots.heat(10, none, None, 2.0) > hotspots.heat(10, none, None, -0.5) == hotspots.heat(10, none, None, 0)


def test_growth_of_a_few_appeals_counts_for_less_than_the_same_growth_of_many():
    end = dt.datetime(2025, 12, 31, tzinfo=dt.UTC)
    old, new = end - dt.timedelta(days=360), end - dt.timedelta(days=10)
    few = hotspots._growth([old] + [new] * 3, end)
    many = hotspots._growth([old] * 10 + [new] * 30, end)
    assert 0 < few < many < 2.0  # 3/4 and 30/40 recent: both "three times the even pace" unshrunk
    assert hotspots._growth([old] * 40, end) < 0 == hotspots._growth([new] * 2, end)


def test_one_viral_post_does_not_lift_a_small_matter_above_a_much_larger_one():
    assert hotspots.heat(4, [1500, 0, 0, 0], None, 0) < hotspots.heat(9, [0] * 9, None, 0)
    assert hotspots.heat(4, [1500, 0, 0, 0], None, 0) > hotspots.heat(5, [0] * 5, None, 0)  # but it counts


def test_the_place_is_where_the_matter_is_not_the_authority_asked():
    texts = ["请问K2区人民政府何时出台灵活就业补缴政策", "灵活就业人员补缴养老保险，请县人民政府答复",
             "K2区灵活就业人员补缴政策何时出台，人民政府"]
    assert hotspots.place_of(texts) == "K2区"


def test_unrelated_appeals_make_no_hotspot():
    appeals = [hotspots.Appeal(id=str(i), title=t, text=t) for i, t in enumerate(NOISE)]
    assert hotspots.find(appeals) == []


def test_the_command_reads_a_csv_and_prints_json(tmp_path, capsys):
    appeals, _ = _appeals()
    path = tmp_path / "board.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "text", "time", "likes"])
        for a in appeals:
            writer.writerow([a.id, a.title, a.text, a.time.strftime("%Y/%m/%d %H:%M:%S"), a.likes])
    assert cli.main(["hotspots", "--input", str(path), "--top", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 3
    for h in out:
        assert set(h) >= {"label", "count", "heat", "member_ids"}
        assert h["count"] == len(h["member_ids"]) and all(i in {a.id for a in appeals} for i in h["member_ids"])
    assert [h["heat"] for h in out] == sorted((h["heat"] for h in out), reverse=True)


def test_the_command_reads_exported_times_and_line_breaks_as_they_come(tmp_path, capsys):
    """Times with and without a zone, or written in Chinese, in one file; texts spanning lines."""
    appeals, truth = _appeals()
    styles = ["%Y-%m-%dT%H:%M:%S+08:00", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M", "%Y-%m-%dT%H:%M:%SZ"]
    path = tmp_path / "board.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "text", "time", "likes"])
        for n, a in enumerate(appeals):
            writer.writerow([a.id, a.title, a.text.replace("，", "，\r\n", 1), a.time.strftime(styles[n % 4]), a.likes])
    assert cli.main(["hotspots", "--input", str(path), "--top", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {truth[h["member_ids"][0]] for h in out} == set(ISSUES)
    for h in out:
        assert h["first"] and h["last"] and sum(h["trend"].values()) == h["count"]  # every time was read


@pytest.mark.parametrize("top", ["0", "-2", "ten"])
def test_the_command_refuses_a_top_that_is_not_a_positive_count(tmp_path, top, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["hotspots", "--input", str(tmp_path / "board.csv"), "--top", top])
    assert exit_.value.code == 2 and "--top" in capsys.readouterr().err


def test_the_command_names_a_missing_file(tmp_path):
    with pytest.raises(SystemExit, match="no such file"):
        cli.main(["hotspots", "--input", str(tmp_path / "missing.csv")])


def test_the_command_reads_a_board_export_with_chinese_column_names(tmp_path, capsys):
    appeals, truth = _appeals()
    path = tmp_path / "board.csv"
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"])
        for n, a in enumerate(appeals):
            likes = "inf" if n == 0 else ("" if n == 1 else a.likes)
            writer.writerow([a.id, "A000" + a.id, a.title, a.time.strftime("%Y/%m/%d %H:%M:%S"), a.text, likes, 0])
    assert cli.main(["hotspots", "--input", str(path), "--top", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {truth[h["member_ids"][0]] for h in out} == set(ISSUES)
    assert all(h["first"] for h in out)


def test_the_command_refuses_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "board.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(128, 256)) * 4)
    with pytest.raises(SystemExit, match="not a CSV text file"):
        cli.main(["hotspots", "--input", str(path)])


def test_the_command_leaves_nothing_behind_in_the_working_folder(tmp_path, monkeypatch, capsys, request):
    appeals, _ = _appeals()
    board = tmp_path / "board.csv"
    with board.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "text", "time", "likes"])
        writer.writerows([a.id, a.title, a.text, a.time.isoformat(), a.likes] for a in appeals)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("HOTLINE_DATA_DIR", "HOTLINE_SECRET_KEY", "HOTLINE_PII_KEYS", "HOTLINE_PII_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)  # as on an analyst's machine: no platform set up
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)  # later tests read the suite's settings again
    assert cli.main(["hotspots", "--input", str(board)]) == 0
    assert json.loads(capsys.readouterr().out)
    assert list(work.iterdir()) == []  # no var/keys.json: a file command needs no keys
