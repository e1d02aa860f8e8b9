"""Small CIFAR-10 files for the gluon_lr.data tests: official binary records in a folder."""
import numpy as np

TRAIN_FILES = ["data_batch_{}.bin".format(i) for i in range(1, 6)]
MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.2023, 0.1994, 0.2010], dtype=np.float32).reshape(3, 1, 1)
# Two records per training file, three test records.
TRAIN_LABELS = [3, 8, 0, 9, 1, 7, 2, 6, 4, 5]
TEST_LABELS = [7, 0, 9]


def labelled_images(count, seed=0):
    """``count`` random (32, 32, 3) uint8 images and their labels ``0, 1, ..., 9, 0, ...``."""
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8),
            (np.arange(count) % 10).astype(np.int32))


def bits(array):
    """The float32 ``array``'s bit patterns, to compare bit for bit (NaN and -0.0 included)."""
    return np.ascontiguousarray(array).view(np.uint32)


def normalised(chw_uint8):
    """The tutorial's ToTensor + Normalize, written out: (x / 255 - mean) / std."""
    return (chw_uint8.astype(np.float32) / np.float32(255) - MEAN) / STD


def records(labels, images):
    """CIFAR-10 binary records: one label byte, then the R, G and B planes (32x32 each)."""
    return b"".join(bytes([label]) + image.tobytes() for label, image in zip(labels, images))


def write_binaries(folder, train_images, test_images):
    """Write the six official files into ``folder``; images are (N, 3, 32, 32) uint8."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(TRAIN_FILES):
        (folder / name).write_bytes(
            records(TRAIN_LABELS[2 * i:2 * i + 2], train_images[2 * i:2 * i + 2]))
    (folder / "test_batch.bin").write_bytes(records(TEST_LABELS, test_images))
    return folder


def random_images(n, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
