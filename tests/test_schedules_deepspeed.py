"""DeepSpeed's LRRangeTest and OneCycle: tutorial configs, defect fixes, from_config."""
import json
import re

import pytest

from gluon_lr.schedules import LRRangeTest, OneCycle, from_config
from gluon_lr.schedules.deepspeed import MAX_DECAYED_MOMENTUM

BLOCK = "a scheduler block (a dict with 'type' and optional 'params' keys)"

# The "scheduler" blocks printed in DeepSpeed's LRRT and 1-Cycle tutorials, verbatim.
LRRT_TUTORIAL = """"scheduler": {
    "type": "LRRangeTest",
    "params": {
        "lr_range_test_min_lr": 0.0001,
        "lr_range_test_step_size": 200,
        "lr_range_test_step_rate": 5,
        "lr_range_test_staircase": false
    }
}"""
ONE_CYCLE_TUTORIAL = """"scheduler": {
    "type": "OneCycle",
    "params": {
        "cycle_first_step_size": 1000,
        "cycle_first_stair_count": 500,
        "cycle_second_step_size": 1000,
        "cycle_second_stair_count": 500,
        "decay_step_size": 1000,
        "cycle_min_lr": 0.0001,
        "cycle_max_lr": 0.0010,
        "decay_lr_rate": 0.001,
        "cycle_min_mom": 0.85,
        "cycle_max_mom": 0.99,
        "decay_mom_rate": 0.0
    }
},"""


def deepspeed_lrrt(k, min_lr=0.0001, size=200, rate=5, staircase=False):
    """LR DeepSpeed uses after k completed steps (written from its formula)."""
    interval = k // size if staircase else k / size
    return min_lr * (1 + rate * interval)


# -- LRRangeTest ---------------------------------------------------------------------------

def test_lrrt_tutorial_config_step_for_step():
    s = from_config(LRRT_TUTORIAL)
    assert isinstance(s, LRRangeTest)
    # update t uses DeepSpeed's value after t - 1 steps; t = 0 is the value before training
    assert s(0) == s(1) == 0.0001
    assert s(2) == pytest.approx(0.0001025, rel=1e-12)
    assert s(201) == pytest.approx(0.0006, rel=1e-12)
    assert s(1001) == pytest.approx(0.0026, rel=1e-12)
    for t in range(1, 600):
        assert s(t) == pytest.approx(deepspeed_lrrt(t - 1), rel=1e-12)


def test_lrrt_staircase_changes_every_step_size():
    s = LRRangeTest(0.0001, 200, 5, True)
    assert [s(t) for t in (1, 200, 201, 400, 401)] == pytest.approx(
        [0.0001, 0.0001, 0.0006, 0.0006, 0.0011], rel=1e-12)


def test_lrrt_deepspeed_defaults():
    s = LRRangeTest()
    assert (s.min_lr, s.step_size, s.step_rate, s.staircase) == (1e-3, 2000, 1.0, False)
    assert s(2001) == pytest.approx(2e-3)


def test_lrrt_for_the_finder_one_update_per_sweep_point():
    # the finder's sweep point i (0-based) is update t = i + 1: DeepSpeed's i-th value
    s = LRRangeTest(lr_range_test_min_lr=0.01, lr_range_test_step_size=4,
                    lr_range_test_step_rate=2.0, lr_range_test_staircase=False)
    assert [s(i + 1) for i in range(9)] == pytest.approx(
        [0.01 * (1 + 2.0 * i / 4) for i in range(9)], rel=1e-15)


# -- OneCycle: the 1-Cycle tutorial's configuration ---------------------------------------

def tutorial_one_cycle_values(k):
    """(lr, momentum) after k steps, by hand: 500 stairs of 2 steps per half of 1000."""
    if k <= 2000:
        position = k % 2000
        height = (position // 2) / 500 if position <= 1000 else ((2000 - position) // 2) / 500
        return 0.0001 + 0.0009 * height, 0.99 - 0.14 * height
    return 0.0001 / (1 + 0.001 * (k - 2000) / 1000), 0.99


@pytest.mark.parametrize("k, lr, momentum", [
    (0, 0.0001, 0.99), (1, 0.0001, 0.99), (2, 0.0001018, 0.98972), (3, 0.0001018, 0.98972),
    (1000, 0.001, 0.85), (1001, 0.0009982, 0.85028), (1999, 0.0001, 0.99),
    (2000, 0.0001, 0.99), (2001, 0.0001 / 1.000001, 0.99), (3000, 0.0001 / 1.001, 0.99),
    (12000, 0.0001 / 1.01, 0.99)])
def test_one_cycle_tutorial_config_table(k, lr, momentum):
    s = from_config(ONE_CYCLE_TUTORIAL)
    assert s(k + 1) == pytest.approx(lr, rel=1e-12)
    assert s.momentum(k + 1) == pytest.approx(momentum, rel=1e-12)


def test_one_cycle_tutorial_config_every_step():
    s = from_config(ONE_CYCLE_TUTORIAL)
    for t in range(1, 3002):
        lr, momentum = tutorial_one_cycle_values(t - 1)
        assert s(t) == pytest.approx(lr, rel=1e-12)
        assert s.momentum(t) == pytest.approx(momentum, rel=1e-12)


def test_one_cycle_continuous_asymmetric_cycle_and_defaults():
    s = OneCycle(0.1, 1.0, cycle_first_step_size=2, cycle_second_step_size=4)
    assert [s(k + 1) for k in range(8)] == pytest.approx(
        [0.1, 0.55, 1.0, 0.775, 0.55, 0.325, 0.1, 0.1])
    assert [s.momentum(k + 1) for k in (0, 2, 4)] == pytest.approx([0.9, 0.8, 0.85])
    d = OneCycle(0.1, 1.0)
    assert (d.first_step_size, d.second_step_size, d.first_stair_count, d.second_stair_count,
            d.decay_step_size, d.decay_lr_rate, d.cycle_momentum, d.min_mom, d.max_mom,
            d.decay_mom_rate) == (2000, 2000, 0, 0, 0, 0.0, True, 0.8, 0.9, 0.0)
    assert d(10 ** 6) == 0.1  # decay_step_size=0: no decay (DeepSpeed divides by zero)


def test_first_step_momentum_follows_the_formula():
    # DeepSpeed's constructor sets cycle_min_mom for step 1; the formula gives cycle_max_mom
    assert OneCycle(0.1, 1.0, cycle_first_step_size=10).momentum(1) == 0.9


def test_decayed_momentum_stays_below_one():
    s = OneCycle(0.1, 1.0, cycle_first_step_size=10, decay_step_size=10, decay_mom_rate=0.5,
                 cycle_max_mom=0.9)
    assert s.momentum(21 + 1) == pytest.approx(0.9 * 1.05)
    assert s.momentum(21 + 20) == MAX_DECAYED_MOMENTUM  # DeepSpeed: 0.9 * 2.0 = 1.8
    assert s.momentum(10 ** 6) == MAX_DECAYED_MOMENTUM


def test_stair_counts_are_honoured():
    s = OneCycle(0.0, 1.0, cycle_first_step_size=4, cycle_first_stair_count=2,
                 cycle_second_step_size=6, cycle_second_stair_count=3)
    assert [s(k + 1) for k in range(11)] == pytest.approx(
        [0, 0, 0.5, 0.5, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0, 0])


def test_cycle_momentum_off():
    assert OneCycle(0.1, 1.0, cycle_momentum=False).momentum(5) is None


# -- from_config ----------------------------------------------------------------------------

def test_from_config_accepts_dicts_json_and_whole_configs():
    block = json.loads("{" + LRRT_TUTORIAL + "}")["scheduler"]
    whole = {"train_batch_size": 32, "scheduler": block}
    for config in (block, whole, json.dumps(block), json.dumps(whole), LRRT_TUTORIAL):
        s = from_config(config)
        assert (s.min_lr, s.step_size, s.step_rate, s.staircase) == (0.0001, 200, 5.0, False)
    assert from_config({"type": "LRRangeTest"})(1) == 1e-3


@pytest.mark.parametrize("config, error, message", [
    ({"type": "WarmupLR", "params": {}}, ValueError,
     "config['type'] must be one of 'LRRangeTest', 'OneCycle', got 'WarmupLR'"),
    ({"type": "OneCycle", "params": {"cycle_min_lr": 0.1, "cycle_max_lr": 1,
                                     "cycle_max_momentum": 0.9}}, ValueError,
     "unknown OneCycle parameter(s) ['cycle_max_momentum']; accepted: cycle_min_lr"),
    ({"type": "LRRangeTest", "params": {"lr_range_test_min": 1}}, ValueError,
     "unknown LRRangeTest parameter(s) ['lr_range_test_min']"),
    ({"type": "OneCycle", "params": {"cycle_min_lr": 0.1}}, ValueError,
     "OneCycle needs parameter(s) ['cycle_max_lr']"),
    ({"params": {}}, ValueError, "config must be {}; got the keys ['params']".format(BLOCK)),
    ({"type": "OneCycle", "parameters": {}}, ValueError,
     "config must be {}; got the keys ['parameters', 'type']".format(BLOCK)),
    ({"type": "LRRangeTest", "params": [1]}, TypeError, "config['params'] must be a dict, got [1]"),
    ("{not json", ValueError, "config is not valid JSON: Expecting property name enclosed in "
                              "double quotes: line 1 column 2 (char 1)"),
    (42, TypeError, "config must be a dict or JSON text of one, got 42"),
    # malformed blocks name the block
    ({"scheduler": None}, TypeError, "config['scheduler'] must be {}, got None".format(BLOCK)),
    ({"train_batch_size": 8, "scheduler": ["OneCycle"]}, TypeError,
     "config['scheduler'] must be {}, got ['OneCycle']".format(BLOCK)),
    ('"scheduler": null', TypeError, "config['scheduler'] must be {}, got None".format(BLOCK)),
    ({"scheduler": {"type": "OneCycle", "params": None}}, TypeError,
     "config['scheduler']['params'] must be a dict, got None"),
    ({"scheduler": {"type": ["OneCycle"]}}, ValueError,
     "config['scheduler']['type'] must be one of 'LRRangeTest', 'OneCycle', got ['OneCycle']"),
    ({"type": None}, ValueError, "config['type'] must be one of 'LRRangeTest', 'OneCycle', got None"),
    ({1: "OneCycle", "type": "OneCycle"}, ValueError,
     "config must be {}; got the keys [1, 'type']".format(BLOCK)),
    ({"type": "LRRangeTest", "params": {1: 2, "x": 3}}, ValueError,
     "unknown LRRangeTest parameter(s) [1, 'x']"),
    # JSON text: syntax errors and values that are not JSON objects
    ('{"type": "LRRangeTest",}', ValueError, "config is not valid JSON: Expecting property name "
                                             "enclosed in double quotes: line 1 column 24"),
    ('"scheduler": {"type": "OneCycle"', ValueError,
     "config is not valid JSON: Extra data: line 1 column 12 (char 11)"),
    ("[1]", TypeError, "config must be a dict or JSON text of one, got [1]"),
    ("null", TypeError, "config must be a dict or JSON text of one, got None"),
    (b"{}", TypeError, "config must be a dict or JSON text of one, got b'{}'"),
    # parameters of the wrong type or out of range are named
    ({"type": "LRRangeTest", "params": {"lr_range_test_min_lr": "1e-3"}}, TypeError,
     "lr_range_test_min_lr must be a number in [1.1754944e-38, 3.4028235e+38] (float32), "
     "got '1e-3'"),
    ('{"type": "LRRangeTest", "params": {"lr_range_test_min_lr": 1e400}}', ValueError,
     "lr_range_test_min_lr must be a number in [1.1754944e-38, 3.4028235e+38] (float32), "
     "got inf"),
    ('{"type": "LRRangeTest", "params": {"lr_range_test_step_rate": NaN}}', ValueError,
     "lr_range_test_step_rate must be a number in [0, inf), got nan"),
    ({"type": "LRRangeTest", "params": {"lr_range_test_staircase": "false"}}, TypeError,
     "lr_range_test_staircase must be True or False, got 'false'"),
    ({"type": "LRRangeTest", "params": {"lr_range_test_step_size": 200.0}}, TypeError,
     "lr_range_test_step_size must be an int >= 1, got 200.0"),
    ({"type": "OneCycle", "params": {"cycle_min_lr": None, "cycle_max_lr": 1}}, TypeError,
     "cycle_min_lr must be 0 or a number in [1.1754944e-38, 3.4028235e+38] (float32), got None"),
    ({"type": "OneCycle", "params": {"cycle_min_lr": 0.1, "cycle_max_lr": 1,
                                     "cycle_momentum": 1}}, TypeError,
     "cycle_momentum must be True or False, got 1"),
    ({"type": "OneCycle", "params": {"cycle_min_lr": 0.1, "cycle_max_lr": 1,
                                     "cycle_first_step_size": [1000]}}, TypeError,
     "cycle_first_step_size must be an int >= 1, got [1000]"),
])
def test_from_config_reports_bad_configs(config, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        from_config(config)


@pytest.mark.parametrize("build, error, message", [
    (lambda: LRRangeTest(0), ValueError, "lr_range_test_min_lr must be a number in"),
    (lambda: LRRangeTest(1e300), ValueError, "lr_range_test_min_lr must be a number in "
                                             r"\[1.1754944e-38, 3.4028235e\+38\] \(float32\)"),
    (lambda: LRRangeTest(1e-3, 2 ** 53 + 1), ValueError,
     r"lr_range_test_step_size must be an int in \[1, 2\*\*53\]"),
    (lambda: OneCycle(0.1, 1e39), ValueError, r"cycle_max_lr must be 0 or a number in \["),
    (lambda: OneCycle(1e-39, 0.1), ValueError, r"cycle_min_lr must be 0 or a number in \["),
    (lambda: OneCycle(0.1, 1.0, cycle_momentum="no"), TypeError,
     "cycle_momentum must be True or False, got 'no'"),
    (lambda: OneCycle(0.1, 1.0, decay_step_size=10 ** 20), ValueError,
     r"decay_step_size must be an int in \[0, 2\*\*53\]"),
    (lambda: OneCycle(0.1, 1.0, cycle_second_stair_count=1.5), TypeError,
     "cycle_second_stair_count must be an int >= 0, got 1.5"),
    (lambda: LRRangeTest(1e-3, 0), ValueError, "lr_range_test_step_size must be an int >= 1"),
    (lambda: LRRangeTest(1e-3, 10, -1), ValueError, "lr_range_test_step_rate"),
    (lambda: LRRangeTest(1e-3, 10, 1, "no"), TypeError, "lr_range_test_staircase must be"),
    (lambda: OneCycle(1.0, 0.1), ValueError, "cycle_min_lr must be <= cycle_max_lr"),
    (lambda: OneCycle(0.1, 1.0, cycle_first_step_size=0), ValueError,
     "cycle_first_step_size must be an int >= 1"),
    (lambda: OneCycle(0.1, 1.0, cycle_first_stair_count=-1), ValueError,
     "cycle_first_stair_count must be an int >= 0"),
    (lambda: OneCycle(0.1, 1.0, cycle_max_mom=1.0), ValueError, "cycle_max_mom"),
    (lambda: OneCycle(0.1, 1.0, cycle_min_mom=0.95), ValueError,
     "cycle_min_mom must be <= cycle_max_mom"),
])
def test_bad_arguments_raise_clear_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_a_range_test_past_float32_raises_at_that_step():
    s = LRRangeTest(1.0, 1, 2.0 ** 100)
    assert s(1) == 1.0 and s(2 ** 27 + 1) == 2.0 ** 127
    with pytest.raises(ValueError, match=re.escape(
            "LRRangeTest(268435457) must be a finite number of magnitude <= 3.4028235e+38 "
            "(float32), got 3.402823669209385e+38")):
        s(2 ** 28 + 1)
