"""The exercise core: specs split into cases, run and compare; plain data only; feedback shown once."""
import json

import numpy as np
import pytest

import stepcourse as sc
from stepcourse.exercises import Wrong, call, expect_array, expect_close
from stepcourse.exercises import _core
from stepcourse.exercises._plain import MAX_ITEMS, NotPlain, decode, encode


def test_every_registered_spec_has_a_chapter_points_cases_and_a_reference():
    from stepcourse.exercises._references import references

    reg = sc.exercises.registry()
    assert "steps-one-step" in reg
    refs = references()
    for label, spec in reg.items():
        assert spec.points > 0 and spec.chapter and spec.title
        assert label in refs, f"{label} has no reference answer"
        cases = spec.cases(_core.case_rng(label, 1))
        assert cases and all(decode(json.loads(json.dumps(encode(c)))) is not None for c in cases)
    assert set(refs) == set(reg)


def test_cases_change_with_the_seed_and_repeat_without_one():
    spec = sc.exercises.registry()["steps-one-step"]
    a, b = (encode(spec.cases(_core.case_rng(spec.label, s))) for s in (1, 2))
    assert a != b
    assert encode(spec.cases(_core.case_rng(spec.label))) == encode(spec.cases(_core.case_rng(spec.label)))


def test_right_answer_passes_and_stub_fails_politely():
    good = sc.exercises.check("steps-one-step", lambda w, g, lr: w - lr * g)
    assert good.passed and good.points == good.max_points and good.tests_passed == good.tests_total > 1
    stub = sc.exercises.check("steps-one-step", Ellipsis)
    assert not stub and stub.points == 0
    assert "Correct" in repr(good) and "Not yet" in repr(stub) and "no answer yet" in repr(stub)


def test_check_prints_nothing_and_the_result_is_the_feedback(capsys):
    result = sc.exercises.check("steps-stable", lambda a, lr: True)
    assert capsys.readouterr().out == ""
    assert repr(result) == str(result) and repr(result).startswith("[steps-stable] Not yet")
    bundle = result._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/markdown", "text/html"}
    assert "Not yet" in bundle["text/html"] and "Hint" in bundle["text/markdown"]


def test_partial_credit_is_split_over_the_cases():
    spec = sc.exercises.registry()["steps-one-step"]

    def scalar_only(w, g, lr):  # right for plain numbers, wrong for every array
        return w - lr * g if np.ndim(w) == 0 else np.zeros(np.shape(w))

    result = sc.exercises.check("steps-one-step", scalar_only)
    n = result.tests_total
    assert result.tests_passed == 1 and result.points == pytest.approx(spec.points / n)


@pytest.mark.parametrize("answer, phrase", [
    (lambda w, g, lr: None, "None"),
    (lambda w, g, lr: 1 / 0, "ZeroDivisionError"),
    (lambda w, g, lr: "text", "number"),
    (lambda w, g, lr: np.full(np.shape(w), np.nan), "NaN"),
    (lambda w, g, lr: np.zeros(7), "shape"),
    (lambda w, g, lr: w + lr * g, "expected"),
    (42, "function"),
])
def test_wrong_answers_get_feedback_not_tracebacks(answer, phrase):
    result = sc.exercises.check("steps-one-step", answer)
    assert not result.passed
    assert phrase in result.message


def test_mutating_answer_is_caught():
    def in_place(w, g, lr):
        w -= lr * g
        return w
    result = sc.exercises.check("steps-one-step", in_place)
    assert not result.passed and "changed the array" in result.message


def test_unknown_label_is_an_error():
    with pytest.raises(ValueError, match="no exercise"):
        sc.exercises.check("no-such-exercise", 1)


class Anything:
    def __eq__(self, other):
        return True

    def __float__(self):
        return 1.0

    def __array__(self, *args, **kwargs):
        return np.zeros(3)


class Agreeable(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)


class MyFloat(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("make", [lambda *a: Anything(), lambda w, g, lr: np.zeros(np.shape(w)).view(Agreeable),
                                  lambda w, g, lr: MyFloat(1.0), lambda w, g, lr: [Anything()],
                                  lambda w, g, lr: np.array([Anything()], dtype=object)])
def test_objects_that_agree_with_anything_score_zero(make):
    result = sc.exercises.check("steps-one-step", make)
    assert not result.passed and result.points == 0


def test_plain_data_round_trip_and_rejections():
    value = {"a": [1, 2.5, None, True, "s"], "b": (np.float32(1.5), np.int64(3)),
             "c": np.arange(6.0).reshape(2, 3), "d": np.array([np.nan, np.inf, -np.inf]),
             "e": np.array([True, False]), "f": np.arange(3)}
    back = decode(json.loads(json.dumps(encode(value), allow_nan=False)))
    assert back["a"] == [1, 2.5, None, True, "s"] and back["b"] == (1.5, 3)
    assert type(back["c"]) is np.ndarray and back["c"].dtype == float and back["c"].shape == (2, 3)
    assert np.isnan(back["d"][0]) and back["d"][1] == np.inf and back["e"].dtype == bool
    assert back["f"].dtype == np.int64
    for bad in (Anything(), np.zeros(2).view(Agreeable), MyFloat(2.0), {1: 2}, np.array(["x"]),
                np.array([1 + 2j]), lambda: 1, {"k": object()}):
        with pytest.raises(NotPlain):
            encode(bad)
    for forged in ({"$array": {"dtype": "float64", "shape": [3], "data": [1.0]}},
                   {"$array": {"dtype": "object", "shape": [1], "data": [1]}},
                   {"$pickle": "x"}, {"a": 1, "b": 2}, {"$float": "1e3"},
                   {"$array": {"dtype": "int64", "shape": [1], "data": [1.5]}},
                   {"$array": {"dtype": "float64", "shape": [MAX_ITEMS + 1], "data": []}}):
        with pytest.raises(NotPlain):
            decode(forged)


def test_without_references_the_checker_cannot_decide(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "stepcourse.exercises._references", None)
    spec = sc.exercises.registry()["steps-one-step"]
    with pytest.raises(RuntimeError, match="reference answers are not part"):
        _core.expected_for(spec, spec.cases(_core.case_rng(spec.label))[0])


def test_a_sandbox_can_only_claim_wrong():
    """judge_case reads a run's record: an error record fails; a value is compared outside."""
    spec = sc.exercises.registry()["steps-one-step"]
    case = spec.cases(_core.case_rng(spec.label))[0]
    assert not _core.judge_case(spec, {"error": {"reason": "x"}}, case).passed
    assert not _core.judge_case(spec, {"passed": True}, case).passed
    assert not _core.judge_case(spec, {"value": {"$dict": [["out", 0.0], ["changed", False]]}}, case).passed
    right = encode({"out": case["w"] - case["lr"] * case["grad"], "changed": False})
    assert _core.judge_case(spec, {"value": right}, case).passed


def test_helpers():
    with pytest.raises(Wrong, match="raised"):
        call(lambda: [][1])
    with pytest.raises(Wrong, match="shape"):
        expect_array([1, 2], shape=(3,))
    with pytest.raises(Wrong, match="expected 2"):
        expect_close(1.0, 2.0)
    expect_close([1.0, 2.0], [1.0, 2.0 + 1e-12])


@pytest.mark.parametrize("label, answer", [
    ("steps-loop", lambda grad, w0, lr, steps: np.array([np.asarray(w0, float)] * (steps + 1))),
    ("steps-count", lambda a, lr, w0, c, tol: 3),
    ("steps-count", lambda a, lr, w0, c, tol: None),
    ("steps-stable", lambda a, lr: lr < 2),
    ("steps-stable", lambda a, lr: True),
])
def test_steps_checks_reject_plausible_mistakes(label, answer):
    result = sc.exercises.check(label, answer)
    assert not result.passed and result.points == 0


def test_feedback_is_displayed_once_in_a_notebook(tmp_path):
    """A cell ending with the check shows one output (the Result's rich display), nothing printed."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import stepcourse as sc\n"
                                          "def gd_step(w, grad, lr):\n    ...\n\n"
                                          "sc.exercises.check('steps-one-step', gd_step)"),
                nbformat.v4.new_code_cell("sc.exercises.check('steps-one-step', lambda w, g, lr: w - lr * g)")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell, word in zip(nb.cells, ("Not yet", "Correct")):
        assert len(cell.outputs) == 1, cell.outputs
        output = cell.outputs[0]
        assert output["output_type"] == "execute_result"
        assert word in output["data"]["text/plain"] and word in output["data"]["text/html"]


def test_expect_steps_names_one_short_and_other_counts():
    assert _core.expect_steps(7, 7, "k", hint="h") == 7 and _core.expect_steps(7.0, 7, "k", hint="h") == 7
    with pytest.raises(Wrong) as short:
        _core.expect_steps(6, 7, "k", hint="the rule", short_hint="round up")
    assert short.value.reason == "one step short" and short.value.hint == "round up"
    assert "should be 7; you said 6: one short" in str(short.value)
    with pytest.raises(Wrong) as no_short_hint:      # without a short_hint one short is just wrong
        _core.expect_steps(6, 7, "k", hint="the rule")
    assert no_short_hint.value.reason == "a wrong number of steps" and no_short_hint.value.hint == "the rule"
    with pytest.raises(Wrong) as far:
        _core.expect_steps(9, 7, "k", hint="the rule", short_hint="round up")
    assert far.value.reason == "a wrong number of steps" and far.value.hint == "the rule"
    with pytest.raises(Wrong, match="whole number"):
        _core.expect_steps(6.5, 7, "k", hint="the rule")


def test_result_displays_agree_and_escape_html():
    failed = _core.Result(label="a<b", passed=False, message="x < 1", hint="use <=", points=0, max_points=1,
                          tests_passed=1, tests_total=3)
    assert str(failed) == "[a<b] Not yet (1 of 3 tests pass): x < 1\n  Hint: use <="
    assert failed._repr_markdown_() == "❌ **Not yet** (1 of 3 tests pass) `a<b`: x < 1\n\n*Hint:* use <="
    html = failed._repr_html_()
    assert "<code>a&lt;b</code>: x &lt; 1<br><em>Hint:</em> use &lt;=</div>" in html and "Not yet" in html
    passed = _core.Result(label="ok", passed=True, message="fine", hint="unused", points=1, max_points=1)
    assert str(passed) == "[ok] Correct: fine" and passed._repr_markdown_() == "✅ **Correct** `ok`: fine"
    assert "Hint" not in passed._repr_html_()
