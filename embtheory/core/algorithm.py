"""The one vocabulary of iterative algorithms: an ``(init, step)`` pair over a NamedTuple state.

Like optax's gradient transformations, an iterative algorithm of embtheory is built by a
factory that returns pure functions; the caller jits, vmaps and shards them:

- ``init(*, key, ...) -> State``: a fresh state (``key`` keyword-only; deterministic
  algorithms have no key);
- ``step(state) -> State``: one iteration, pure and traceable;
- ``done(state) -> bool scalar``: whether the algorithm has stopped (default: never).

:func:`iterate` runs ``step`` on the device until ``done`` or ``max_steps`` (one
``lax.while_loop``: no host sync per step).  :func:`advance` runs the same loop up to a step
count the host raises between calls: a long run in segments, so that the host can show progress
and a Ctrl-C is seen between segments, with the same numbers as one loop.

Example:
    >>> import jax.numpy as jnp
    >>> halve = Iterative(init=lambda *, x0: x0, step=lambda x: x / 2, done=lambda x: x < 1)
    >>> float(iterate(halve, halve.init(x0=jnp.float32(10.0))))
    0.625
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from embtheory.core.validation import INT32_MAX, check_int, is_concrete

__all__ = ["Iterative", "advance", "interruptible", "iterate"]


def _never(state: Any) -> jax.Array:
    return jnp.zeros((), bool)


class Iterative(NamedTuple):
    """An iterative algorithm.

    Attributes:
        init: ``(*, key, ...) -> State``.
        step: ``State -> State``, pure.
        done: ``State -> bool[]``: True once the algorithm has stopped.
    """

    init: Callable[..., Any]
    step: Callable[[Any], Any]
    done: Callable[[Any], jax.Array] = _never


def iterate(algorithm: Iterative, state: Any, *, max_steps: int | None = None) -> Any:
    """Steps ``state`` until ``algorithm.done`` (and at most ``max_steps`` times), on the device.

    Pure and traceable (``jit``/``vmap`` it; a vmapped loop freezes finished members).  An eager
    call is compiled once per state shape, ``algorithm`` object and ``max_steps``: reuse one
    :class:`Iterative` (a new one, with new functions, is compiled again).
    """
    if max_steps is not None and is_concrete(max_steps):
        # the step counter is int32 on the device: a larger count would overflow there
        max_steps = check_int(max_steps, "max_steps", minimum=0, maximum=INT32_MAX)
    try:
        hash((algorithm, max_steps))
    except TypeError:  # a traced max_steps, or an algorithm holding unhashable parts: trace inline
        return _loop(algorithm, state, max_steps)
    return _loop_jit(algorithm, state, max_steps)


def _loop(algorithm: Iterative, state: Any, max_steps: int | None) -> Any:
    if max_steps is None:
        return jax.lax.while_loop(lambda s: ~algorithm.done(s), algorithm.step, state)

    def body(carry):
        s, i = carry
        return algorithm.step(s), i + 1

    out, _ = jax.lax.while_loop(lambda c: (~algorithm.done(c[0])) & (c[1] < max_steps), body,
                                (state, jnp.zeros((), jnp.int32)))
    return out


def advance(algorithm: Iterative, state: Any, count: jax.Array, limit) -> tuple[Any, jax.Array]:
    """Steps ``state`` until ``algorithm.done`` or until ``count`` (its steps so far) reaches
    ``limit``; returns ``(state, count)``.

    The loop of :func:`iterate` cut where the host chooses: calling it again with a higher
    ``limit`` continues the same run, step for step, so a run driven in segments ends in the
    state one loop would reach.  ``limit`` may be traced (one compilation serves every segment
    length); vmap it over ``state`` and ``count`` with a shared ``limit`` to advance a batch.
    """
    def body(carry):
        s, i = carry
        return algorithm.step(s), i + 1

    return jax.lax.while_loop(lambda c: (~algorithm.done(c[0])) & (c[1] < limit), body, (state, count))


#: :func:`_loop` compiled once per shape: an eager ``lax.while_loop`` over the closures made in
#: each call would be compiled again at every call
_loop_jit = jax.jit(_loop, static_argnums=(0, 2))


@contextlib.contextmanager
def interruptible(in_flight: Callable[[], Any]) -> Iterator[None]:
    """A host loop of device calls that a Ctrl-C may stop: the KeyboardInterrupt goes through once
    the computation in flight, ``in_flight()`` (read when the interrupt comes), has finished.

    JAX dispatches asynchronously and a wait can be interrupted, so a Ctrl-C can leave a program
    running on the device's threads; an interpreter that exits under it can crash (seen: SIGSEGV).
    Waiting costs at most one segment or block of the loop.
    """
    try:
        yield
    except KeyboardInterrupt:
        jax.block_until_ready(in_flight())
        raise

