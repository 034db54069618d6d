"""Datasets read from GRADER_DATA; nothing is ever downloaded.

FashionMNIST is the four official IDX `.gz` files under `<GRADER_DATA>/fashion-mnist/`, checked
against their published MD5s (a stand-in made for tests is read with `verify=False`).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.errors import GraderError

FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
               0x0E: ">f8"}


class DatasetError(GraderError):
    """A dataset file is missing, damaged, or not the one the assignment expects."""


@dataclass(frozen=True)
class HiddenData:
    """Where the grader (never the sandbox) reads held-out test sets with their labels."""

    root: Path | None = None
    verify: bool = True

    def folder(self, name: str) -> Path:
        if self.root is None:
            raise DatasetError(f"this check needs held-out data ({name}/) but no hidden data "
                               "directory is configured: set GRADER_HIDDEN_DATA")
        return self.root / name


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip-compressed or not) as a numpy array of its declared shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DatasetError(f"{path} is not an IDX file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise DatasetError(f"{path} is truncated or padded: {len(data)} bytes, the header "
                           f"promises {expected}")
    values = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # native byte order, and writable


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as a gzip-compressed IDX file (test data in the official layout)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.tobytes())


def md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(2**20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_fashion_mnist(root: Path, split: str, *, verify: bool = True,
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 28, 28], labels uint8 [N]) for split "train" or "test"."""
    prefix = {"train": "train", "test": "t10k"}[split]
    folder = root / "fashion-mnist"
    arrays = []
    for kind in ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"):
        name = f"{prefix}-{kind}"
        path = folder / name
        if not path.is_file():
            raise DatasetError(f"{path} is missing: place the official FashionMNIST files "
                               f"({', '.join(FASHION_MNIST_MD5)}) in {folder}")
        if verify and md5(path) != FASHION_MNIST_MD5[name]:
            raise DatasetError(f"{path} is not the official FashionMNIST file (MD5 "
                               f"{md5(path)}, expected {FASHION_MNIST_MD5[name]})")
        arrays.append(read_idx(path))
    images, labels = arrays
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise DatasetError(f"{folder}: {images.shape} images for {labels.shape} labels; "
                           "expected N×28×28 and N")
    return images, labels
