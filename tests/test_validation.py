"""The shared argument checks (stepcourse._validation) and the params-tree helper (stepcourse._tree)."""
import numpy as np
import pytest

import stepcourse as sc
from stepcourse import _tree
from stepcourse import _validation as V


@pytest.mark.parametrize("call, error, message", [
    (lambda: V.check_number("lr", "0.1"), TypeError, "lr must be a real number; got str '0.1'"),
    (lambda: V.check_number("lr", True), TypeError, "lr must be a real number; got bool True"),
    (lambda: V.check_number("lr", float("nan")), ValueError, "lr must be a finite number; got nan"),
    (lambda: V.check_number("a", 1.0, low=0, high=1, high_open=True), ValueError, r"a must be in \[0, 1\)"),
    (lambda: V.check_positive("h", 0), ValueError, "h must be > 0; got 0"),
    (lambda: V.check_non_negative("noise", -1), ValueError, "noise must be >= 0; got -1"),
    (lambda: V.check_integer("steps", 2.5), TypeError, "steps must be an integer; got float 2.5"),
    (lambda: V.check_integer("steps", True), TypeError, "steps must be an integer; got bool True"),
    (lambda: V.check_integer("k", 7, low=1, high=5), ValueError, "k must be an integer from 1 to 5; got 7"),
    (lambda: V.check_flag("nesterov", 1), TypeError, "nesterov must be True or False; got int 1"),
    (lambda: V.check_choice("m", "x", ("a", "b")), ValueError, r"m must be one of \('a', 'b'\); got 'x'"),
    (lambda: V.check_choice("m", ["a"], ("a", "b")), ValueError, "m must be one of"),
    (lambda: V.as_generator(-1), ValueError, "seed must be an integer >= 0; got -1"),
    (lambda: V.as_generator("s"), TypeError, "seed must be an integer"),
    (lambda: V.check_Xy(np.ones(3), np.ones(3)), ValueError, r"X must be 2-D .* use X.reshape\(-1, 1\)"),
    (lambda: V.check_Xy(np.ones((3, 1)), np.ones(4)), ValueError, "same number of samples"),
    (lambda: V.as_xy(5), TypeError, "data must be an \\(X, y\\) pair or a Dataset; got int 5"),
    (lambda: V.check_problem("problem", "rosenbrock"), TypeError, "problem must be a Problem"),
    (lambda: V.check_optimizer("opt", "adam"), TypeError, r"by_name\('adam'"),
    (lambda: V.check_optimizer("opt", object()), TypeError, "opt must be an optimizer with init"),
    (lambda: V.check_learning_rate("lr", -0.3), ValueError, "lr must be a finite number >= 0"),
])
def test_every_check_names_the_argument_the_value_and_what_is_allowed(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_checks_return_the_working_form():
    assert V.check_integer("n", np.int64(3), low=1) == 3 and type(V.check_integer("n", np.int64(3))) is int
    assert V.check_integer("n", None, allow_none=True) is None
    assert V.check_number("x", np.float32(0.5)) == 0.5 and V.check_flag("f", np.bool_(True)) is True
    rng = np.random.default_rng(0)
    assert V.as_generator(rng) is rng
    X, y = V.as_xy(sc.data.make_line(n=4, seed=0))
    assert X.shape == (4, 1) and y.dtype == float
    schedule = sc.schedules.constant(0.1)
    assert V.check_learning_rate("lr", schedule) is schedule


def test_tree_keeps_insertion_order_and_structure():
    params = {"w": [[1.0, 2.0]], "b": 3.0}
    keys, arrays = _tree.leaves(params)
    assert keys == ("w", "b") and arrays[0].dtype == float
    assert _tree.flatten(params).tolist() == [1.0, 2.0, 3.0]
    assert _tree.global_norm({"a": np.array([3.0]), "b": np.array(4.0)}) == 5.0
    copied = _tree.copy(params)
    assert set(copied) == {"w", "b"} and copied["w"] is not params["w"]
    assert _tree.rebuild(None, [np.ones(2)]).shape == (2,)
    with pytest.raises(ValueError, match="empty dict"):
        _tree.leaves({})
    with pytest.raises(TypeError, match=r"params\['w'\] must be an array of real numbers"):
        _tree.leaves({"w": "heavy"})


def test_no_module_imports_another_modules_private_helper():
    import ast
    from pathlib import Path

    root = Path(sc.__file__).parent
    shared = {"_validation", "_tree", "_threads"}
    others = ("widgets", "exercises", "instructor", "cli.py")   # checked by their own tests
    offenders = []
    for path in root.rglob("*.py"):
        if path.relative_to(root).parts[0] in others:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            # ``from . import _base`` brings in a package's own private module, not another module's helper
            if isinstance(node, ast.ImportFrom) and node.level > 0 and node.module:
                module = (node.module or "").split(".")[-1]
                private = [a.name for a in node.names if a.name.startswith("_") and a.name not in shared]
                if private and module not in shared and not module.startswith("_"):
                    offenders.append(f"{path.relative_to(root)}: from {node.module} import {private}")
    assert offenders == []
