"""PyTorch-style OneCycleLR (two and three phases) and CyclicLR (three modes)."""
import math

import pytest

from gluon_lr.schedules import CyclicLR, OneCycleLR


def cos_anneal(start, end, pct):
    return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2


# -- OneCycleLR: max_lr 1, total 10 -> initial 0.04, min 4e-6; update t = step k + 1 ----------

@pytest.mark.parametrize("k, lr, momentum", [
    (0, 0.04, 0.95), (1, 0.52, 0.90), (2, 1.0, 0.85),
    (3, cos_anneal(1.0, 4e-6, 1 / 7), cos_anneal(0.85, 0.95, 1 / 7)),
    (5, cos_anneal(1.0, 4e-6, 3 / 7), cos_anneal(0.85, 0.95, 3 / 7)),
    (9, 4e-6, 0.95), (10, 4e-6, 0.95), (500, 4e-6, 0.95)])
def test_one_cycle_two_phase_cos(k, lr, momentum):
    s = OneCycleLR(max_lr=1.0, total_steps=10)
    assert s(k + 1) == pytest.approx(lr, rel=1e-12)
    assert s.momentum(k + 1) == pytest.approx(momentum, rel=1e-12)


@pytest.mark.parametrize("k, lr, momentum", [
    (0, 0.04, 0.95), (1, 0.52, 0.90), (2, 1.0, 0.85), (3, 0.52, 0.90), (4, 0.04, 0.95),
    (5, 0.04 - 0.039996 / 5, 0.95), (7, 0.04 - 3 * 0.039996 / 5, 0.95), (9, 4e-6, 0.95),
    (20, 4e-6, 0.95)])
def test_one_cycle_three_phase_linear(k, lr, momentum):
    s = OneCycleLR(max_lr=1.0, total_steps=10, anneal_strategy="linear", three_phase=True)
    assert s(k + 1) == pytest.approx(lr, rel=1e-9)
    assert s.momentum(k + 1) == pytest.approx(momentum, rel=1e-12)


def test_one_cycle_three_phase_cos_is_symmetric_about_the_peak():
    s = OneCycleLR(max_lr=1.0, total_steps=100, three_phase=True)
    # peak after 29 steps, back at the initial rate after 58
    assert [s(k + 1) for k in (0, 29, 58)] == pytest.approx([0.04, 1.0, 0.04])
    assert s(10 + 1) == pytest.approx(s(48 + 1), rel=1e-12)
    assert s(99 + 1) == pytest.approx(4e-6)


def test_one_cycle_edges_before_training_and_past_the_end():
    s = OneCycleLR(max_lr=0.1, total_steps=50)
    assert s(0) == s(1) == pytest.approx(0.004)
    assert s(50) == s(51) == s(10 ** 9) == pytest.approx(4e-7)
    assert s.momentum(10 ** 9) == 0.95
    assert s.base_lr == s(0)


def test_one_cycle_zero_length_phase_ends_at_its_target():
    s = OneCycleLR(max_lr=1.0, total_steps=10, pct_start=0.1)  # peak at step 0
    assert s(1) == 1.0 and s.momentum(1) == 0.85


def test_one_cycle_momentum_off():
    assert OneCycleLR(max_lr=1.0, total_steps=10, cycle_momentum=False).momentum(3) is None


# -- CyclicLR: base 0.1, max 1.0, up 2, down 2 (cycle of 4 steps) ----------------------------

@pytest.mark.parametrize("mode, gamma, lrs, momenta", [
    ("triangular", 1.0, [0.1, 0.55, 1.0, 0.55, 0.1, 0.55, 1.0, 0.55, 0.1],
     [0.9, 0.85, 0.8, 0.85, 0.9, 0.85, 0.8, 0.85, 0.9]),
    ("triangular2", 1.0, [0.1, 0.55, 1.0, 0.55, 0.1, 0.325, 0.55, 0.325, 0.1],
     [0.9, 0.85, 0.8, 0.85, 0.9, 0.875, 0.85, 0.875, 0.9]),
    ("exp_range", 0.5, [0.1, 0.1 + 0.9 * 0.5 * 0.5, 0.1 + 0.9 * 0.25, 0.1 + 0.9 * 0.5 / 8,
                        0.1, 0.1 + 0.9 * 0.5 / 32, 0.1 + 0.9 / 64, 0.1 + 0.9 * 0.5 / 128, 0.1],
     [0.9, 0.9 - 0.1 * 0.25, 0.9 - 0.1 * 0.25, 0.9 - 0.1 * 0.5 / 8, 0.9,
      0.9 - 0.1 * 0.5 / 32, 0.9 - 0.1 / 64, 0.9 - 0.1 * 0.5 / 128, 0.9]),
])
def test_cyclic_modes(mode, gamma, lrs, momenta):
    s = CyclicLR(base_lr=0.1, max_lr=1.0, step_size_up=2, mode=mode, gamma=gamma)
    assert [s(k + 1) for k in range(9)] == pytest.approx(lrs, rel=1e-12)
    assert [s.momentum(k + 1) for k in range(9)] == pytest.approx(momenta, rel=1e-12)


def test_cyclic_asymmetric_and_defaults():
    s = CyclicLR(base_lr=0.0, max_lr=1.0, step_size_up=1, step_size_down=3)
    assert [s(k + 1) for k in range(6)] == pytest.approx([0, 1, 2 / 3, 1 / 3, 0, 1])
    d = CyclicLR(base_lr=0.001, max_lr=0.01)
    assert (d.step_size_up, d.step_size_down, d.mode, d.gamma, d.base_momentum,
            d.max_momentum) == (2000, 2000, "triangular", 1.0, 0.8, 0.9)
    assert d(2001) == pytest.approx(0.01) and d(0) == d(1) == d.base_lr == 0.001


@pytest.mark.parametrize("build, error, message", [
    (lambda: OneCycleLR(1.0, 10, pct_start=0), ValueError, r"pct_start must be a number in \(0"),
    (lambda: OneCycleLR(1.0, 10, pct_start=1.0), ValueError, "pct_start"),
    (lambda: OneCycleLR(1.0, 10, pct_start=1.5), ValueError, "pct_start"),
    (lambda: OneCycleLR(1.0, 10, pct_start=0.5, three_phase=True), ValueError,
     r"pct_start must be in \(0, 0.5\) when three_phase=True"),
    (lambda: OneCycleLR(1.0, 0), ValueError, "total_steps must be an int >= 1"),
    (lambda: OneCycleLR(0, 10), ValueError, "max_lr must be a number in"),
    (lambda: OneCycleLR(1.0, 10, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos', 'linear', got 'exp'"),
    (lambda: OneCycleLR(1.0, 10, anneal_strategy=["cos"]), ValueError,
     r"anneal_strategy must be one of 'cos', 'linear', got \['cos'\]"),
    (lambda: OneCycleLR(1.0, 10, three_phase="no"), TypeError,
     "three_phase must be True or False, got 'no'"),
    (lambda: OneCycleLR(1.0, 10, cycle_momentum="False"), TypeError,
     "cycle_momentum must be True or False, got 'False'"),
    (lambda: OneCycleLR(1e300, 10), ValueError,
     r"max_lr must be a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\), got 1e\+300"),
    (lambda: OneCycleLR(1.0, 10 ** 16), ValueError,
     r"total_steps must be an int in \[1, 2\*\*53\], got 10000000000000000"),
    (lambda: OneCycleLR(1.0, 10, div_factor=1e-320), ValueError,
     r"max_lr / div_factor must be a finite number of magnitude <= 3.4028235e\+38 \(float32\), "
     "got inf"),
    (lambda: OneCycleLR(1.0, 10, final_div_factor=1e-300), ValueError,
     r"max_lr / div_factor / final_div_factor must be a finite number of magnitude <= "
     r"3.4028235e\+38 \(float32\), got 4e\+298"),
    (lambda: OneCycleLR(1.0, 10, div_factor="25"), TypeError,
     r"div_factor must be a number in \(0, inf\), got '25'"),
    (lambda: OneCycleLR(1.0, 10, base_momentum=0.99), ValueError,
     "base_momentum must be <= max_momentum"),
    (lambda: CyclicLR(1.0, 0.1), ValueError, "base_lr must be <= max_lr"),
    (lambda: CyclicLR(0.1, 1.0, mode="cosine"), ValueError,
     "mode must be one of 'triangular', 'triangular2', 'exp_range', got 'cosine'"),
    (lambda: CyclicLR(0.1, 1.0, mode={}), ValueError,
     "mode must be one of 'triangular', 'triangular2', 'exp_range', got {}"),
    (lambda: CyclicLR(1e-39, 1.0), ValueError,
     r"base_lr must be 0 or a number in \[1.1754944e-38, 3.4028235e\+38\] \(float32\), "
     "got 1e-39"),
    (lambda: CyclicLR(0.1, "1.0"), TypeError, "max_lr must be 0 or a number in"),
    (lambda: CyclicLR(0.1, 1.0, step_size_down=2 ** 53 + 1), ValueError,
     r"step_size_down must be an int in \[1, 2\*\*53\]"),
    (lambda: CyclicLR(0.1, 1.0, base_momentum="0.8"), TypeError,
     r"base_momentum must be a number in \[0, 1\), got '0.8'"),
    (lambda: CyclicLR(0.1, 1.0, step_size_up=0), ValueError, "step_size_up must be an int >= 1"),
    (lambda: CyclicLR(0.1, 1.0, gamma=1.5), ValueError, "gamma must be a number in"),
    (lambda: CyclicLR(0.1, 1.0, cycle_momentum=1), TypeError, "cycle_momentum must be True"),
    (lambda: CyclicLR(0.1, 1.0, cycle_momentum="no"), TypeError,
     "cycle_momentum must be True or False, got 'no'"),
])
def test_bad_arguments_raise_clear_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_triangular2_far_into_training_does_not_overflow():
    # 2.0 ** 1100 overflows a float; the halved amplitude is simply 0 by then
    s = CyclicLR(base_lr=0.1, max_lr=1.0, step_size_up=1, mode="triangular2")
    assert s(2 + 2 * 1100) == 0.1 and s.momentum(2 + 2 * 1100) == 0.9
    assert s(2 + 2 * 50) == 0.1 + 0.9 * 2.0 ** -50


def test_rates_below_float32_become_zero():
    # MXNet rejects a learning rate below float32's smallest normal number (1.18e-38)
    s = CyclicLR(base_lr=0.0, max_lr=1.0, step_size_up=1, mode="exp_range", gamma=0.5)
    assert s(126) == 2.0 ** -125  # k = 125: at the top, scaled by 0.5 ** 125
    assert s(128) == 0.0  # 2.0 ** -127 is not a normal float32
    s = OneCycleLR(max_lr=1e-30, total_steps=10, final_div_factor=1e10)
    assert s.min_lr == 0.0 and s(10) == 0.0 and s(1) == pytest.approx(4e-32, rel=1e-12)
