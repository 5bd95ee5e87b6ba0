"""Quantum kernels as Gram matrices: fidelity, projected, and the analytic product kernel.

Every state is computed once (by the one simulator, :mod:`embtheory.qkernels.simulator`), then the
whole Gram matrix is one product:

- fidelity, pure states: ``K = |S_X^* S_Y^T|^2``, i.e. ``k(x, y) = |<psi(x)|psi(y)>|^2``;
- fidelity, noisy (density matrices): ``K = Re(vec(R_X)^* vec(R_Y)^T)``, i.e. ``Tr[rho(x) rho(y)]``
  (``rho`` Hermitian), which equals the noisy Loschmidt echo with the channel after every rotation
  of ``U(x)`` and of ``U(y)^dagger`` (depolarising channels are unitarily covariant and self-adjoint);
- projected: ``k(x, y) = exp(-gamma D(x, y))`` with the exponent
  ``D(x, y) = sum_k ||rho_k(x) - rho_k(y)||_F^2`` over the one-qubit reduced states,
  ``||rho_k - sigma_k||_F^2 = |r_k - s_k|^2 / 2`` with Bloch vectors ``r_k, s_k``; only the
  ``(N, n, 3)`` Bloch vectors are kept, never the states.  ``projected_gram(..., exponent=True)``
  returns ``D`` itself: the quantity whose variance the paper's Fig. 6b plots.

States from :func:`embtheory.qkernels.embed` serve both kernels without simulating again:
:func:`fidelity_from_states` and :func:`projected_from_states`.  On the native backend the states
and the Gram matrix are one compiled program (small Grams cost their arithmetic, not dispatches);
its row blocks are set by the memory budget alone, so ``chunk_size`` never changes a kernel value.

The analytic product kernel of a single RX, RY or H.RZ layer is
``k(x, y) = prod_k cos^2((x_k - y_k) / 2)``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.algorithm import interruptible
from embtheory.core.pairwise import gram
from embtheory.core.validation import as_matrix, check_bool, check_positive, is_concrete
from embtheory.qkernels import simulator
from embtheory.qkernels.embeddings import (
    HOST_CHUNK_FLOPS,
    EmbeddingSpec,
    _layer_key,
    check_time,
    host_chunk_points,
    host_chunks,
    memory_budget,
    n_qubits_of,
    native_states,
    plan_memory,
    reduced_batch,
    resolve,
    runtime_floor,
    states_batch_last,
    static_depth,
)

__all__ = ["distance_from_bloch", "fidelity_from_states", "fidelity_gram", "product_kernel",
           "projected_from_states",
           "projected_gram"]


def _check_y(X, Y):
    if Y is None:
        return None
    return as_matrix(Y, "Y", cols=X.shape[1], dtype=X.dtype)


def fidelity_gram(X, Y=None, *, embedding="hee", layers: int = 1, params=None, noise: float | None = None,
                  backend: str | None = None, chunk_size: int | None = None, dtype=None,
                  max_bond: int | None = None) -> jax.Array:
    """The fidelity kernel ``K[i, j] = Tr[rho(X_i) rho(Y_j)]`` (``|<psi_i|psi_j>|^2`` for pure states).

    Args:
        X: ``(N, n)`` angles.
        Y: ``(M, n)`` or None for ``Y = X`` (states computed once).
        embedding, layers, params, noise, backend, chunk_size, dtype, max_bond: as in
            :func:`embtheory.qkernels.embed` (a name, a Circuit or a PennyLane template);
            ``backend="mps"`` runs 100 qubits (a truncated MPS, ``max_bond < 4^L``, warns with its
            discarded weight).

    Returns:
        ``(N, M)`` real, in the real dtype of the states. Concentration point ``1 / 2^n``.

    Example:
        >>> import jax.numpy as jnp
        >>> K = fidelity_gram(jnp.array([[0.1, 0.2], [0.3, -0.4]]), embedding="hee", layers=2)
        >>> K.shape, bool(jnp.allclose(jnp.diag(K), 1.0, atol=1e-6))
        ((2, 2), True)
    """
    X, spec = resolve(X, embedding=embedding, layers=layers, params=params, noise=noise, backend=backend,
                      dtype=dtype, max_bond=max_bond)
    return fidelity_from_spec(X, _check_y(X, Y), spec, chunk_size=chunk_size)


#: amplitudes per slice of a long pure Gram's product (:func:`_overlaps`)
PRODUCT_SLICE = 2**14

#: the most bytes the slices' partial products of :func:`_overlaps` may hold
PARTIALS_BYTES = 64 * 2**20


def _conj_dot(A: jax.Array, B: jax.Array) -> jax.Array:
    """``A^H B`` for batch-last ``A``, ``B`` (one product)."""
    return jax.lax.dot_general(jnp.conj(A), B, (((0,), (0,)), ((), ())), precision=jax.lax.Precision.HIGHEST)


def _overlaps(A: jax.Array, B: jax.Array) -> jax.Array:
    """``A^H B`` for batch-last ``A``, ``B``, summed over slices of the amplitudes when they are long
    (at least :data:`PRODUCT_SLICE` each, their partial products within :data:`PARTIALS_BYTES`):
    each slice's conjugate is a small temporary (no conjugated copy of every state: a pass over them
    and a fresh buffer of their size).  The partial products are summed pairwise, so the rounding
    grows with the logarithm of the number of slices."""
    dim, N, M = A.shape[0], A.shape[1], B.shape[1]
    k = _n_slices(dim, N, M, jnp.result_type(A, B))
    if k < 2:
        return _conj_dot(A, B)
    parts = (A.reshape(k, dim // k, N), B.reshape(k, dim // k, M))
    return _pairwise_sum(jax.lax.scan(lambda _, ab: (None, _conj_dot(*ab)), None, parts)[1])


def _n_slices(length: int, N: int, M: int, dtype) -> int:
    """Slices of :func:`_overlaps` for ``length`` amplitudes (a power of two): a power of two, each
    slice at least :data:`PRODUCT_SLICE` amplitudes, their ``N x M`` partial products within
    :data:`PARTIALS_BYTES` (at least one)."""
    k = max(1, min(length // PRODUCT_SLICE, PARTIALS_BYTES // (N * M * jnp.dtype(dtype).itemsize)))
    return 1 << (k.bit_length() - 1)


def _pairwise_sum(partial: jax.Array) -> jax.Array:
    """The sum over the leading axis (a power of two), pairwise."""
    while partial.shape[0] > 1:
        half = partial.shape[0] // 2
        partial = partial[:half] + partial[half:]
    return partial[0]


def _fidelity_bl(A: jax.Array, B: jax.Array, mixed: bool, *, sliced: bool = False) -> jax.Array:
    """``|A^H B|^2`` (pure) or ``Re(A^H B)`` (flattened density matrices) for batch-last ``A``, ``B``;
    ``sliced``: a pure product summed over slices of the amplitudes (:func:`_overlaps`)."""
    prod = _overlaps(A, B) if sliced and not mixed else _conj_dot(A, B)
    return prod.real if mixed else jnp.abs(prod) ** 2


def _gram_bl(A: jax.Array, B: jax.Array, mixed: bool, rows: int) -> jax.Array:
    """The Gram block by block of ``rows`` columns of ``A`` (only one block's conjugate exists at once)."""
    N = A.shape[1]
    if rows >= N:
        return _fidelity_bl(A, B, mixed, sliced=True)
    n_blocks = -(-N // rows)
    rows = -(-N // n_blocks)  # as many blocks, evened out: the padding computes rows that are dropped
    pad = n_blocks * rows - N
    Ap = jnp.concatenate([A, jnp.zeros((A.shape[0], pad), A.dtype)], axis=1) if pad else A
    blocks = jnp.moveaxis(Ap.reshape(A.shape[0], n_blocks, rows), 1, 0)
    out = jax.lax.map(lambda a: _fidelity_bl(a, B, mixed, sliced=True), blocks)
    return out.reshape(n_blocks * rows, B.shape[1])[:N]


def gram_rows(n_rows: int, dim: int, dtype) -> int:
    """Rows per Gram block: set by the budget and the state size only (never by ``chunk_size``)."""
    per_row = dim * np.dtype(dtype).itemsize
    return int(max(1, min(n_rows, (memory_budget() / 8) // per_row)))


def _native_gram(X, Y, spec: EmbeddingSpec, chunk: int, rows: int, layers=None, at_least: int = 0):
    mixed = spec.noise is not None
    # both sides up to the same constant unitary, which the fidelity ignores
    A = native_states(X, spec, chunk=chunk, layers=layers, upto_constant=True, at_least=at_least)
    B = A if Y is None else native_states(Y, spec, chunk=chunk, layers=layers, upto_constant=True,
                                          at_least=at_least)
    return _gram_bl(A, B, mixed, rows)


@functools.cache
def _native_gram_fn(circuit, mixed: bool, dtype, chunk: int, rows: int, static_layers: int | None):
    """One compiled program for the states and the Gram matrix (cached per static configuration)."""

    def run(X, Y, params, noise, layers):
        depth = layers if static_layers is None else static_layers
        spec = EmbeddingSpec(circuit, None, None, 1, params, noise if mixed else None, "native", dtype)
        return _native_gram(X, Y, spec, chunk, rows, layers=depth, at_least=runtime_floor(static_layers))

    return jax.jit(run)


def fidelity_from_spec(X: jax.Array, Y: jax.Array | None, spec, *,
                       chunk_size: int | None = None) -> jax.Array:
    """:func:`fidelity_gram` for already-validated arrays and a resolved spec (traceable in ``params``)."""
    if spec.backend == "mps":
        return _mps_fidelity(X, Y, spec, chunk_size)
    mixed = spec.noise is not None
    n = n_qubits_of(X, spec)
    extra = 0 if Y is None else Y.shape[0]
    chunk = plan_memory(X.shape[0] + extra, n, mixed=mixed, dtype=spec.dtype, chunk_size=chunk_size,
                        kept=X.shape[0] + extra, what="the states of the Gram matrix")
    seconds = check_time(X.shape[0] + extra, n, mixed=mixed, layers=spec.layers,
                         pairs=X.shape[0] * (X.shape[0] if Y is None else Y.shape[0]),
                         what="the fidelity Gram matrix")
    dim = 2 ** (2 * n if mixed else n)
    rows = gram_rows(X.shape[0], dim, spec.dtype)
    if spec.backend == "pennylane":
        A = states_batch_last(X, spec, chunk_size=chunk)
        B = A if Y is None else states_batch_last(Y, spec, chunk_size=chunk)
        return _gram_bl(A, B, mixed, rows)
    if not is_concrete(spec.params):  # inside a caller's trace: no nested compile cache
        return _native_gram(X, Y, spec, chunk, rows)
    if seconds > HOST_BLOCKS_PAST:
        return _gram_in_host_blocks(X, Y, spec, chunk)
    fn = _native_gram_fn(_layer_key(spec.circuit), mixed, spec.dtype, chunk, rows, static_depth(spec))
    return fn(X, Y, spec.params, np.asarray(0.0 if spec.noise is None else spec.noise, X.dtype),
              np.int32(spec.layers))


#: a Gram whose a-priori time (a lower bound, see :func:`~embtheory.qkernels.embeddings.check_time`)
#: is past this many seconds runs in host blocks, so that a Ctrl-C returns between them; a smaller
#: one runs as one fused program (states and product), which is faster
HOST_BLOCKS_PAST = 0.5

#: operations one host block aims at: a hundredth of a second at the assumed rate, a fraction of a
#: second at the rates measured on a CPU
HOST_BLOCK_FLOPS = 1e9


@functools.cache
def _states_fn(circuit, mixed: bool, dtype, static_layers: int | None):
    """A jitted ``(X, params, noise, layers) -> states`` (batch last, up to a shared unitary)."""

    def run(X, params, noise, layers):
        depth = layers if static_layers is None else static_layers
        spec = EmbeddingSpec(circuit, None, None, 1, params, noise if mixed else None, "native", dtype)
        return native_states(X, spec, chunk=X.shape[0], layers=depth, upto_constant=True,
                             at_least=runtime_floor(static_layers))

    return jax.jit(run)


@functools.cache
def _slice_fn(size: int, same: bool):
    """``A[lo:lo+size]^H B[lo:lo+size]`` with ``A``, ``B`` the row slices of lists of batch-last state
    chunks joined along the points (``same``: ``B`` is ``A``).

    Summed over sub-slices of at most :data:`PRODUCT_SLICE` amplitudes in a loop, each joined from
    the chunks when it is read (a small buffer, reused: joining the whole slice first would write a
    fresh buffer of its size, whose page faults cost as much as the product), pairwise as
    :func:`_overlaps`."""

    def run(A, B, lo):
        N, M = sum(p.shape[1] for p in A), sum(p.shape[1] for p in B)
        k = _n_slices(size, N, M, jnp.result_type(*A, *B))
        sub = size // k

        def cut(parts, start):
            return jnp.concatenate([jax.lax.dynamic_slice_in_dim(p, start, sub, 0) for p in parts], axis=1)

        def body(_, t):
            a = cut(A, lo + t * sub)
            return None, _conj_dot(a, a if same else cut(B, lo + t * sub))

        return _pairwise_sum(jax.lax.scan(body, None, jnp.arange(k, dtype=lo.dtype))[1])

    return jax.jit(run)


@functools.cache
def _block_fn(mixed: bool):
    return jax.jit(lambda a, b: _fidelity_bl(a, b, mixed, sliced=True))


#: operations one slice of the amplitudes aims at (a tenth of a second or so on a CPU): smaller
#: slices spend their time joining the chunks and starting the product, not multiplying
SLICE_FLOPS = 1e10

#: a slice of fewer amplitudes than this makes the product a thin one, slower than blocks of points
MIN_SLICE = 1024


def _gram_in_host_blocks(X, Y, spec, chunk: int) -> jax.Array:
    """The fidelity Gram of a long call as host-level blocks, each waited for, so that Python regains
    control (and a Ctrl-C returns) between blocks: the states of ``c`` points at a time (as
    :func:`~embtheory.qkernels.embeddings.host_chunks`), then the product.  Few points of many
    qubits: the overlaps of every pair summed over slices of the amplitudes, each about
    :data:`SLICE_FLOPS` (each state read once); many points (a slice would hold fewer than
    :data:`MIN_SLICE` amplitudes): blocks of points, each about :data:`HOST_BLOCK_FLOPS`.  Entries
    agree with the fused program to rounding; the Gram of one set (``Y`` None) computes each pair
    once and is exactly symmetric."""
    mixed = spec.noise is not None
    n = n_qubits_of(X, spec)
    dim = 2 ** (2 * n if mixed else n)
    rows_x, rows_y = X.shape[0], X.shape[0] if Y is None else Y.shape[0]
    size = SLICE_FLOPS / (8.0 * rows_x * rows_y)  # amplitudes per slice
    in_slices = size >= MIN_SLICE
    if in_slices:  # few points: chunks of several host chunks' work (each call has a start-up
        # cost, its fresh buffers' page faults), as many as needed and evened out (no padded points)
        c = host_chunk_points(X, spec, chunk, 4 * HOST_CHUNK_FLOPS)
        c = -(-rows_x // -(-rows_x // c))
    else:
        c = int(max(1, min(chunk, np.sqrt(HOST_BLOCK_FLOPS / (8.0 * dim)))))
    states = _states_fn(_layer_key(spec.circuit), mixed, spec.dtype, static_depth(spec))
    noise = np.asarray(0.0 if spec.noise is None else spec.noise, X.dtype)

    def blocks(Z):
        return host_chunks(lambda Zc: states(Zc, spec.params, noise, np.int32(spec.layers)), Z, c)

    A = blocks(X)
    B = A if Y is None else blocks(Y)
    if in_slices:
        K = _product_in_slices(A, B, dim, 1 << int(min(np.log2(dim), np.floor(np.log2(size)))), mixed)
    else:
        K = _product_in_point_blocks(A, B, c, Y is None, mixed, np.finfo(spec.dtype).dtype)
    K = K[:rows_x, :rows_y]
    if Y is None:  # one value per pair
        K = np.triu(K) + np.triu(K, 1).T
    return jnp.asarray(K)


def _product_in_slices(A, B, dim: int, size: int, mixed: bool) -> np.ndarray:
    """The fidelities of the state chunks ``A`` x ``B``, ``<a|b>`` summed over slices of ``size``
    amplitudes."""
    step = _slice_fn(size, A is B)
    G = np.zeros((len(A) * A[0].shape[1], len(B) * B[0].shape[1]), np.complex128)
    last = [None]  # the slice in flight, waited for if a Ctrl-C comes
    with interruptible(lambda: last[0]):
        for lo in range(0, dim, size):  # the slices' products summed on the host in double precision
            last[0] = step(A, B, np.int32(lo))
            G += np.asarray(jax.block_until_ready(last[0]))
    dtype = np.finfo(A[0].dtype).dtype
    return (G.real if mixed else np.abs(G) ** 2).astype(dtype)


def _product_in_point_blocks(A, B, c: int, symmetric: bool, mixed: bool, dtype) -> np.ndarray:
    """The fidelities of the state chunks ``A`` x ``B``, one ``c x c`` block at a time (``symmetric``:
    ``A`` is ``B``, only the blocks on and above the diagonal)."""
    gram = _block_fn(mixed)
    K = np.empty((len(A) * c, len(B) * c), dtype)
    last = [None]  # the block in flight, waited for if a Ctrl-C comes
    with interruptible(lambda: last[0]):
        for i, a in enumerate(A):
            for j in range(i if symmetric else 0, len(B)):
                last[0] = gram(a, B[j])
                blk = np.asarray(jax.block_until_ready(last[0]))
                K[i * c:(i + 1) * c, j * c:(j + 1) * c] = blk
                if symmetric and j > i:
                    K[j * c:(j + 1) * c, i * c:(i + 1) * c] = blk.T
    return K


def _report_truncation(states) -> None:
    from embtheory.qkernels.mps import _report  # one truncation warning for every MPS path

    _report(states)


def _mps_fidelity(X, Y, spec, chunk_size):
    """``|<a|b>|^2 / (<a|a><b|b>)`` from log overlaps (no underflow before the final exp)."""
    from embtheory.qkernels.embeddings import run_mps
    from embtheory.qkernels.mps import mps_log_fidelity

    extra = 0 if Y is None else Y.shape[0]
    SX = run_mps(X, spec, chunk_size=chunk_size, extra_points=extra)
    SY = SX if Y is None else run_mps(Y, spec, chunk_size=chunk_size, extra_points=X.shape[0])
    _report_truncation(SX)
    if Y is not None:
        _report_truncation(SY)
    return jnp.exp(mps_log_fidelity(SX.tensors, SY.tensors))


def _check_states(S, name: str) -> tuple[jax.Array, bool, int]:
    """``(batch-last states, mixed, n)`` from ``(N, 2^n)`` statevectors or ``(N, 2^n, 2^n)`` densities."""
    if not isinstance(S, jax.Array):
        S = np.asarray(S)
        if S.dtype.kind not in "fc":
            raise TypeError(f"{name} must hold complex amplitudes (as returned by embed), "
                            f"got dtype {S.dtype}")
    S = jnp.asarray(S)
    if not jnp.issubdtype(S.dtype, jnp.complexfloating):
        if not jnp.issubdtype(S.dtype, jnp.floating):
            raise TypeError(f"{name} must hold complex amplitudes (as returned by embed), "
                            f"got dtype {S.dtype}")
        S = S.astype(jnp.result_type(S.dtype, jnp.complex64))
    if S.ndim not in (2, 3) or (S.ndim == 3 and S.shape[1] != S.shape[2]):
        raise ValueError(f"{name} must be (N, 2^n) statevectors or (N, 2^n, 2^n) density matrices (as "
                         "returned "
                         f"by embed), got shape {S.shape}")
    dim = S.shape[1]
    n = dim.bit_length() - 1
    if dim < 2 or 2**n != dim or S.shape[0] < 1:
        raise ValueError(f"{name}: the state dimension must be 2^n with n >= 1 and N >= 1, got shape "
                         f"{S.shape}")
    mixed = S.ndim == 3
    if is_concrete(S):
        if not bool(jnp.all(jnp.isfinite(S))):
            raise ValueError(f"{name} contains NaN or inf: pass the states returned by embed")
        norms = jnp.trace(S, axis1=1, axis2=2).real if mixed else jnp.sum(jnp.abs(S) ** 2, axis=1)
        tol = 1e-4 if S.dtype == jnp.complex64 else 1e-8
        bad = np.flatnonzero(np.abs(np.asarray(norms) - 1) > tol)
        if bad.size:
            what = "trace" if mixed else "squared norm"
            raise ValueError(f"{name}[{bad[0]}] has {what} {float(norms[bad[0]]):.6g}, not 1: a state "
                             "must be "
                             "normalised (a zero state has no kernel); pass the states returned by embed")
    return S.reshape(S.shape[0], -1).T, mixed, n


def fidelity_from_states(a, b=None) -> jax.Array:
    """The fidelity Gram matrix of states already computed (e.g. by :func:`embtheory.qkernels.embed`).

    Args:
        a: ``(N, 2^n)`` statevectors, or ``(N, 2^n, 2^n)`` density matrices.
        b: ``(M, ...)`` of the same kind, or None for ``b = a``.

    Returns:
        ``(N, M)`` real: ``|<a_i|b_j>|^2`` or ``Tr[a_i b_j]``.

    Example:
        >>> import jax.numpy as jnp
        >>> from embtheory.qkernels import embed
        >>> S = embed(jnp.array([[0.1, 0.2], [0.3, -0.4]]), layers=2)
        >>> bool(jnp.allclose(fidelity_from_states(S), fidelity_gram(jnp.array([[0.1, 0.2], [0.3, -0.4]]),
        ...      layers=2), atol=1e-6))
        True
    """
    A, mixed, n = _check_states(a, "a")
    if b is None:
        B = A
    else:
        B, mixed_b, n_b = _check_states(b, "b")
        if (mixed_b, n_b) != (mixed, n):
            raise ValueError("b must hold states of the same kind and size as a "
                             f"({'density matrices' if mixed else 'statevectors'} "
                             f"of {n} qubits), got {'density matrices' if mixed_b else 'statevectors'} "
                             f"of {n_b}")
        B = B.astype(A.dtype)
    return _gram_bl(A, B, mixed, gram_rows(A.shape[1], A.shape[0], A.dtype))


@functools.cache
def _bloch_post(n: int, mixed: bool):
    """The projected kernel's reduction of batch-last states (one object per shape: a stable cache key)."""
    return functools.partial(simulator.bloch_batch, n=n, mixed=mixed)


def projected_from_states(a, b=None, *, gamma: float = 1.0, exponent: bool = False) -> jax.Array:
    """The projected kernel of states already computed (e.g. by :func:`embtheory.qkernels.embed`).

    Args:
        a: ``(N, 2^n)`` statevectors, or ``(N, 2^n, 2^n)`` density matrices.
        b: ``(M, ...)`` of the same kind, or None for ``b = a``.
        gamma: bandwidth ``> 0``.
        exponent: return ``D = sum_k ||rho_k(a_i) - rho_k(b_j)||_F^2`` instead of ``exp(-gamma D)``.

    Returns:
        ``(N, M)`` real.
    """
    gamma = check_positive(gamma, "gamma")
    exponent = check_bool(exponent, "exponent")
    A, mixed, n = _check_states(a, "a")
    FA = simulator.bloch_batch(A, n, mixed=mixed)
    if b is None:
        FB = FA
    else:
        B, mixed_b, n_b = _check_states(b, "b")
        if (mixed_b, n_b) != (mixed, n):
            raise ValueError("b must hold states of the same kind and number of qubits as a")
        FB = simulator.bloch_batch(B, n, mixed=mixed)
    D = distance_from_bloch(FA, FB)
    return D if exponent else jnp.exp(-gamma * D)


def distance_from_bloch(FX: jax.Array, FY: jax.Array, *, chunk_size: int | None = None) -> jax.Array:
    """``D[i, j] = sum_k ||rho_k(x_i) - rho_k(y_j)||_F^2 = sum_k |r_ik - s_jk|^2 / 2`` from Bloch vectors.

    Args:
        FX: ``(N, n, 3)`` Bloch vectors; FY: ``(M, n, 3)``.
        chunk_size: rows at a time.

    Returns:
        ``(N, M)``, in ``[0, 2 n]``; the differences are formed pair by pair (no cancellation).
    """
    return gram(_bloch_pair_distance, FX, FY, chunk_size=chunk_size)


def _bloch_pair_distance(a, b):
    """One pair's ``sum_k |r_k - s_k|^2 / 2`` (module level: jit caches key on the function)."""
    d = a - b
    return 0.5 * jnp.sum(d * d)


def bloch_features(X, spec, chunk_size):
    """``(N, n, 3)`` Bloch vectors of every qubit of every point's state (the states are not kept)."""
    if spec.backend == "mps":
        from embtheory.qkernels.embeddings import run_mps
        from embtheory.qkernels.mps import mps_bloch_batch

        states = run_mps(X, spec, chunk_size=chunk_size)
        _report_truncation(states)
        return mps_bloch_batch(states.tensors)
    post = _bloch_post(n_qubits_of(X, spec), spec.noise is not None)
    return reduced_batch(X, spec, post, chunk_size=chunk_size)


def projected_gram(X, Y=None, *, gamma: float = 1.0, exponent: bool = False, embedding="hee",
                   layers: int = 1, params=None, noise: float | None = None, backend: str | None = None,
                   chunk_size: int | None = None, dtype=None, max_bond: int | None = None) -> jax.Array:
    """The projected kernel ``exp(-gamma D)``, ``D = sum_k ||rho_k(x) - rho_k(y)||_F^2`` (Huang et al. 2021).

    Args:
        X: ``(N, n)`` angles.
        Y: ``(M, n)`` or None for ``Y = X``.
        gamma: bandwidth ``> 0`` (1 in every published script).
        exponent: return ``D`` itself (no ``gamma``, no exponential): the quantity whose variance
            over pairs the paper's Fig. 6b plots under the label ``Var[k^PQ]``.
        embedding, layers, params, noise, backend, chunk_size, dtype, max_bond: as in
            :func:`embtheory.qkernels.embed` (``backend="mps"``: one-site reduced states of the MPS).

    Returns:
        ``(N, M)`` real. Concentration point 1 for the kernel, 0 for ``D``.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[0.1, 0.2], [0.3, -0.4]])
        >>> D = projected_gram(X, exponent=True, layers=2)
        >>> bool(jnp.allclose(projected_gram(X, layers=2), jnp.exp(-D), atol=1e-6))
        True
    """
    gamma = check_positive(gamma, "gamma")
    exponent = check_bool(exponent, "exponent")
    X, spec = resolve(X, embedding=embedding, layers=layers, params=params, noise=noise, backend=backend,
                      dtype=dtype, max_bond=max_bond)
    Y = _check_y(X, Y)
    FX = bloch_features(X, spec, chunk_size)
    FY = FX if Y is None else bloch_features(Y, spec, chunk_size)
    D = distance_from_bloch(FX, FY, chunk_size=chunk_size)
    return D if exponent else jnp.exp(-gamma * D)


def product_kernel(X, Y=None, *, chunk_size: int | None = None) -> jax.Array:
    """The analytic kernel of one RX (or RY, or H.RZ) layer: ``prod_k cos^2((x_k - y_k) / 2)``.

    With ``x`` uniform on ``[0, 2 pi]^n``: mean ``(1/2)^n``, ``E[k^2] = (3/8)^n``, so
    ``Var = (3/8)^n - (1/4)^n`` (global-measurement concentration).

    Args:
        X: ``(N, n)``; Y: ``(M, n)`` or None.
        chunk_size: rows at a time.

    Returns:
        ``(N, M)``.
    """
    X = as_matrix(X, "X")
    Y = X if Y is None else _check_y(X, Y)
    return gram(_product_pair, X, Y, chunk_size=chunk_size)


def _product_pair(a, b):
    """One pair's product kernel ``prod_k cos^2((a_k - b_k) / 2)`` (module level: cached jit key)."""
    return jnp.prod(jnp.cos((a - b) / 2) ** 2)
