"""Regression trees: the weak learners of gradient boosting, grown the way scikit-learn grows them.

A :class:`RegressionTree` splits the data again and again on the feature and threshold that most
reduce the squared error, until a node is too small, too deep or pure; each leaf predicts the mean
of its targets. The growth rule is scikit-learn's ``DecisionTreeRegressor(criterion="squared_error",
splitter="best")`` step for step, so boosting built on it reproduces scikit-learn's predictions:

- ``X`` is cast to float32 (in ``fit`` and in ``predict``), thresholds are float64 midpoints
  ``x_left / 2 + x_right / 2``, and ``x <= threshold`` goes left;
- a split may only fall between sorted neighbours that differ by more than ``1e-7`` (in float32);
- among the candidate splits the first one with the largest ``S_L^2 / n_L + S_R^2 / n_R`` wins;
- features are visited in the random order scikit-learn's splitter draws from ``random_state``, so
  even exact ties between features are broken the same way (see the note on repeated values in
  :class:`RegressionTree`).

>>> import numpy as np
>>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
>>> tree = RegressionTree(max_depth=1).fit(x, np.array([1.0, 1.0, 5.0, 5.0]))
>>> float(tree.threshold[0]), tree.predict(np.array([[0.5], [2.5]])).tolist()
(1.5, [1.0, 5.0])
"""
from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_integer

__all__ = ["RegressionTree", "LEAF", "check_random_state"]

#: ``children_left``/``children_right`` of a leaf, and its ``feature`` (scikit-learn: TREE_LEAF = -1,
#: TREE_UNDEFINED = -2).
LEAF = -1
_UNDEFINED = -2

_FEATURE_GAP = np.float32(1e-7)      # neighbours closer than this (in float32) count as equal
_EPSILON = float(np.finfo(np.float64).eps)  # a node whose impurity is below this is pure
_RAND_R_MAX = 2147483647              # the splitter's xorshift generator works modulo 2**31


def check_random_state(random_state) -> np.random.RandomState:
    """A ``numpy.random.RandomState`` from None (fresh entropy), an int seed, or an existing instance.

    scikit-learn draws its subsamples and its feature orders from a legacy ``RandomState``; using the
    same generator (never the global one) is what lets the draws match.

    >>> check_random_state(0).uniform() == np.random.RandomState(0).uniform()
    True
    """
    if random_state is None:
        return np.random.RandomState()
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        if not 0 <= random_state < 2**32:
            raise ValueError(f"random_state must be an integer in [0, 2**32); got {random_state!r}")
        return np.random.RandomState(int(random_state))
    raise TypeError("random_state must be None, an int or a numpy.random.RandomState; "
                    f"got {type(random_state).__name__} {random_state!r}")


class _XorShift:
    """scikit-learn's splitter generator (``our_rand_r``): 32-bit xorshift, values modulo 2**31."""

    def __init__(self, seed: int):
        self.state = int(seed) & 0xFFFFFFFF

    def randint(self, low: int, high: int) -> int:
        """An integer in ``[low, high)``."""
        s = self.state or 1
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.state = s
        return low + (s % (_RAND_R_MAX + 1)) % (high - low)


def as_features(X, name: str = "X") -> np.ndarray:
    """``X`` as a 2-D float32 array (a 1-D array is one feature)."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers; got {type(X).__name__}") from None
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (n_samples, n_features); got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return X.astype(np.float32)


def _left_sums(ys: np.ndarray, positions: np.ndarray, total: float) -> np.ndarray:
    """Sum of ``ys[:p]`` for each increasing ``p``, accumulated as scikit-learn's criterion does it.

    The criterion moves from one candidate position to the next by adding the samples in between,
    unless it is shorter to start again from the total and subtract from the end (after a long
    run of equal feature values). A floating-point sum depends on the order of its terms, so the
    same order gives the same rounding, and the same winner when two splits tie.
    """
    m = ys.size
    previous = np.concatenate(([0], positions[:-1]))
    backwards = positions - previous > m - positions
    if not backwards.any():
        return np.cumsum(ys)[positions - 1]  # a running sum all the way
    out = np.empty(positions.size)
    restarts = np.flatnonzero(backwards)
    from_end = np.cumsum(np.concatenate(([total], -ys[::-1])))  # total minus the last k terms
    out[restarts] = from_end[m - positions[restarts]]
    head = restarts[0]
    out[:head] = np.cumsum(ys)[positions[:head] - 1]
    # After each restart the sum runs forward again from the restarted value.
    for a, b in zip(restarts.tolist(), restarts[1:].tolist() + [positions.size]):
        if b > a + 1:
            q = positions[a]
            run = np.cumsum(np.concatenate(([out[a]], ys[q:positions[b - 1]])))
            out[a + 1:b] = run[positions[a + 1:b] - q]
    return out


def _partition(order: np.ndarray, go_left: np.ndarray) -> np.ndarray:
    """scikit-learn's in-place two-pointer partition of a node's samples, done without a loop.

    The splitter scans from the left; a right-goer is swapped with the last unexamined sample,
    which is examined next. So left-goers in the left part stay put, the slots of the right-goers
    there are filled by the left-goers from the back in the order the right pointer meets them, and
    the right part holds the right-goers in the order the scan met them, the first met last.
    """
    k = int(np.count_nonzero(go_left))
    front, front_left = order[:k], go_left[:k]
    back, back_left = order[k:][::-1], go_left[k:][::-1]  # the back, as the right pointer meets it
    holes = np.flatnonzero(~front_left)
    fill = np.flatnonzero(back_left)
    left = front.copy()
    left[holes] = back[fill]
    # Met order of the right-goers: each misplaced front sample, then the back right-goers pulled
    # before the next back left-goer; the rest of the back comes last, opened by position k's sample.
    r = holes.size
    b = np.flatnonzero(~back_left)
    group = np.searchsorted(fill, b)
    sub = np.where((group == r) & (b == back.size - 1), -1, b)
    met = np.concatenate([front[holes], back[b]])[
        np.lexsort((np.concatenate([np.full(r, -2), sub]), np.concatenate([np.arange(r), group])))]
    return np.concatenate([left, met[::-1]])

class RegressionTree:
    r"""A binary regression tree fitted by greedy least squares (scikit-learn's best splitter).

    Each internal node sends a sample left when ``x[feature] <= threshold``; each leaf predicts a
    constant. A node with samples :math:`S` and targets :math:`r_i` is split at the threshold that
    maximizes

    .. math::

        \frac{\big(\sum_{i \in L} r_i\big)^2}{n_L} + \frac{\big(\sum_{i \in R} r_i\big)^2}{n_R},

    which is the same as minimizing the summed squared error of the two children around their means
    (the parent's total does not depend on the split). Growth is depth first (left child first), so
    node 0 is the root and node ids follow scikit-learn's ``tree_`` arrays one for one.

    Parameters
    ----------
    max_depth : int or None, default=3
        Nodes at this depth become leaves (the root has depth 0). None grows until pure.
    min_samples_split : int, default=2
        A node with fewer samples is a leaf.
    min_samples_leaf : int, default=1
        Every leaf keeps at least this many samples; a node with fewer than twice as many is a leaf.
    random_state : None, int or numpy.random.RandomState
        Draws the seed of the order in which features are tried (one draw per fit, as scikit-learn).
        The order only matters when two features give exactly the same best score.

    Attributes
    ----------
    children_left, children_right : ndarray of int, shape (n_nodes,)
        Child node ids; ``LEAF`` (-1) for leaves.
    feature : ndarray of int
        The feature an internal node splits on; -2 for leaves.
    threshold : ndarray of float
        The split threshold (float64); -2.0 for leaves.
    value : ndarray of float
        The prediction of each node: the mean target at fit time, until :meth:`set_leaf_values`
        changes the leaves (boosting does, for losses other than squared error).
    n_node_samples : ndarray of int
        How many training samples reached each node.
    impurity : ndarray of float
        The mean squared deviation of the targets in each node.

    Notes
    -----
    Differences from scikit-learn's tree: no sample weights, no ``max_features``,
    ``max_leaf_nodes`` or missing values. A 1-D ``X`` is read as a single feature.

    Parity: every sum is accumulated in scikit-learn's order, so on data without repeated feature
    values the tree is scikit-learn's, node for node (same features, thresholds and values). When a
    feature repeats values, scikit-learn orders the equal values by its own (unstable) sort; the sums
    then round differently in the last bit, and where two candidate splits tie *exactly* (the same
    samples separated on another feature, or two different splits that are equally good, as happens
    with boosting's clipped Huber residuals) the choice can differ, and the models with it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-3, 3, size=(50, 1))
    >>> tree = RegressionTree(max_depth=2).fit(x, np.sin(x[:, 0]))
    >>> tree.n_leaves, tree.apply(x[:3]).tolist() == tree.apply(x[:3]).tolist()
    (4, True)
    """

    def __init__(self, max_depth=3, min_samples_split=2, min_samples_leaf=1, random_state=None):
        self.max_depth = check_integer("max_depth", max_depth, low=1, allow_none=True)
        self.min_samples_split = check_integer("min_samples_split", min_samples_split, low=2)
        self.min_samples_leaf = check_integer("min_samples_leaf", min_samples_leaf, low=1)
        if random_state is not None and not isinstance(random_state, np.random.RandomState):
            check_random_state(random_state)  # validate now, draw at fit time
        self.random_state = random_state

    def __repr__(self) -> str:
        fitted = f", n_leaves={self.n_leaves}" if hasattr(self, "value") else ""
        return (f"RegressionTree(max_depth={self.max_depth}, min_samples_split={self.min_samples_split}, "
                f"min_samples_leaf={self.min_samples_leaf}{fitted})")

    # -- fitting -----------------------------------------------------------------------------------
    def fit(self, X, y) -> "RegressionTree":
        """Grow the tree on features ``X`` (n, d) and targets ``y`` (n,); returns ``self``."""
        X32 = as_features(X)
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (X32.shape[0],):
            raise ValueError(f"y must have shape ({X32.shape[0]},) to match X; got {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinite values")
        n, d = X32.shape
        rand = _XorShift(check_random_state(self.random_state).randint(0, _RAND_R_MAX))
        max_depth = np.iinfo(np.int32).max if self.max_depth is None else self.max_depth
        msl = self.min_samples_leaf
        mss = max(self.min_samples_split, 2 * msl)
        # The splitter's feature bookkeeping persists from node to node (scikit-learn's Fisher-Yates
        # draw over features, with features found constant moved to the front).
        features, constant = list(range(d)), [0] * d
        XT = np.ascontiguousarray(X32.T)  # one row per feature: the per-node work runs along rows
        presorted = np.argsort(XT, axis=1, kind="stable")  # each feature's order, once per tree

        # Depth first, left child first (a stack), so node ids match scikit-learn's.
        nodes = []  # [parent, is_left, feature, threshold, impurity, n_samples, value, left, right]
        stack = [(np.arange(n), 0, -1, False, None, 0)]  # samples, depth, parent, is_left, impurity, n_const
        while stack:
            idx, depth, parent, is_left, impurity, n_const = stack.pop()
            m = idx.size
            ys = y[idx]
            total = float(np.cumsum(ys)[-1])  # a sequential sum, as the criterion accumulates it
            if impurity is None:  # the root; children inherit their impurity from the split
                impurity = float(np.cumsum(ys * ys)[-1]) / m - (total / m) ** 2.0
            leaf = depth >= max_depth or m < mss or m < 2 * msl or impurity <= _EPSILON
            split = None
            if not leaf:
                split, n_const = self._best_split(XT, presorted, y, idx, total, impurity, n_const, features,
                                                  constant, rand, msl, n)
                leaf = split is None
            node_id = len(nodes)
            nodes.append([parent, is_left, _UNDEFINED, float(_UNDEFINED), impurity, m, total / m, LEAF, LEAF])
            if parent >= 0:
                nodes[parent][7 if is_left else 8] = node_id
            if not leaf:
                f, thr, left, right, imp_l, imp_r = split
                nodes[node_id][2:4] = [f, thr]
                stack.append((right, depth + 1, node_id, False, imp_r, n_const))
                stack.append((left, depth + 1, node_id, True, imp_l, n_const))

        table = list(zip(*nodes))
        self.feature = np.array(table[2], dtype=int)
        self.threshold = np.array(table[3], dtype=np.float64)
        self.impurity = np.array(table[4], dtype=np.float64)
        self.n_node_samples = np.array(table[5], dtype=int)
        self.value = np.array(table[6], dtype=np.float64)
        self.children_left = np.array(table[7], dtype=int)
        self.children_right = np.array(table[8], dtype=int)
        self.n_features_in_ = d
        return self

    @staticmethod
    def _best_split(XT, presorted, y, idx, total, impurity, n_known, features, constant, rand, msl, n_all):
        """scikit-learn's ``node_split_best`` on the samples ``idx``; returns (split or None, n_const).

        ``idx`` lists the node's samples in the order scikit-learn's splitter holds them, so every
        running sum is accumulated in the same order and rounds the same way.
        """
        m, d = idx.size, len(features)
        # Score every feature at once (a feature's best split does not depend on when it is visited);
        # the random visiting order below only breaks exact ties between features. Rows are features.
        # The node's samples in increasing order of each feature: filter the tree's presorted order.
        member = np.zeros(y.size, dtype=bool)
        member[idx] = True
        ranked = presorted[member[presorted]].reshape(d, m)
        xs = np.take_along_axis(XT, ranked, axis=1)
        is_constant = (xs[:, -1] <= xs[:, 0] + _FEATURE_GAP).tolist()
        p = np.arange(1, m)
        # Candidate positions p (left = the first p samples): between distinct values, leaving at
        # least min_samples_leaf on each side.
        valid = (xs[:, 1:] > xs[:, :-1] + _FEATURE_GAP) & ((p >= msl) & (m - p >= msl))
        ys = y[ranked]
        s_left = np.cumsum(ys, axis=1)[:, :-1]
        # Where the criterion would rather subtract from the total than add (after a long run of
        # equal values), redo that feature's sums its way. Without such runs it never does.
        if not valid[:, msl - 1:m - msl].all():
            reached = np.maximum.accumulate(np.where(valid, p, 0), axis=1)
            previous = np.hstack([np.zeros((d, 1), dtype=int), reached[:, :-1]])
            backwards = valid & (p - previous > m - p)
            for j in np.flatnonzero(backwards.any(axis=1)):
                s_left[j, valid[j]] = _left_sums(ys[j], p[valid[j]], total)
        s_right = total - s_left
        score = np.where(valid, (s_left * s_left) / p + (s_right * s_right) / (m - p), -np.inf)
        best_pos = np.argmax(score, axis=1)  # the first maximum, as a strict '>' scan finds it
        best_of = score[np.arange(d), best_pos].tolist()

        f_i, n_found, n_drawn, n_total = d, 0, 0, n_known
        best_score, best_f, last_sorted = -np.inf, -1, None
        while f_i > n_total:
            f_j = rand.randint(n_drawn, f_i - n_found)
            if f_j < n_known:  # known to be constant from an ancestor: skipped unsorted
                features[n_drawn], features[f_j] = features[f_j], features[n_drawn]
                n_drawn += 1
                continue
            f_j += n_found
            f = last_sorted = features[f_j]
            if is_constant[f]:  # constant here: remembered for the children
                features[f_j], features[n_total] = features[n_total], features[f_j]
                n_found += 1
                n_total += 1
                continue
            f_i -= 1
            features[f_i], features[f_j] = features[f_j], features[f_i]
            if best_of[f] > best_score:
                best_score, best_f = best_of[f], f
        features[:n_known] = constant[:n_known]
        constant[n_known:n_known + n_found] = features[n_known:n_known + n_found]
        if best_f < 0:
            return None, n_total

        pos = int(p[best_pos[best_f]])
        thr = float(xs[best_f, pos - 1]) / 2.0 + float(xs[best_f, pos]) / 2.0
        # The splitter leaves the samples sorted by the last feature it sorted, then partitions them.
        order = ranked[last_sorted]
        order = _partition(order, XT[best_f, order].astype(np.float64) <= thr)
        ys = y[order]
        s_l = float(_left_sums(ys, np.array([pos]), total)[0])
        s_r = total - s_l
        n_l, n_r = float(pos), float(m - pos)
        sq_l = float(np.cumsum(ys[:pos] * ys[:pos])[-1])
        sq_total = float(np.cumsum(y[idx] * y[idx])[-1])
        imp_l = sq_l / n_l - (s_l / n_l) ** 2.0
        imp_r = (sq_total - sq_l) / n_r - (s_r / n_r) ** 2.0
        improvement = (m / n_all) * (impurity - n_r / m * imp_r - n_l / m * imp_l)
        if improvement + _EPSILON < 0.0:  # no real gain (scikit-learn's min_impurity_decrease=0)
            return None, n_total
        return (best_f, thr, order[:pos], order[pos:], imp_l, imp_r), n_total

    # -- using the tree ----------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "value"):
            raise RuntimeError("this RegressionTree is not fitted yet; call fit(X, y) first")

    @property
    def node_count(self) -> int:
        self._check_fitted()
        return int(self.value.size)

    @property
    def n_leaves(self) -> int:
        self._check_fitted()
        return int(np.sum(self.children_left == LEAF))

    @property
    def leaves(self) -> np.ndarray:
        """The ids of the leaf nodes, in increasing order."""
        self._check_fitted()
        return np.flatnonzero(self.children_left == LEAF)

    def apply(self, X) -> np.ndarray:
        """The id of the leaf each row of ``X`` lands in (an int array of shape (n,))."""
        self._check_fitted()
        X32 = as_features(X)
        if X32.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X32.shape[1]} features; the tree was fitted on {self.n_features_in_}")
        node = np.zeros(X32.shape[0], dtype=int)
        active = self.children_left[node] != LEAF
        while active.any():  # one level per pass, all samples at once
            cur = node[active]
            go_left = X32[active, self.feature[cur]].astype(np.float64) <= self.threshold[cur]
            node[active] = np.where(go_left, self.children_left[cur], self.children_right[cur])
            active = self.children_left[node] != LEAF
        return node

    def predict(self, X) -> np.ndarray:
        """The value of the leaf each row of ``X`` lands in."""
        leaf = self.apply(X)
        return self.value[leaf]

    def set_leaf_values(self, leaves, values) -> "RegressionTree":
        """Overwrite the values of the given leaves (boosting's line search per leaf); returns ``self``.

        >>> tree = RegressionTree(max_depth=1).fit(np.arange(4.0), np.array([0.0, 0, 1, 1]))
        >>> tree.set_leaf_values(tree.leaves, [-1.0, 2.0]).predict(np.arange(4.0)).tolist()
        [-1.0, -1.0, 2.0, 2.0]
        """
        self._check_fitted()
        leaves = np.asarray(leaves, dtype=int).reshape(-1)
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), leaves.shape)
        bad = leaves[(leaves < 0) | (leaves >= self.node_count)]
        if bad.size or np.any(self.children_left[leaves] != LEAF):
            raise ValueError(f"leaves must be ids of leaf nodes {self.leaves.tolist()}; got {leaves.tolist()}")
        self.value[leaves] = values
        return self
