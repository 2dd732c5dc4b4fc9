"""The demo's month of hotspots reads as people name the matters: the dictionary's terms and
synonyms, estates and a digit-initial lending platform whole."""

from __future__ import annotations

from hotline.intelligence import repository
from hotline.intelligence.models import HotspotTerm
from hotline.kit import clock
from hotline.org import repository as org_repository


def test_the_demo_keeps_a_dictionary_and_its_hotspots_are_named_by_terms(demo_db, demo):
    terms = {t.term: t for t in demo_db.query(HotspotTerm).all()}
    assert {"青川市第一人民医院", "锦绣家园小区", "58车贷平台"} <= set(terms)
    centre = org_repository.unit_by_code(demo_db, "C-990100")
    assert centre is not None
    month = demo.loaded_at.astimezone(clock.CST).strftime("%Y-%m")
    snapshot = repository.hotspot_snapshot(demo_db, centre.id, month)
    assert snapshot is not None
    labels = [h["label"] for h in snapshot.hotspots]
    assert any(label.startswith("锦绣家园小区 ") and "电梯" in label for label in labels), labels
    assert any(label.startswith("58车贷平台 ") for label in labels), labels
    assert any(label.startswith("青川市第一人民医院 ") for label in labels), labels  # 市一医院, 青川一院 merged
