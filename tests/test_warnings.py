"""pytest.ini turns gluon-lr's own warnings into errors, wherever their stacklevel points."""
import warnings

import mxnet as mx
import pytest

from gluon_lr.schedules import TriangularSchedule


def test_a_warning_pinned_on_the_caller_is_an_error():
    """``base_lr``'s warning names the line that assigned it: here, this test."""
    schedule = TriangularSchedule(min_lr=0.1, max_lr=1.0, cycle_length=10)
    with pytest.raises(UserWarning, match="TriangularSchedule keeps its own learning rates"):
        schedule.base_lr = 0.5


def test_a_warning_pinned_on_mxnets_optimizer_is_an_error():
    """MXNet's Optimizer assigns ``base_lr`` when given another learning rate."""
    schedule = TriangularSchedule(min_lr=0.1, max_lr=1.0, cycle_length=10)
    with pytest.raises(UserWarning, match="requested 0.5"):
        mx.optimizer.SGD(learning_rate=0.5, lr_scheduler=schedule)


def test_a_warning_raised_in_gluon_lr_is_an_error():
    """One that names a line of gluon_lr (as the cache's warnings name data/datasets.py)."""
    with pytest.raises(RuntimeWarning, match="rebuilding"):
        warnings.warn_explicit("rebuilding", RuntimeWarning, "gluon_lr/data/datasets.py", 1,
                               module="gluon_lr.data.datasets")


def test_a_third_party_warning_stays_a_warning():
    """Only gluon-lr's warnings are errors: another library's is reported as usual."""
    with warnings.catch_warnings(record=True) as caught:  # keeps pytest.ini's filters
        warnings.warn_explicit("elsewhere", UserWarning, "other/module.py", 1,
                               module="other.module")
    assert [str(warning.message) for warning in caught] == ["elsewhere"]
