"""The prepared pool a batch import ranks against scores each candidate as ``rank`` does."""

import datetime as dt

from hotline.intelligence import duplicates

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
TEXTS = [
    "幸福路12号门口的路灯不亮好几天了，晚上一片漆黑", "幸福路18号门口的路灯不亮", "人民路小区垃圾没人清运，臭气熏天",
    "学校周末强制补课，孩子很累", "幸福路12号路灯坏了好几天，晚上很黑，请尽快修", "工地夜间施工噪音扰民，睡不着觉",
    "人民路的垃圾堆了一周没人收", "公司拖欠工资三个月了",
]


def test_the_pool_finds_what_rank_finds_with_the_same_scores():
    candidates = [duplicates.Candidate(id=i + 1, text=t, citizen_id=None, region_code="990102001", address=None,
                                       registered_at=NOW) for i, t in enumerate(TEXTS)]
    pool = duplicates.Pool(candidates)
    for text in ("幸福路12号的路灯一直不亮，晚上漆黑一片", "人民路垃圾好几天没人清运了", "孩子学校周末补课"):
        probe = duplicates.Probe(text=text, region_code="990102001")
        expected = duplicates.rank(probe, candidates, limit=3)
        assert expected, text
        assert [(x.id, x.score) for x in pool.rank(probe, limit=3)] == [(x.id, x.score) for x in expected]
