"""The IDX reader and the FashionMNIST layout, on data made here (nothing is downloaded)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from grader.datasets import DatasetError, load_fashion_mnist, read_idx, write_idx


def make_layout(root, n: int = 12):  # noqa: ANN001, ANN201
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    folder = root / "fashion-mnist"
    folder.mkdir()
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    return images, labels


def test_idx_round_trip_in_the_official_layout(tmp_path):
    images, labels = make_layout(tmp_path)
    got_images, got_labels = load_fashion_mnist(tmp_path, "test", verify=False)
    assert got_images.dtype == np.uint8 and np.array_equal(got_images, images)
    assert np.array_equal(got_labels, labels)


def test_files_that_are_not_the_official_ones_are_refused(tmp_path):
    make_layout(tmp_path)
    with pytest.raises(DatasetError, match="is not the official FashionMNIST file"):
        load_fashion_mnist(tmp_path, "test")


def test_a_missing_file_says_what_to_place_where(tmp_path):
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz is missing: place the "
                                           "official FashionMNIST files"):
        load_fashion_mnist(tmp_path, "test")


def test_damaged_idx_files_are_explained(tmp_path):
    bad_magic = tmp_path / "x.gz"
    with gzip.open(bad_magic, "wb") as handle:
        handle.write(b"\x01\x02\x03\x04")
    with pytest.raises(DatasetError, match="not an IDX file"):
        read_idx(bad_magic)
    truncated = tmp_path / "y.gz"
    with gzip.open(truncated, "wb") as handle:
        handle.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"\0" * 5)
    with pytest.raises(DatasetError, match="truncated or padded: 13 bytes, the header "
                                           "promises 18"):
        read_idx(truncated)
