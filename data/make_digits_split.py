#!/usr/bin/python3
"""Writes data/digits_split_sklearn42.json: the row indices of the digits notebooks' split,
scikit-learn's train_test_split(test_size=0.2, random_state=42) on the 1797 rows of
data/digits.csv.gz. The split depends on NumPy's generator, so it is made once here (with
Debian's python3-sklearn) and shipped; xgrad applies it with data::digits_sklearn_split().

Run from the repository root: /usr/bin/python3 data/make_digits_split.py
"""
import gzip
import json

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

rows = np.loadtxt(gzip.open("data/digits.csv.gz", "rt"), delimiter=",")
n = len(rows)
# Splitting the indices gives the same permutation as splitting (inputs, labels) directly.
train, test = train_test_split(np.arange(n), test_size=0.2, random_state=42)
with open("data/digits_split_sklearn42.json", "w") as f:
    json.dump({
        "source": "sklearn.model_selection.train_test_split(arange(%d), test_size=0.2, "
                  "random_state=42), scikit-learn %s, numpy %s" % (n, sklearn.__version__, np.__version__),
        "n": n,
        "train": train.tolist(),
        "test": test.tolist(),
    }, f)
    f.write("\n")
print("train", len(train), "test", len(test))
