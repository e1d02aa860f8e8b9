"""Tests of gluon_lr.data.readers: the official binary format, RecordIO with Pillow decode."""
import io
import pickle

import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon.data import DataLoader
from PIL import Image

from gluon_lr.data import decode_jpeg
from gluon_lr.data.readers import RECORD_BYTES, BinaryDataset, RecordDataset
from data_files import TEST_LABELS, TRAIN_FILES, TRAIN_LABELS, random_images, write_binaries


# --- official binary files ------------------------------------------------------------------

def test_binary_items_are_the_records_as_hwc_uint8(tmp_path):
    train, test = random_images(10, seed=0), random_images(3, seed=1)
    folder = write_binaries(tmp_path, train, test)
    dataset = BinaryDataset([folder / name for name in TRAIN_FILES])
    assert len(dataset) == 10
    for k in range(10):
        image, label = dataset[k]
        assert type(image) is np.ndarray and image.dtype == np.uint8
        assert image.shape == (32, 32, 3)
        np.testing.assert_array_equal(image, train[k].transpose(1, 2, 0))
        assert type(label) is np.int32 and label == TRAIN_LABELS[k]
    test_set = BinaryDataset([str(folder / "test_batch.bin")])
    assert [int(test_set[k][1]) for k in range(3)] == TEST_LABELS
    np.testing.assert_array_equal(test_set[2][0], test[2].transpose(1, 2, 0))


def test_binary_byte_layout(tmp_path):
    # One record: label 6, then R, G, B planes of 1024 bytes, each row-major.
    planes = np.zeros((3, 32, 32), dtype=np.uint8)
    planes[0, 0, 1] = 255  # byte 1 + 1
    planes[1, 1, 0] = 17   # byte 1 + 1024 + 32
    planes[2, 31, 31] = 99  # the last byte
    raw = bytes([6]) + planes.tobytes()
    assert len(raw) == RECORD_BYTES == 3073
    assert (raw[2], raw[1 + 1024 + 32], raw[-1]) == (255, 17, 99)
    (tmp_path / "one.bin").write_bytes(raw)
    image, label = BinaryDataset([tmp_path / "one.bin"])[0]
    assert label == 6
    assert image[0, 1].tolist() == [255, 0, 0]
    assert image[1, 0].tolist() == [0, 17, 0]
    assert image[31, 31].tolist() == [0, 0, 99]
    assert int(image.sum()) == 255 + 17 + 99


@pytest.mark.parametrize("size", [1, RECORD_BYTES - 1, RECORD_BYTES + 1])
def test_binary_rejects_a_file_of_the_wrong_size(tmp_path, size):
    (tmp_path / "bad.bin").write_bytes(bytes(size))
    with pytest.raises(ValueError, match=r"bad.bin is not a CIFAR-10 binary file: its size, "
                                         r"{} bytes, is not a multiple of 3073".format(size)):
        BinaryDataset([tmp_path / "bad.bin"])


def test_binary_needs_a_file():
    with pytest.raises(ValueError, match="paths must name at least one CIFAR-10 binary file"):
        BinaryDataset([])


# --- JPEG and RecordIO ----------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_decode_jpeg_equals_mxnet_imdecode(mode):
    pixels = np.random.default_rng(4).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(buffer, format="JPEG", quality=90)
    ours = decode_jpeg(buffer.getvalue())
    assert ours.shape == (32, 32, 3) and ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, mx.image.imdecode(buffer.getvalue()).asnumpy())


@pytest.fixture
def small_recordio(tmp_path):
    """A RecordIO of 12 JPEGs (labels 0..11 as floats); returns (path, decoded images)."""
    rng = np.random.default_rng(8)
    rec = str(tmp_path / "small.rec")
    writer = mx.recordio.MXIndexedRecordIO(str(tmp_path / "small.idx"), rec, "w")
    for i in range(12):
        buffer = io.BytesIO()
        pixels = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
        writer.write_idx(i, mx.recordio.pack(mx.recordio.IRHeader(0, float(i), i, 0),
                                             buffer.getvalue()))
    writer.close()
    return rec


def test_recordio_items_equal_mxnets_image_record_dataset(small_recordio):
    ours = RecordDataset(small_recordio)
    mxnet = mx.gluon.data.vision.ImageRecordDataset(small_recordio)
    assert len(ours) == len(mxnet) == 12
    for k in range(12):
        image, label = ours[k]
        assert type(image) is np.ndarray and image.shape == (32, 32, 3)
        np.testing.assert_array_equal(image, mxnet[k][0].asnumpy())
        assert type(label) is float and label == float(k) == mxnet[k][1]


def test_recordio_pickles_and_reads_in_worker_processes(small_recordio):
    dataset = pickle.loads(pickle.dumps(RecordDataset(small_recordio)))
    serial = [(x.asnumpy(), y.asnumpy()) for x, y in DataLoader(dataset, batch_size=3)]
    workers = [(x.asnumpy(), y.asnumpy())
               for x, y in DataLoader(dataset, batch_size=3, num_workers=2)]
    assert len(serial) == len(workers) == 4
    for (x, y), (x_workers, y_workers) in zip(serial, workers):
        np.testing.assert_array_equal(x, x_workers)
        np.testing.assert_array_equal(y, y_workers)
    assert np.concatenate([y for _, y in serial]).tolist() == list(range(12))
