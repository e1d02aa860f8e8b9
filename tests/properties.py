"""Shared settings and strategies of the property-based tests (tests/test_properties_*.py).

Every property test runs a bounded number of generated examples, with no deadline (the
machines are shared, so one slow example says nothing), no example database (the run
writes nothing into the checkout) and derandomized: each test draws the same examples on
every run, so CI passes or fails the same way twice. A failure prints the falsifying
example to reproduce.
"""
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from gluon_lr._validate import FLOAT32_MAX, FLOAT32_TINY


def bounded(max_examples):
    """Hypothesis settings for ``max_examples`` examples, as described above."""
    return settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


#: Learning rates of every magnitude a schedule is documented to accept.
lrs = st.floats(min_value=FLOAT32_TINY, max_value=1e3)
#: Learning-rate bounds: 0 or a rate.
bounds = st.one_of(st.just(0.0), lrs)
#: Momenta, in [0, 1).
momenta = st.floats(min_value=0.0, max_value=0.999)
#: Schedule lengths in updates.
lengths = st.integers(min_value=1, max_value=5000)


@st.composite
def ordered(draw, values):
    """Two values of ``values``, the lower first."""
    low, high = sorted((draw(values), draw(values)))
    return low, high


def is_rate(value):
    """Whether ``value`` is what an MXNet optimizer holds: 0 or a float32-range float."""
    return (type(value) is float and (value == 0.0 or FLOAT32_TINY <= abs(value) <= FLOAT32_MAX))
