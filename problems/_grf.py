r"""Gaussian random fields on periodic boxes (initial data for operator-learning problems).

Both samplers draw from the centred Gaussian measure

.. math:: \mu = \mathcal N\bigl(0,\ \sigma^2 (-\Delta + \tau^2 I)^{-\alpha}\bigr)

on the periodic unit box :math:`[0, 1)^d` (the measure of Li et al., "Fourier Neural
Operator", 2021). The orthonormal eigenfunctions of :math:`-\Delta` are
:math:`e^{2\pi i k\cdot x}`, :math:`k\in\mathbb Z^d`, so the covariance operator has eigenvalues

.. math:: \lambda_k = \sigma^2 \bigl(4\pi^2 |k|^2 + \tau^2\bigr)^{-\alpha}

and the covariance function is :math:`C(x, y) = \sum_{k \ne 0} \lambda_k e^{2\pi i k\cdot(x-y)}`.
The mode :math:`k = 0` is dropped, so every sample has zero spatial mean. The series is
truncated to the modes :math:`|k_i| \le \lfloor n/2 \rfloor` (up to and including the Nyquist
mode) and evaluated exactly at the grid points :math:`x_j = j / n`; at those points the
covariance is therefore exactly :math:`\sum_{0 < \|k\|_\infty \le n/2} \lambda_k
\cos(2\pi k \cdot (x_i - x_j))` (both :math:`\pm n/2` counted, they coincide on the grid).

For Neumann (cosine) boxes, sample on the doubled periodic box and restrict, or use a cosine
series; only periodic samplers are provided here.

Randomness: the standard normal draws are made on the CPU with the given (CPU)
``torch.Generator`` in float64 and only then moved to ``device``, so a given seed produces the
same field (up to FFT rounding) on every device and for every ``dtype``.
"""
from __future__ import annotations

import math

import torch

__all__ = ["grf_eigenvalues", "sample_periodic_grf_1d", "sample_periodic_grf_2d"]


def grf_eigenvalues(
    k_squared: torch.Tensor,
    *,
    alpha: float,
    tau: float,
    sigma: float,
) -> torch.Tensor:
    r"""Covariance eigenvalues :math:`\sigma^2 (4\pi^2 |k|^2 + \tau^2)^{-\alpha}`.

    Parameters
    ----------
    k_squared : torch.Tensor
        Squared integer mode numbers :math:`|k|^2`, any shape, floating dtype.
    alpha, tau, sigma : float
        Smoothness exponent, inverse length scale and amplitude.

    Returns
    -------
    torch.Tensor
        Same shape and dtype as ``k_squared``.
    """
    return sigma**2 * (4.0 * math.pi**2 * k_squared + tau**2) ** (-alpha)


def _check(n_samples: int, resolution: int, alpha: float, tau: float, sigma: float,
           generator: torch.Generator) -> None:
    if n_samples < 0:
        raise ValueError(f"n_samples must be non-negative, got {n_samples}")
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2, got {resolution}")
    if sigma < 0 or alpha <= 0:
        raise ValueError(f"need sigma >= 0 and alpha > 0, got sigma={sigma}, alpha={alpha}")
    if not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
        raise TypeError("generator must be a CPU torch.Generator (draws are made on the CPU)")


def sample_periodic_grf_1d(
    n_samples: int,
    resolution: int,
    *,
    alpha: float,
    tau: float,
    sigma: float,
    generator: torch.Generator,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    r"""Samples of the GRF :math:`\mathcal N(0, \sigma^2(-\Delta+\tau^2)^{-\alpha})` on [0, 1).

    .. math::
        u(x) = \sum_{k=1}^{\lfloor n/2 \rfloor} \sqrt{\lambda_k}\,
               \bigl(a_k \sqrt2 \cos 2\pi k x + b_k \sqrt2 \sin 2\pi k x\bigr),
        \qquad \lambda_k = \sigma^2 ((2\pi k)^2 + \tau^2)^{-\alpha},

    with :math:`a_k, b_k` iid :math:`\mathcal N(0, 1)`, evaluated at :math:`x_j = j / n` via
    :func:`torch.fft.irfft`. At the grid points :math:`\operatorname{Var} u(x_j) =
    2 \sum_{k=1}^{\lfloor n/2 \rfloor} \lambda_k` and
    :math:`\operatorname{Cov}(u(x_i), u(x_j)) = 2 \sum_k \lambda_k \cos 2\pi k (x_i - x_j)`.
    (For even ``n`` the Nyquist sine vanishes on the grid, its ``b`` draw is still consumed.)
    The Burgers benchmark uses ``sigma=25, tau=5, alpha=2`` (i.e. N(0, 625(-Δ+25 I)^-2)).

    Parameters
    ----------
    n_samples : int
        Number of independent samples.
    resolution : int
        Number of grid points ``n``.
    alpha, tau, sigma : float
        Smoothness exponent, inverse length scale and amplitude of the covariance.
    generator : torch.Generator
        CPU generator used for all draws (``2 * (n // 2)`` standard normals per sample).
    device : torch.device or str, optional
        Device of the result (the FFT runs there).
    dtype : torch.dtype, optional
        Floating dtype of the result (default float64; computed in float64, then cast).

    Returns
    -------
    torch.Tensor
        Shape (n_samples, resolution), zero mean along the last axis.
    """
    _check(n_samples, resolution, alpha, tau, sigma, generator)
    n_modes = resolution // 2
    ab = torch.randn((n_samples, 2, n_modes), generator=generator, dtype=torch.float64)
    ab = ab.to(device)
    k = torch.arange(1, n_modes + 1, dtype=torch.float64, device=ab.device)
    amp = torch.sqrt(grf_eigenvalues(k * k, alpha=alpha, tau=tau, sigma=sigma) / 2.0)
    # irfft(norm="forward") evaluates c_0 + sum_{0<k<n/2} 2 Re(c_k e^{ikx}) + c_{n/2} (-1)^j, so
    # c_k = sqrt(lambda_k / 2) (a_k - i b_k) gives sqrt(2 lambda_k)(a_k cos + b_k sin).
    coeff = torch.complex(amp * ab[:, 0], -amp * ab[:, 1])
    if resolution % 2 == 0:  # Nyquist: only sqrt(2 lambda) a cos(pi n x) survives on the grid
        coeff[:, -1] = 2.0 * amp[-1] * ab[:, 0, -1]
    zero = torch.zeros((n_samples, 1), dtype=coeff.dtype, device=coeff.device)
    u = torch.fft.irfft(torch.cat([zero, coeff], dim=-1), n=resolution, dim=-1, norm="forward")
    return u.to(dtype)


def sample_periodic_grf_2d(
    n_samples: int,
    resolution: int,
    *,
    alpha: float,
    tau: float,
    sigma: float,
    generator: torch.Generator,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    r"""Samples of the GRF :math:`\mathcal N(0, \sigma^2(-\Delta+\tau^2)^{-\alpha})` on [0, 1)^2.

    .. math::
        u(x) = \sum_{0 < \|k\|_\infty \le n/2} \sqrt{\lambda_k}\, \xi_k\, e^{2\pi i k\cdot x},
        \qquad \lambda_k = \sigma^2 (4\pi^2 |k|^2 + \tau^2)^{-\alpha},

    evaluated at :math:`x_j = j / n`, where the :math:`\xi_k` are complex Gaussians with
    Hermitian symmetry :math:`\xi_{-k} = \overline{\xi_k}` and normalisation
    :math:`E[\xi_k \overline{\xi_l}] = \delta_{kl}`, :math:`E[\xi_k \xi_l] = \delta_{k,-l}`
    (real and imaginary parts independent, each of variance 1/2). Then ``u`` is real and
    :math:`E[u(x)u(y)] = \sum_k \lambda_k e^{2\pi i k\cdot(x-y)}`, the truncated covariance
    of the measure; in particular :math:`\operatorname{Var} u(x_j) = \sum_{k \ne 0} \lambda_k`.

    Construction: with ``m = 2 * (n // 2) + 1`` (odd), ``xi = fft2(w, norm="ortho")`` of real
    white noise ``w`` of shape (m, m) has exactly these statistics on the box
    :math:`|k_i| \le n/2` (a unitary map of white noise, Hermitian because ``w`` is real). The
    coefficients :math:`\sqrt{\lambda_k}\xi_k` are folded onto the ``n`` grid frequencies
    (``k`` and ``k +- n`` coincide on the grid when ``|k_i| = n/2``) and summed with
    ``ifft2(norm="forward")``. Navier-Stokes (FNO) uses ``sigma=7**1.5, tau=7, alpha=2.5``.

    Parameters
    ----------
    n_samples : int
        Number of independent samples.
    resolution : int
        Grid points per side ``n``.
    alpha, tau, sigma : float
        Smoothness exponent, inverse length scale and amplitude of the covariance.
    generator : torch.Generator
        CPU generator used for all draws (``m * m`` standard normals per sample).
    device : torch.device or str, optional
        Device of the result (the FFTs run there).
    dtype : torch.dtype, optional
        Floating dtype of the result (default float64; computed in float64, then cast).

    Returns
    -------
    torch.Tensor
        Shape (n_samples, resolution, resolution); axis 1 is ``x_1``, axis 2 is ``x_2``.
    """
    _check(n_samples, resolution, alpha, tau, sigma, generator)
    m = 2 * (resolution // 2) + 1
    w = torch.randn((n_samples, m, m), generator=generator, dtype=torch.float64).to(device)
    xi = torch.fft.fft2(w, norm="ortho")
    k = torch.fft.fftfreq(m, d=1.0 / m, dtype=torch.float64, device=w.device)  # integers
    lam = grf_eigenvalues(k[:, None] ** 2 + k[None, :] ** 2, alpha=alpha, tau=tau, sigma=sigma)
    lam[0, 0] = 0.0
    coeff = xi * torch.sqrt(lam)
    if m != resolution:  # fold |k_i| = n/2 onto the grid frequency n/2 along both axes
        target = torch.remainder(k, resolution).long()
        folded = coeff.new_zeros((n_samples, resolution, m))
        folded.index_add_(1, target, coeff)
        coeff = coeff.new_zeros((n_samples, resolution, resolution))
        coeff.index_add_(2, target, folded)
    u = torch.fft.ifft2(coeff, norm="forward").real
    return u.to(dtype).contiguous()
