"""The text classifier on its own (pure): learning, confidence, storage without pickle, and
the evaluation command on labelled files."""

import json

import pytest

from hotline import cli
from hotline.intelligence import classifier
from tests.intelligence.helpers import texts


def _data(n=24):
    xs = texts("lamp", n) + texts("noise", n)
    ys = ["路灯"] * n + ["噪声"] * n
    return xs, ys


def test_it_learns_which_label_a_text_points_to():
    xs, ys = _data()
    model = classifier.train(xs, ys)
    top = model.predict(["我家楼下路灯坏了好几天", "隔壁工地半夜施工噪音"])
    assert [p[0].label for p in top] == ["路灯", "噪声"]
    for predictions in top:
        confidences = [p.confidence for p in predictions]
        assert confidences == sorted(confidences, reverse=True)
        assert 0.5 < confidences[0] <= 1 and abs(sum(confidences) - 1) < 0.01  # two labels: they share it all


def test_a_stored_model_predicts_exactly_as_before():
    xs, ys = _data()
    model = classifier.train(xs, ys)
    blob = model.to_bytes()
    assert b"pickle" not in blob
    again = classifier.Model.from_bytes(blob)
    sample = ["路灯杆倒了", "广场舞太吵", "不相干的一句话"]
    assert [[(p.label, p.confidence) for p in r] for r in again.predict(sample)] == \
        [[(p.label, p.confidence) for p in r] for r in model.predict(sample)]


def test_text_is_normalised_before_it_is_read():
    assert classifier.normalise("ＡＢＣ　路灯 2024年 12 月") == "abc 路灯 0年 0 月"


def test_one_label_teaches_nothing():
    with pytest.raises(ValueError, match="two labels"):
        classifier.train(["路灯坏了", "路灯不亮"], ["路灯", "路灯"])


def test_the_hold_out_split_keeps_every_label_on_both_sides():
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 1
    train, test = classifier.split(labels)
    assert sorted(train + test) == list(range(16)) and not set(train) & set(test)
    assert {labels[i] for i in test} == {"a", "b"} and {labels[i] for i in train} == {"a", "b", "c"}


def _tsv(path, rows):
    path.write_text("label\ttext\n" + "".join(f"{label}\t{text}\n" for label, text in rows), encoding="utf-8")
    return str(path)


def test_evaluate_trains_on_one_file_and_scores_the_other(tmp_path, capsys):
    xs, ys = _data(40)
    rows = list(zip(ys, xs, strict=True))
    train = _tsv(tmp_path / "a.tsv", rows[0:20] + rows[40:60])
    test = _tsv(tmp_path / "b.tsv", rows[20:40] + rows[60:80])
    assert cli.main(["model", "evaluate", "--train", train, "--test", test]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(out) >= {"accuracy", "macro_f1", "ms_per_order"}
    assert out["accuracy"] >= 0.9 and out["macro_f1"] >= 0.9
    assert out["test_examples"] == 40 and out["labels"] == 2 and 0 < out["ms_per_order"] < 100


def test_evaluate_names_a_missing_file_and_a_malformed_line(tmp_path):
    good = _tsv(tmp_path / "a.tsv", [("路灯", "路灯坏了"), ("噪声", "工地噪音")])
    with pytest.raises(SystemExit, match="no such file"):
        cli.main(["model", "evaluate", "--train", good, "--test", str(tmp_path / "missing.tsv")])
    bad = tmp_path / "b.tsv"
    bad.write_text("label\ttext\n没有制表符的一行\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="expected label<TAB>text"):
        cli.main(["model", "evaluate", "--train", good, "--test", str(bad)])
