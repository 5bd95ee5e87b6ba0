"""The (init, step) runner against a Python loop, under jit, with its step limit."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.algorithm import Iterative, iterate


def test_iterate_matches_python_loop_and_respects_max_steps():
    alg = Iterative(init=lambda *, x0: (x0, jnp.zeros((), jnp.int32)),
                    step=lambda s: (s[0] * 0.5 + 1.0, s[1] + 1),
                    done=lambda s: s[0] < 2.1)
    out = jax.jit(lambda x: iterate(alg, alg.init(x0=x)))(jnp.float32(100.0))
    x, n = 100.0, 0
    while not x < 2.1:
        x, n = np.float32(x * 0.5 + 1.0), n + 1
    assert float(out[0]) == float(x) and int(out[1]) == n
    capped = iterate(alg, alg.init(x0=jnp.float32(100.0)), max_steps=3)
    assert int(capped[1]) == 3


def test_interruptible_waits_for_the_computation_in_flight_before_the_interrupt_goes_on():
    import jax.numpy as jnp

    from embtheory.core import interruptible

    waited = []

    class InFlight:  # stands for an array whose computation is still running
        def block_until_ready(self):
            waited.append(True)
            return self

    with pytest.raises(KeyboardInterrupt), interruptible(lambda: InFlight()):
        raise KeyboardInterrupt
    assert waited == [True]
    with interruptible(lambda: InFlight()):  # no interrupt: nothing is waited for
        x = jnp.ones(3) * 2
    assert waited == [True] and float(x.sum()) == 6.0
