"""The text classifier on its own (pure): learning, confidence, storage without pickle, and
the evaluation command on labelled files."""

import io
import json

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from hotline import cli
from hotline.intelligence import classifier, vectors
from tests.intelligence.helpers import PLACES, texts


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
    with pytest.raises(SystemExit, match=r"b\.tsv:2: expected label<TAB>text"):
        cli.main(["model", "evaluate", "--train", good, "--test", str(bad)])


def test_a_labelled_file_is_read_as_the_tab_separated_csv_it_is_written_as():
    content = ('label\ttext\r\n'
               '卫生计生\t"信息录入错误，我""被生育""了"\r\n'
               '城乡建设\t"路灯坏了\n晚上看不见"\r\n'
               '\r\n'
               '交通运输\t公交\t班次太少\r\n'
               '教育文体\t学校“乱收费”\n')
    texts, labels = classifier.read_labelled(content)
    assert labels == ["卫生计生", "城乡建设", "交通运输", "教育文体"]
    assert texts == ['信息录入错误，我"被生育"了', "路灯坏了\n晚上看不见", "公交\t班次太少", "学校“乱收费”"]
    with pytest.raises(ValueError, match="line 3: expected label<TAB>text"):
        classifier.read_labelled("label\ttext\n城乡建设\t路灯\n没有制表符的一行\n")
    long_letter = "路灯坏了。" * 40_000  # 200,000 characters: more than csv's default field limit
    assert classifier.read_labelled(f"label\ttext\n城乡建设\t{long_letter}\n") == ([long_letter], ["城乡建设"])


LIFT = ["电梯坏了困住了人", "电梯经常突然停运", "电梯维保单位不来检修", "电梯异响让人害怕"]
SCHOOL = ["学校违规补课收费", "老师体罚学生", "学校食堂饭菜太差", "幼儿园学位不够"]


def _lifts_and_schools():
    xs = [f"{place}{p}" for place in PLACES for p in LIFT] + [f"{place}{p}" for place in PLACES for p in SCHOOL]
    return xs, ["电梯"] * (len(xs) // 2) + ["教育"] * (len(xs) // 2)


def test_word_vectors_carry_a_word_the_training_never_saw():
    """升降机 and 扶梯 never occur in training; the pretrained vectors place them beside 电梯."""
    model = classifier.train(*_lifts_and_schools())
    assert model.reader is not None and model.reader.source == vectors.SOURCE
    unseen = ["升降机", "自动扶梯"]
    read = model.reader.log_proba(unseen)
    assert [model.labels[i] for i in read.argmax(axis=1)] == ["电梯", "电梯"]
    assert [p[0].label for p in model.predict(unseen)] == ["电梯", "电梯"]


def test_without_the_vectors_the_svm_stands_alone(monkeypatch):
    monkeypatch.setattr(vectors, "table", lambda: None)
    model = classifier.train(*_lifts_and_schools())
    assert model.reader is None
    assert [p[0].label for p in model.predict(["电梯又坏了", "学校乱收费"])] == ["电梯", "教育"]
    again = classifier.Model.from_bytes(model.to_bytes())
    assert again.reader is None and again.predict(["电梯又坏了"])[0][0].label == "电梯"


def test_features_at_intake_are_those_the_model_was_trained_on():
    """Scoring builds the TF-IDF rows itself (one text at a time is faster without sklearn's
    checks); they must equal what sklearn's vectorizer gave at training."""
    xs, _ = _lifts_and_schools()
    whole = classifier._vectorizer(classifier.NGRAMS, min_df=2, max_df=0.5).fit(xs)
    opening = classifier._vectorizer(classifier.NGRAMS, min_df=2, preprocessor=classifier.head).fit(xs)
    width = len(whole.idf_) + len(opening.idf_)
    model = classifier.Model(labels=["a"], vocabulary=classifier._vocabulary(whole), idf=whole.idf_,
                             coef=sparse.csr_matrix((1, width)), intercept=np.zeros(1), temperature=1.0,
                             head_vocabulary=classifier._vocabulary(opening), head_idf=opening.idf_)
    sample = ["幸福路电梯坏了，电梯维保单位不来", "ＡＢＣ学校 2024 年收费", "", "完全无关的话"]
    ours = model._features(sample).toarray()
    theirs = np.hstack([whole.transform(sample).toarray(),
                        classifier.HEAD_WEIGHT * opening.transform(sample).toarray()])
    assert ours.shape == theirs.shape and np.abs(ours - theirs).max() < 1e-6


def test_a_model_stored_before_the_opening_block_still_reads_as_trained():
    """Artifacts of the first model version (character 1–3-grams, one block, no word vectors)
    are in the database of a running platform: they load and score as they always did."""
    xs, ys = _data()
    whole = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                            preprocessor=classifier.normalise, min_df=2)
    svm = LinearSVC(class_weight="balanced").fit(whole.fit_transform(xs), ys)
    coef = sparse.csr_matrix(np.vstack([-svm.coef_, svm.coef_]).astype(np.float32))
    meta = {"labels": [str(c) for c in svm.classes_], "vocabulary": classifier._vocabulary(whole),
            "temperature": 4.0, "shape": list(coef.shape)}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, idf=whole.idf_.astype(np.float32), data=coef.data, indices=coef.indices,
                        indptr=coef.indptr, intercept=np.array([-svm.intercept_[0], svm.intercept_[0]]),
                        meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8))
    old = classifier.Model.from_bytes(buffer.getvalue())
    assert old.ngrams == (1, 3) and old.reader is None and not old.head_vocabulary
    sample = ["路灯杆倒了", "广场舞太吵"]
    expected = svm.decision_function(whole.transform(sample))
    assert np.allclose(old.decision(sample)[:, 1], expected, atol=1e-4)
    assert [p[0].label for p in old.predict(sample)] == ["路灯", "噪声"]


def test_word2vec_binary_format_is_read_without_running_anything():
    rows = {"电梯": [3.0, 4.0], "学校": [0.0, 2.0]}
    blob = b"2 2\n" + b"".join(w.encode() + b" " + np.array(v, dtype="<f4").tobytes() + b"\n"
                               for w, v in rows.items())
    index, matrix = vectors.read_word2vec(blob)
    assert index == {"电梯": 0, "学校": 1}
    assert np.allclose(matrix, [[0.6, 0.8], [0.0, 1.0]])


def _three_labels(n=24):
    xs, ys = _data(n)
    return xs + [f"{p}学校乱收费补课费" for p in PLACES for _ in range(n // len(PLACES))], \
        ys + ["教育"] * (len(PLACES) * (n // len(PLACES)))


def test_each_label_against_the_rest_is_what_a_balanced_linear_svc_learns():
    """Trained label by label (in threads), each label's SVM solves LinearSVC's own problem."""
    xs, ys = _three_labels()
    features = classifier._vectorizer(classifier.NGRAMS, min_df=2).fit_transform(xs)
    labels, coef, intercept = classifier._one_against_rest(features, ys)
    reference = LinearSVC(C=classifier.C, class_weight="balanced").fit(features, ys)
    assert labels == [str(c) for c in reference.classes_] == ["噪声", "教育", "路灯"]
    assert np.allclose(coef.toarray(), reference.coef_, atol=1e-3)
    assert np.allclose(intercept, reference.intercept_, atol=1e-3)


def test_each_label_keeps_only_its_largest_weights(monkeypatch):
    """A model of a thousand units stays small: each label keeps its largest weights alone."""
    xs, ys = _three_labels()
    features = classifier._vectorizer(classifier.NGRAMS, min_df=2).fit_transform(xs)
    _, full, _ = classifier._one_against_rest(features, ys)
    monkeypatch.setattr(classifier, "MAX_WEIGHTS_PER_LABEL", 12)
    _, kept, _ = classifier._one_against_rest(features, ys)
    for whole, row in zip(full.toarray(), kept.toarray(), strict=True):
        assert np.count_nonzero(row) == 12
        largest = -np.sort(-np.abs(whole))[:12]
        assert np.allclose(-np.sort(-np.abs(row[row != 0])), largest, atol=1e-4)  # the solver's tolerance
