"""Fourier-spectral helpers for periodic problems on uniform grids.

Conventions
-----------
A periodic box ``[0, length)`` is sampled on ``n`` points ``x_j = j * length / n``. Real fields
are transformed with :func:`torch.fft.rfft` (last axis) / :func:`torch.fft.rfftn`, so the last
Fourier axis holds the ``n // 2 + 1`` non-negative modes ``m = 0, ..., n // 2`` and any other
Fourier axis holds all ``n`` modes in FFT order (``torch.fft.fftfreq``). The angular wavenumber
of mode ``m`` is ``k = 2 * pi * m / length``, so that ``d/dx`` is multiplication by ``1j * k``.

For the ETDRK4 scheme see Cox & Matthews, J. Comput. Phys. 176 (2002) 430-455, and Kassam &
Trefethen, SIAM J. Sci. Comput. 26 (2005) 1214-1233 (contour-integral evaluation of the
coefficients).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

__all__ = ["ETDRK4", "dealias_mask", "etdrk4_coefficients", "wavenumbers"]

#: Flattened entries of ``L`` processed at once when evaluating the contour integrals.
_CONTOUR_CHUNK = 1 << 14


def _mode_numbers(n: int, *, full: bool, device: torch.device | str | None) -> torch.Tensor:
    """Integer mode numbers, float64, shape (n,) if ``full`` else (n // 2 + 1,)."""
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    if full:
        return torch.fft.fftfreq(n, d=1.0 / n, dtype=torch.float64, device=device)
    return torch.fft.rfftfreq(n, d=1.0 / n, dtype=torch.float64, device=device)


def wavenumbers(
    n: int,
    length: float = 1.0,
    *,
    full: bool = False,
    zero_nyquist: bool = False,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """Angular wavenumbers ``2 * pi * m / length`` of an ``n``-point periodic grid.

    Parameters
    ----------
    n : int
        Number of grid points along the axis.
    length : float, optional
        Period of the box (default 1).
    full : bool, optional
        If False (default), the ``n // 2 + 1`` modes of :func:`torch.fft.rfft`
        (``m = 0, ..., n // 2``). If True, the ``n`` modes of :func:`torch.fft.fft` in FFT
        order (``torch.fft.fftfreq``; for even ``n`` the Nyquist mode is ``m = -n / 2``), as
        needed for the leading axes of :func:`torch.fft.rfftn`.
    zero_nyquist : bool, optional
        Set the Nyquist wavenumber (``m = n / 2``, even ``n`` only) to zero. Use this for odd
        derivatives (and antiderivatives): on the grid the Nyquist mode ``cos(pi n x / length)``
        has a derivative that vanishes at every grid point, so zeroing it is exact for the
        real trigonometric interpolant.
    device : torch.device or str, optional
        Device of the result.
    dtype : torch.dtype, optional
        Real floating dtype of the result (default float64).

    Returns
    -------
    torch.Tensor
        Shape (n // 2 + 1,) or, with ``full=True``, (n,).
    """
    if length <= 0:
        raise ValueError(f"length must be positive, got {length}")
    k = _mode_numbers(n, full=full, device=device) * (2.0 * math.pi / length)
    if zero_nyquist and n % 2 == 0:
        k[n // 2] = 0.0
    return k.to(dtype)


def dealias_mask(
    n: int,
    *,
    full: bool = False,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Boolean mask of the modes kept by the 2/3 rule: ``3 * |m| < n``.

    If a field only has modes with ``3 |m| < n``, the product of two such fields evaluated on
    the ``n``-point grid and then masked equals the exact truncated product (the aliased modes
    land at ``|m| >= n / 3``). Apply it both to the factors and to the product.

    Parameters
    ----------
    n : int
        Number of grid points along the axis.
    full : bool, optional
        Mask for the full FFT axis (shape (n,)) instead of the rfft axis (shape (n // 2 + 1,)).
    device : torch.device or str, optional
        Device of the result.

    Returns
    -------
    torch.Tensor
        Boolean tensor of shape (n // 2 + 1,) or (n,). For a 2-D ``rfft2`` spectrum of a
        square grid use ``dealias_mask(n, full=True)[:, None] & dealias_mask(n)[None, :]``.
    """
    m = _mode_numbers(n, full=full, device=device)
    return 3.0 * m.abs() < n


def etdrk4_coefficients(
    linear: torch.Tensor,
    dt: float,
    *,
    n_contour: int = 64,
) -> dict[str, torch.Tensor]:
    """ETDRK4 coefficients for a diagonal linear operator, in complex128.

    The phi-functions are evaluated as means over ``n_contour`` points of a circle of
    radius 1 centred at each ``z = dt * L`` (Kassam & Trefethen 2005), which avoids the
    cancellation of the closed-form expressions near ``z = 0``. The full circle is used, so the
    result is correct for arbitrary complex ``L`` (not only real ``L``).

    Parameters
    ----------
    linear : torch.Tensor
        Fourier-space diagonal ``L`` of the linear operator, any shape, real or complex.
    dt : float
        Time step.
    n_contour : int, optional
        Number of contour points (default 64; 32 already gives ~1e-15 for real ``L``).

    Returns
    -------
    dict of str to torch.Tensor
        Keys ``"E"``, ``"E2"``, ``"Q"``, ``"f1"``, ``"f2"``, ``"f3"`` (notation of Kassam &
        Trefethen), each complex128 with the shape and device of ``linear``.
    """
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if n_contour < 8:
        raise ValueError(f"n_contour must be >= 8, got {n_contour}")
    hl = (torch.as_tensor(linear).to(torch.complex128) * dt).reshape(-1)
    j = torch.arange(n_contour, dtype=torch.float64, device=hl.device)
    theta = 2.0 * math.pi * (j + 0.5) / n_contour
    roots = torch.polar(torch.ones_like(theta), theta)  # points on the unit circle, complex128
    out: dict[str, list[torch.Tensor]] = {"Q": [], "f1": [], "f2": [], "f3": []}
    for start in range(0, hl.numel(), _CONTOUR_CHUNK):
        lr = hl[start : start + _CONTOUR_CHUNK, None] + roots[None, :]
        elr = torch.exp(lr)
        lr2 = lr * lr
        lr3 = lr2 * lr
        out["Q"].append(((torch.exp(lr / 2) - 1.0) / lr).mean(dim=-1))
        out["f1"].append(((-4.0 - lr + elr * (4.0 - 3.0 * lr + lr2)) / lr3).mean(dim=-1))
        out["f2"].append(((2.0 + lr + elr * (lr - 2.0)) / lr3).mean(dim=-1))
        out["f3"].append(((-4.0 - 3.0 * lr - lr2 + elr * (4.0 - lr)) / lr3).mean(dim=-1))
    shape = torch.as_tensor(linear).shape
    coeffs = {name: dt * torch.cat(parts).reshape(shape) for name, parts in out.items()}
    coeffs["E"] = torch.exp(hl).reshape(shape)
    coeffs["E2"] = torch.exp(hl / 2).reshape(shape)
    return coeffs


class ETDRK4:
    """Fourth-order exponential time differencing Runge-Kutta stepper (Cox & Matthews).

    Integrates ``dv/dt = L * v + N(v)`` where ``v`` is a Fourier-space state and ``L`` is
    diagonal (elementwise). The coefficients are computed once, in complex128, by contour
    integrals (:func:`etdrk4_coefficients`) and then stored in the working precision.

    Parameters
    ----------
    linear : torch.Tensor
        Diagonal ``L``, shape broadcastable against the state (e.g. (n // 2 + 1,) for a batch
        of 1-D rfft spectra of shape (B, n // 2 + 1), or (n, n // 2 + 1) for 2-D ``rfft2``).
        Real or complex; if it is real (or has zero imaginary part) the coefficients are
        stored as real tensors.
    dt : float
        Time step.
    n_contour : int, optional
        Number of contour points (default 64).
    dtype : torch.dtype, optional
        Real working precision of the state (default float64); the coefficients are cast to
        it, or to the matching complex dtype if ``linear`` is genuinely complex.

    Examples
    --------
    >>> L = -nu * k**2                                  # doctest: +SKIP
    >>> stepper = ETDRK4(L, 1e-3)                       # doctest: +SKIP
    >>> v_hat = stepper.advance(v_hat, nonlinear, 100)  # doctest: +SKIP
    """

    def __init__(
        self,
        linear: torch.Tensor,
        dt: float,
        *,
        n_contour: int = 64,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        linear = torch.as_tensor(linear)
        coeffs = etdrk4_coefficients(linear, dt, n_contour=n_contour)
        is_real = not linear.is_complex() or bool((linear.imag == 0).all())
        complex_dtype = torch.complex64 if dtype == torch.float32 else torch.complex128
        target = dtype if is_real else complex_dtype
        cast = {k: (v.real if is_real else v).to(target) for k, v in coeffs.items()}
        self.dt = float(dt)
        self.E, self.E2 = cast["E"], cast["E2"]
        self.Q, self.f1, self.f2, self.f3 = cast["Q"], cast["f1"], cast["f2"], cast["f3"]

    def step(
        self,
        v_hat: torch.Tensor,
        nonlinear: Callable[[torch.Tensor], torch.Tensor],
    ) -> torch.Tensor:
        """Advance the state by one time step.

        Parameters
        ----------
        v_hat : torch.Tensor
            Complex Fourier-space state, shape (..., *L.shape) (broadcast against ``L``).
        nonlinear : callable
            ``nonlinear(v_hat) -> N_hat`` with the same shape as ``v_hat``; it should apply any
            dealiasing itself. It is called four times per step.

        Returns
        -------
        torch.Tensor
            The state at ``t + dt``, same shape and dtype as ``v_hat``.
        """
        nv = nonlinear(v_hat)
        e2v = self.E2 * v_hat
        a = e2v + self.Q * nv
        na = nonlinear(a)
        b = e2v + self.Q * na
        nb = nonlinear(b)
        c = self.E2 * a + self.Q * (2.0 * nb - nv)
        nc = nonlinear(c)
        return self.E * v_hat + self.f1 * nv + 2.0 * self.f2 * (na + nb) + self.f3 * nc

    def advance(
        self,
        v_hat: torch.Tensor,
        nonlinear: Callable[[torch.Tensor], torch.Tensor],
        n_steps: int,
    ) -> torch.Tensor:
        """Apply :meth:`step` ``n_steps`` times (``n_steps >= 0``); same shapes as :meth:`step`."""
        if n_steps < 0:
            raise ValueError(f"n_steps must be non-negative, got {n_steps}")
        for _ in range(n_steps):
            v_hat = self.step(v_hat, nonlinear)
        return v_hat
