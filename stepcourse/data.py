"""Datasets and their preparation: made in code or bundled (no downloads), split, cleaned, scaled, batched.

Every generator takes a ``seed``: the same seed gives the same numbers on every machine. The real
datasets come from scikit-learn's bundled copies (``load_diabetes``, ``load_breast_cancer``), imported
inside the function, so ``import stepcourse`` does not need scikit-learn.

>>> data = make_line(n=5, seed=0)
>>> data.X.shape, data.y.shape
((5, 1), (5,))
>>> X, y = data                      # a Dataset unpacks like a pair
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator, Optional, Sequence

import numpy as np

from ._validation import as_generator, check_fraction, check_integer, check_non_negative, check_positive, check_Xy

__all__ = [
    "Dataset", "make_line", "make_linear", "make_blobs", "make_moons", "friedman1", "diabetes", "diabetes_pair",
    "breast_cancer",
    "corrupt", "clean", "train_test_split", "Standardizer", "standardize", "batches",
]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features, targets and what they mean.

    Attributes
    ----------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)
        Real targets (``task="regression"``) or class labels 0/1 (``task="classification"``).
    feature_names : tuple of str
    description : str
        Where the data come from and what a row is.
    name : str
    task : {"regression", "classification"}
    target_name : str

    ``X, y = dataset`` unpacks the arrays, so a Dataset goes wherever an ``(X, y)`` pair does.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple = ()
    description: str = field(default="", repr=False)
    name: str = ""
    task: str = "regression"
    target_name: str = "y"

    def __post_init__(self):
        X = np.asarray(self.X, dtype=float)
        y = np.asarray(self.y, dtype=float)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},) to match X {X.shape}; got {y.shape}")
        if self.task not in ("regression", "classification"):
            raise ValueError(f"task must be 'regression' or 'classification'; got {self.task!r}")
        names = tuple(self.feature_names) or tuple(f"x{j}" for j in range(X.shape[1]))
        if len(names) != X.shape[1]:
            raise ValueError(f"got {len(names)} feature_names for {X.shape[1]} features")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", names)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.X, self.y))

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def select(self, features: Sequence[str]) -> "Dataset":
        """A Dataset with only the named feature columns, in the given order."""
        if isinstance(features, str):
            features = [features]
        missing = [f for f in features if f not in self.feature_names]
        if missing:
            raise ValueError(f"unknown feature(s) {missing}; this dataset has {list(self.feature_names)}")
        cols = [self.feature_names.index(f) for f in features]
        return replace(self, X=self.X[:, cols], feature_names=tuple(features))

    def split(self, test_size=0.25, seed=0) -> tuple:
        """``(train, test)`` Datasets from :func:`train_test_split`."""
        X_tr, X_te, y_tr, y_te = train_test_split(self.X, self.y, test_size=test_size, seed=seed)
        return replace(self, X=X_tr, y=y_tr), replace(self, X=X_te, y=y_te)


# -- datasets made in code -------------------------------------------------------------------------------

def make_line(n: int = 50, slope: float = 2.0, intercept: float = 1.0, noise: float = 0.5,
              x_range=(-3.0, 3.0), seed=0) -> Dataset:
    r"""Points scattered around a line: :math:`y = a x + b + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2)`.

    ``x`` is uniform on ``x_range``; ``noise`` is :math:`\sigma`.

    >>> d = make_line(n=20, slope=2.0, intercept=1.0, noise=0.0)
    >>> bool(np.allclose(d.y, 2.0 * d.X[:, 0] + 1.0))
    True
    """
    n = check_integer("n", n, low=1)
    noise = check_non_negative("noise", noise)
    lo, hi = map(float, x_range)
    if not lo < hi:
        raise ValueError(f"x_range must be (low, high) with low < high; got {x_range!r}")
    rng = as_generator(seed)
    x = rng.uniform(lo, hi, n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    return Dataset(X=x[:, None], y=y, feature_names=("x",), name="noisy line",
                   description=f"n={n} points y = {slope:g} x + {intercept:g} + N(0, {noise:g}^2), "
                               f"x uniform on [{lo:g}, {hi:g}].")


def make_linear(n: int = 200, weights=(3.0, -2.0), bias: float = 1.0, scales=None, offsets=None,
                noise: float = 0.5, seed=0) -> Dataset:
    r"""A linear regression problem with features of chosen scales.

    Feature :math:`j` is :math:`o_j + s_j z_j` with :math:`z_j \sim N(0, 1)` independent, and
    :math:`y = x^\top w + b + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2)`. Features of very
    different ``scales`` (or large ``offsets``) give an ill-conditioned least-squares problem, which is
    what standardization repairs.

    Parameters
    ----------
    n : int
        Number of samples.
    weights : sequence of float
        The true weights (their number is the number of features).
    bias : float
    scales, offsets : sequence of float, optional
        Standard deviation and mean of each feature; default 1 and 0.
    noise : float
        Standard deviation of the noise.

    >>> d = make_linear(n=1000, scales=(1.0, 100.0))
    >>> (d.X.std(axis=0) / [1.0, 100.0]).round(1).tolist()
    [1.0, 1.0]
    """
    n = check_integer("n", n, low=1)
    w = np.asarray(weights, dtype=float).ravel()
    if w.size < 1:
        raise ValueError("weights must hold at least one number")
    d = w.size
    s = np.ones(d) if scales is None else np.asarray(scales, dtype=float).ravel()
    o = np.zeros(d) if offsets is None else np.asarray(offsets, dtype=float).ravel()
    if s.shape != (d,) or np.any(s <= 0) or not np.all(np.isfinite(s)):
        raise ValueError(f"scales must hold {d} positive numbers (one per weight); got {scales!r}")
    if o.shape != (d,):
        raise ValueError(f"offsets must hold {d} numbers (one per weight); got {offsets!r}")
    noise = check_non_negative("noise", noise)
    rng = as_generator(seed)
    X = o + s * rng.standard_normal((n, d))
    y = X @ w + float(bias) + noise * rng.standard_normal(n)
    return Dataset(X=X, y=y, feature_names=tuple(f"x{j + 1}" for j in range(d)), name="linear",
                   description=f"n={n}, y = x.w + {float(bias):g} + N(0, {noise:g}^2) with w = {w.tolist()}, "
                               f"feature scales {s.tolist()} and offsets {o.tolist()}.")


def make_blobs(n: int = 200, centers=((-1.0, -1.0), (1.0, 1.0)), std: float = 1.0, seed=0) -> Dataset:
    """Two Gaussian blobs, one per class (label 0 around ``centers[0]``, label 1 around ``centers[1]``).

    Half the samples (rounded down for class 0) come from each class, in shuffled order.

    >>> d = make_blobs(n=10)
    >>> d.X.shape, int(d.y.sum())
    ((10, 2), 5)
    """
    n = check_integer("n", n, low=2)
    c = np.asarray(centers, dtype=float)
    if c.ndim != 2 or c.shape[0] != 2:
        raise ValueError(f"centers must be two points of equal dimension, shape (2, d); got shape {c.shape}")
    std = check_non_negative("std", std)
    rng = as_generator(seed)
    y = np.zeros(n)
    y[n // 2:] = 1.0
    y = rng.permutation(y)
    X = c[y.astype(int)] + std * rng.standard_normal((n, c.shape[1]))
    return Dataset(X=X, y=y, feature_names=tuple(f"x{j + 1}" for j in range(c.shape[1])), name="two blobs",
                   task="classification", target_name="class",
                   description=f"n={n} points from two Gaussian blobs with std {std:g} around {c.tolist()}.")


def make_moons(n: int = 200, noise: float = 0.1, seed=0) -> Dataset:
    """Two interleaving half circles (classes 0 and 1), with Gaussian noise of std ``noise``.

    Not linearly separable: a linear model gets most, not all, points right; a small network gets
    them all.

    >>> d = make_moons(n=100)
    >>> d.X.shape, int(d.y.sum())
    ((100, 2), 50)
    """
    n = check_integer("n", n, low=2)
    noise = check_non_negative("noise", noise)
    rng = as_generator(seed)
    n0 = n - n // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n // 2)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n // 2)])
    order = rng.permutation(n)
    X = X[order] + noise * rng.standard_normal((n, 2))
    return Dataset(X=X, y=y[order], feature_names=("x1", "x2"), name="moons", task="classification",
                   target_name="class", description=f"n={n} points on two interleaving half circles, noise {noise:g}.")


def friedman1(n: int = 400, noise: float = 1.0, seed=0) -> Dataset:
    r"""Friedman's (1991) regression test function: ten uniform inputs, of which the first five matter.

    .. math::

        y = 10 \sin(\pi x_1 x_2) + 20 (x_3 - \tfrac12)^2 + 10 x_4 + 5 x_5 + \varepsilon,
        \qquad x_j \sim U[0, 1], \ \varepsilon \sim N(0, \sigma^2)

    The first two inputs interact, so an additive model (stumps, in boosting) cannot fit it; the
    noise variance :math:`\sigma^2` (``noise**2``) is the best mean squared error any model can reach.
    (scikit-learn's ``make_friedman1`` draws the same function from a ``RandomState``.)

    >>> d = friedman1(n=5)
    >>> d.X.shape, bool(np.all((0 <= d.X) & (d.X <= 1)))
    ((5, 10), True)
    """
    n = check_integer("n", n, low=1)
    noise = check_non_negative("noise", noise)
    rng = as_generator(seed)
    X = rng.uniform(size=(n, 10))
    y = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
         + noise * rng.normal(size=n))
    return Dataset(X=X, y=y, feature_names=tuple(f"x{j + 1}" for j in range(10)), name="Friedman #1",
                   description=f"n={n} points of Friedman's (1991) test function, ten U[0, 1] inputs of "
                               f"which five matter, noise N(0, {noise:g}^2).")


# -- real datasets bundled with scikit-learn -------------------------------------------------------------

def diabetes(scaled: bool = False) -> Dataset:
    """The diabetes data of Efron et al. (2004): 442 patients, 10 baseline measurements, disease progression.

    Loaded from scikit-learn's bundled copy (no download). With ``scaled=False`` (default) the
    features are in their original units: age in years, sex coded 1/2, body-mass index, mean blood
    pressure, and six blood serum measurements, whose scales differ by two orders of magnitude. The
    target is a measure of disease progression one year later. Those files are read directly, without
    importing scikit-learn (about a second and a half), so an explorer on this data displays quickly;
    ``scaled=True`` (scikit-learn's centred columns of unit length) goes through ``load_diabetes``.
    """
    if not scaled:
        X, y = _diabetes_files()
        return Dataset(X=X, y=y, feature_names=_DIABETES_FEATURES, name="diabetes", target_name="progression",
                       description=_DIABETES_DESCRIPTION)
    from sklearn.datasets import load_diabetes

    raw = load_diabetes(scaled=True)
    return Dataset(X=raw.data, y=raw.target, feature_names=tuple(raw.feature_names), name="diabetes",
                   target_name="progression", description=_DIABETES_DESCRIPTION)


_DIABETES_FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
_DIABETES_DESCRIPTION = ("Diabetes (Efron et al. 2004, via scikit-learn): 442 patients, 10 features "
                         "(age, sex, bmi, bp, s1-s6 blood serum measurements); target: disease "
                         "progression one year after baseline.")


def _sklearn_data_file(name: str, **loadtxt) -> np.ndarray:
    """One of scikit-learn's bundled data files (``sklearn/datasets/data/<name>``, gzipped CSV), read
    as its loaders read it, without importing scikit-learn (an import of a second and more)."""
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")          # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("this data comes with scikit-learn: pip install scikit-learn")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / name
    with gzip.open(path, mode="rt", encoding="utf-8") as fh:
        return np.loadtxt(fh, **loadtxt)


def _diabetes_files():
    """The raw features and the target, as ``load_diabetes(scaled=False)`` reads them."""
    return _sklearn_data_file("diabetes_data_raw.csv.gz"), _sklearn_data_file("diabetes_target.csv.gz")


def diabetes_pair(features=("bmi", "s5")):
    r"""Two standardized features of the diabetes data and the standardized target: ``(X, y, names)``.

    Every column and the target are standardized over the 442 patients,

    .. math::

        x_{ij} \leftarrow \frac{x_{ij} - \bar x_j}{s_j}, \qquad y_i \leftarrow \frac{y_i - \bar y}{s_y}
        \quad (s: \text{the standard deviation with } 1/n),

    so the learning rates of the batch-size chapter mean the same thing for every feature, and the
    loss of the constant model is 1.

    >>> X, y, names = diabetes_pair()
    >>> X.shape, names, round(float(y.std()), 12)
    ((442, 2), ('bmi', 's5'), 1.0)
    """
    data = diabetes()
    names = list(data.feature_names)
    if isinstance(features, str) or not all(isinstance(f, str) for f in features) or len(features) != 2:
        raise ValueError(f"features must be two names from {names}; got {features!r}")
    try:
        cols = [names.index(f) for f in features]
    except ValueError:
        raise ValueError(f"features must be two names from {names}; got {features!r}") from None
    X = data.X[:, cols]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (data.y - data.y.mean()) / data.y.std()
    return X, y, tuple(features)


def breast_cancer() -> Dataset:
    """The Wisconsin diagnostic breast cancer data: 569 tumours, 30 features, malignant (0) or benign (1).

    Loaded from scikit-learn's bundled copy (no download; scikit-learn is imported here, on first
    use). The features describe cell nuclei in a digitized image (radius, texture, area, smoothness,
    ...); their scales range from about 0.001 to 1000.
    """
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer()
    return Dataset(X=raw.data, y=raw.target, feature_names=tuple(str(f) for f in raw.feature_names),
                   name="breast cancer", task="classification", target_name="benign",
                   description="Breast Cancer Wisconsin (Diagnostic) via scikit-learn: 569 tumours, 30 "
                               "features of cell nuclei; target 1 = benign, 0 = malignant.")


# -- cleaning -----------------------------------------------------------------------------------------

def corrupt(data: Dataset, missing: float = 0.03, outliers: float = 0.01, factor: float = 10.0,
            seed=0) -> Dataset:
    """A copy of ``data`` with the defects of real records: missing entries and gross recording errors.

    A fraction ``missing`` of the feature entries become NaN; a fraction ``outliers`` are multiplied by
    ``factor`` (a shifted decimal point). Use it to practise :func:`clean`.

    >>> d = corrupt(make_linear(n=100), missing=0.05, outliers=0.0)
    >>> int(np.isnan(d.X).sum())
    10
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a Dataset; got {type(data).__name__}")
    missing = check_fraction("missing", missing)
    outliers = check_fraction("outliers", outliers)
    if not missing + outliers <= 1:
        raise ValueError(f"missing + outliers must not exceed 1; got {missing + outliers!r}")
    rng = as_generator(seed)
    X = data.X.copy()
    size = X.size
    picked = rng.permutation(size)
    n_missing, n_out = int(round(missing * size)), int(round(outliers * size))
    flat = X.reshape(-1)
    flat[picked[n_missing:n_missing + n_out]] *= float(factor)
    flat[picked[:n_missing]] = np.nan
    return replace(data, X=X, name=f"{data.name} (corrupted)",
                   description=data.description + f" Corrupted: {n_missing} entries missing, "
                                                  f"{n_out} multiplied by {factor:g}.")


def _robust_center_scale(X: np.ndarray):
    """Per-column median and a robust spread (1.4826 MAD, which equals the std for normal data)."""
    with np.errstate(all="ignore"):
        center = np.nanmedian(X, axis=0)
        scale = 1.4826 * np.nanmedian(np.abs(X - center), axis=0)
        fallback = np.nanstd(X, axis=0)  # for columns with mostly equal values (MAD = 0), e.g. binary ones
    scale = np.where(scale > 0, scale, fallback)
    return center, np.where(scale > 0, scale, 1.0)


def clean(data, *, max_abs_z: Optional[float] = None, reference=None):
    r"""Drop the rows with a missing value and, optionally, the rows with an extreme value.

    A value is extreme when its robust z-score exceeds ``max_abs_z``:

    .. math::

        z_{ij} = \frac{x_{ij} - \operatorname{median}_j}{1.4826\,\operatorname{MAD}_j}

    Median and MAD (median absolute deviation) are barely moved by the outliers themselves, unlike
    mean and standard deviation. They are computed on ``reference`` (default: the rows being cleaned).
    To keep the test set out of every decision about the training set, clean the training split on its
    own and the test split with ``reference=X_train``.

    Parameters
    ----------
    data : Dataset or (X, y) pair
    max_abs_z : float, optional
        Remove rows with any :math:`|z_{ij}|` above this; None keeps every complete row.
    reference : ndarray or Dataset, optional
        The rows that define median and MAD.

    Returns
    -------
    (cleaned, report)
        ``cleaned`` has the type of ``data``; ``report`` is a dict with the counts ``"rows"``,
        ``"missing"`` (rows dropped for a NaN or infinity in X or y), ``"outliers"`` (rows dropped as
        extreme) and ``"kept"``.

    >>> d = corrupt(make_linear(n=200), missing=0.02, outliers=0.02, seed=3)
    >>> cleaned, report = clean(d, max_abs_z=6)
    >>> report["rows"] == report["missing"] + report["outliers"] + report["kept"]
    True
    """
    is_dataset = isinstance(data, Dataset)
    if is_dataset:
        X, y = data.X, data.y
    else:
        try:
            X, y = data
        except (TypeError, ValueError):
            raise TypeError("data must be a Dataset or an (X, y) pair") from None
        X, y = check_Xy(X, y, y_float=False)
    y = np.asarray(y, dtype=float)
    complete = np.all(np.isfinite(X), axis=1) & np.isfinite(y.reshape(len(y), -1)).all(axis=1)
    extreme = np.zeros(len(X), dtype=bool)
    if max_abs_z is not None:
        max_abs_z = check_positive("max_abs_z", max_abs_z)
        ref = X if reference is None else (reference.X if isinstance(reference, Dataset) else
                                           np.asarray(reference, dtype=float))
        if ref.ndim != 2 or ref.shape[1] != X.shape[1]:
            raise ValueError(f"reference must have {X.shape[1]} columns like X; got shape {ref.shape}")
        center, scale = _robust_center_scale(ref)
        with np.errstate(invalid="ignore"):
            z = np.abs(X - center) / scale
        extreme = complete & np.any(z > max_abs_z, axis=1)
    keep = complete & ~extreme
    report = {"rows": int(len(X)), "missing": int(np.sum(~complete)), "outliers": int(np.sum(extreme)),
              "kept": int(np.sum(keep))}
    if is_dataset:
        return replace(data, X=X[keep], y=y[keep]), report
    return (X[keep], y[keep]), report


# -- splitting, scaling, batching -------------------------------------------------------------------------

def train_test_split(X, y, test_size=0.25, seed=0):
    """Shuffle the rows once (seeded) and cut them into a training and a test part.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    test_size : float in (0, 1) or int
        Fraction (rounded up) or number of rows for the test part.
    seed : int, None or numpy Generator

    Returns
    -------
    X_train, X_test, y_train, y_test
        The order of scikit-learn's ``train_test_split``. Each row lands in exactly one part.

    >>> X_tr, X_te, y_tr, y_te = train_test_split(np.arange(20.0).reshape(10, 2), np.arange(10.0), 0.3)
    >>> X_tr.shape, X_te.shape
    ((7, 2), (3, 2))
    """
    X, y = check_Xy(X, y, y_float=False)
    n = X.shape[0]
    if isinstance(test_size, (float, np.floating)) and not isinstance(test_size, bool):
        if not 0 < test_size < 1:
            raise ValueError(f"test_size as a fraction must lie strictly between 0 and 1; got {test_size!r}")
        n_test = int(np.ceil(test_size * n))
    elif isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    else:
        raise TypeError(f"test_size must be a fraction (float) or a number of rows (int); got {test_size!r}")
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size!r} leaves {n_test} of {n} rows for testing; "
                         "both parts need at least one row")
    order = as_generator(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


class Standardizer:
    r"""Scale each feature to mean 0 and standard deviation 1, with statistics from the training data.

    .. math::

        x' = \frac{x - \mu_\text{train}}{\sigma_\text{train}}

    ``fit`` on the training set only; ``transform`` training, validation and test sets with the same
    :math:`\mu, \sigma`. Fitting on all the data would let the test set shape the training inputs (a
    leak that makes test scores look better than they will be on new data). A constant feature gets
    :math:`\sigma = 1` (it is only centered).

    Attributes
    ----------
    mean_, scale_ : ndarray, shape (n_features,)
        Set by :meth:`fit`.

    Examples
    --------
    >>> s = Standardizer().fit(np.array([[1.0, 10.0], [3.0, 10.0]]))
    >>> s.transform(np.array([[2.0, 12.0]])).tolist()
    [[0.0, 2.0]]
    """

    def __init__(self):
        self.mean_: Optional[np.ndarray] = None
        self.scale_: Optional[np.ndarray] = None

    def __repr__(self) -> str:
        if self.mean_ is None:
            return "Standardizer(not fitted)"
        return f"Standardizer(n_features={self.mean_.size})"

    def fit(self, X) -> "Standardizer":
        """Learn the per-feature mean and standard deviation of ``X`` (shape (n, d))."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[0] < 1:
            raise ValueError(f"X must be 2-D (n_samples, n_features) with at least one row; got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values; clean the data first (sc.data.clean)")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def _fitted(self, X) -> np.ndarray:
        if self.mean_ is None:
            raise ValueError("this Standardizer is not fitted yet; call fit(X_train) first")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.mean_.size:
            raise ValueError(f"X must have shape (n_samples, {self.mean_.size}); got {X.shape}")
        return X

    def transform(self, X) -> np.ndarray:
        """``(X - mean_) / scale_``."""
        return (self._fitted(X) - self.mean_) / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X) -> np.ndarray:
        """Back to the original units: ``X * scale_ + mean_``."""
        return self._fitted(X) * self.scale_ + self.mean_

    def raw_params(self, params: dict) -> dict:
        r"""Weights learned on standardized features, expressed for the original features.

        :math:`w^\top x' + b = (w / \sigma)^\top x + b - (w / \sigma)^\top \mu`, so
        :math:`w_\text{raw} = w / \sigma` and :math:`b_\text{raw} = b - w_\text{raw}^\top \mu`.
        """
        if self.mean_ is None:
            raise ValueError("this Standardizer is not fitted yet; call fit(X_train) first")
        w = np.asarray(params["w"], dtype=float)
        if w.shape != self.mean_.shape:
            raise ValueError(f"params['w'] must have shape {self.mean_.shape}; got {w.shape}")
        w_raw = w / self.scale_
        return {"w": w_raw, "b": np.asarray(float(np.asarray(params["b"])) - w_raw @ self.mean_)}


def standardize(X_train, X_test=None):
    """Fit a :class:`Standardizer` on ``X_train`` and apply it to both sets.

    Returns
    -------
    (X_train_scaled, X_test_scaled, standardizer)
        ``X_test_scaled`` is None when ``X_test`` is None.

    >>> tr, te, s = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]]))
    >>> tr.ravel().tolist(), te.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    s = Standardizer().fit(X_train)
    return s.transform(X_train), (None if X_test is None else s.transform(X_test)), s


def batches(X, y, batch_size: int, seed=0, shuffle: bool = True, drop_last: bool = False):
    """Yield ``(X_batch, y_batch)`` mini-batches that together cover every row once (one epoch).

    With ``shuffle`` the rows are visited in a random order drawn from ``seed`` (an int gives the same
    order every call; pass a numpy ``Generator`` to get a fresh order each epoch). The last batch is
    smaller when ``batch_size`` does not divide the number of rows, unless ``drop_last``.

    >>> [len(yb) for _, yb in batches(np.zeros((10, 1)), np.arange(10), batch_size=4)]
    [4, 4, 2]
    """
    X, y = check_Xy(X, y, y_float=False)
    n = X.shape[0]
    batch_size = check_integer("batch_size", batch_size, low=1)
    if shuffle:
        order = as_generator(seed).permutation(n)
        X, y = X[order], y[order]  # one gather per epoch, then every batch is a cheap view
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]


# ==================================================================================================
# Data behind the explorers (stepcourse.widgets): a batch of digits, a wavy 1-D regression problem.
# Tested in tests/test_moved_analysis.py.

__all__ += ["digits_batch", "boosting_demo_data"]


from functools import lru_cache as _lru_cache  # noqa: E402


@_lru_cache(maxsize=4)
def _digits_rows(n: int, seed: int):
    # scikit-learn's digits file, read as load_digits reads it: 64 pixels and the label per row
    table = _sklearn_data_file("digits.csv.gz", delimiter=",")
    X, y = table[:, :-1], table[:, -1].astype(int)
    rows = np.random.default_rng(seed).permutation(len(X))[:n]
    X = X.astype(float)
    std = X.std(axis=0)
    X = ((X - X.mean(axis=0)) / np.where(std > 0, std, 1.0))[rows]   # constant pixels stay at 0
    y = y.astype(np.int64)[rows]
    X.flags.writeable = y.flags.writeable = False    # cached: shared by every caller
    return X, y


def digits_batch(n: int = 256, seed: int = 0):
    r"""``n`` rows of scikit-learn's digits (8x8 images, 10 classes) and their labels.

    Each pixel is standardized over the whole set of 1797 images,

    .. math::

        x_{ij} \leftarrow \frac{x_{ij} - \bar x_j}{s_j} \quad (s_j > 0; \text{ constant pixels stay } 0),

    and the rows are the first ``n`` of a permutation drawn from ``seed``: the same rows for the same
    ``seed``. The arrays are read-only (they are cached and shared).

    >>> X, y = digits_batch(100)
    >>> X.shape, y.shape, int(y.max())
    ((100, 64), (100,), 9)
    """
    from ._validation import check_integer

    n = check_integer("n", n, low=2, high=1797)
    seed = check_integer("seed", seed, low=0)
    return _digits_rows(n, seed)


def boosting_demo_data(n: int = 80, noise: float = 0.3, seed=0):
    r"""A wavy 1-D regression problem for the boosting chapter:

    .. math::

        x_i \sim U[0, 6] \text{ (sorted)}, \qquad y_i = \sin(1.5\, x_i) + 0.3\, x_i + \sigma \varepsilon_i,
        \quad \varepsilon_i \sim \mathcal N(0, 1).

    Returns ``(x, y, truth)`` where ``x`` has shape (n, 1) and ``truth`` is the noise-free function.

    >>> x, y, truth = boosting_demo_data(n=5)
    >>> x.shape, y.shape, round(float(truth(np.array([0.0]))[0]), 3)
    ((5, 1), (5,), 0.0)
    """
    from ._validation import as_generator, check_integer, check_non_negative

    n = check_integer("n", n, low=1)
    noise = check_non_negative("noise", noise)
    rng = as_generator(seed)
    x = np.sort(rng.uniform(0.0, 6.0, size=n))[:, None]

    def truth(t):
        t = np.asarray(t, dtype=float).reshape(-1)
        return np.sin(1.5 * t) + 0.3 * t

    return x, truth(x) + noise * rng.normal(size=n), truth
