"""The two pieces of ABC-SMC that ``plenary calibrate`` supplies to pyabc itself (docs/FIT.md §1).

- :class:`BoxKernel`: the perturbation kernel in the unit box. Every fitted parameter is mapped to u in [0, 1]
  (its plausible range), the prior is uniform there, and a proposal is a previous particle plus a Gaussian step
  truncated to the box, one bandwidth per parameter (Silverman's rule on the weighted sd). Its density is exact
  (each particle's kernel is renormalised by its mass inside the box), so no proposal is ever refused for leaving
  the range and the importance weight prior / proposal is 1 / proposal: flat where the posterior is flat, also at
  the edge of the range. The kernel this replaces perturbed z = Phi^-1(u) (a standard normal prior): where the
  record pushes a parameter to an end of its range, z runs into the normal's tail and prior / proposal varies
  by orders of magnitude across a kernel's width, which is how the first shipped fit ended with an effective
  sample size of 1.5 of 200 (docs/FIT.md §3 measures both).
- :class:`OrderedSampler`: reproducible on any number of processes. Proposal ``i`` of generation ``t`` is drawn
  and simulated from numpy's global generator seeded with ``(seed, t + 1, i)``, in whichever process evaluates it;
  proposals are evaluated in batches and accepted in proposal order up to the ``n``-th acceptance, so the
  population depends on the seed alone, never on the number of processes, the batch size or which worker
  finishes first. The map is the builtin one (one core), a process pool, or a dask client's.
"""

from __future__ import annotations

import math
import pickle

import cloudpickle
import numpy as np
import pandas as pd
from pyabc.parameters import Parameter
from pyabc.sampler import Sampler
from pyabc.transition import Transition
from pyabc.transition.multivariatenormal import silverman_rule_of_thumb
from scipy.special import logsumexp, ndtr, ndtri

MIN_BANDWIDTH = 1e-3        # smallest kernel sd in the unit box (a population collapsed onto one value)
BATCH_PER_PROCESS = 4       # proposals per process per batch when the acceptance rate is not yet known
MIN_RATE = 0.02             # the acceptance rate assumed when sizing a batch before any proposal was accepted


class BoxKernel(Transition):
    """A weighted KDE of truncated Gaussians on [0, 1]^d with a diagonal bandwidth (see the module docstring)."""

    def __init__(self, scaling: float = 1.0):
        self.scaling = scaling

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        self._x = X.to_numpy(float)
        w = np.asarray(w, float)
        mean = w @ self._x
        sd = np.sqrt(w @ (self._x - mean) ** 2)
        ess = 1.0 / np.sum(w ** 2)
        factor = silverman_rule_of_thumb(ess, self._x.shape[1]) * math.sqrt(self.scaling)
        self.h = np.maximum(sd * factor, MIN_BANDWIDTH)
        lo, hi = -self._x / self.h, (1.0 - self._x) / self.h
        self._lo_cdf, self._mass = ndtr(lo), ndtr(hi) - ndtr(lo)
        self._log_norm = np.log(self._mass).sum(axis=1) + np.log(self.h).sum() + 0.5 * len(self.h) * math.log(2 * math.pi)

    def rvs_single(self) -> Parameter:
        j = int(np.random.choice(len(self._x), p=self.w))        # noqa: NPY002 (pyabc's generator, seeded per proposal)
        u = self._lo_cdf[j] + np.random.random_sample(len(self.h)) * self._mass[j]   # noqa: NPY002
        value = np.clip(self._x[j] + self.h * ndtri(u), 0.0, 1.0)
        return Parameter(dict(zip(self.X.columns, value.tolist(), strict=True)))

    def pdf(self, x):
        single = isinstance(x, Parameter | pd.Series | dict)
        arr = np.array([[x[k] for k in self.X.columns]]) if single else x[self.X.columns].to_numpy(float)
        z = (arr[:, None, :] - self._x[None, :, :]) / self.h                     # (m, particles, d)
        log_k = -0.5 * np.sum(z * z, axis=2) - self._log_norm[None, :]
        inside = np.all((arr >= 0.0) & (arr <= 1.0), axis=1)
        dens = np.where(inside, np.exp(logsumexp(log_k, axis=1, b=self.w[None, :])), 0.0)
        return float(dens[0]) if single else dens


def _evaluate(blob: bytes, seed: int, t: int, indices: list[int]) -> list:
    """Proposals ``indices`` of generation ``t``: each from numpy's global generator seeded (seed, t + 1, i)."""
    simulate_one = pickle.loads(blob)
    out = []
    for i in indices:
        np.random.seed([seed & 0xFFFFFFFF, t + 1, i])       # noqa: NPY002 (pyabc draws from the global generator)
        out.append(simulate_one())
    return out


class OrderedSampler(Sampler):
    """pyabc sampler accepting in proposal order from per-proposal seeds (see the module docstring).

    Args:
        seed: the fit's seed.
        map_: ``map_(func, list_of_index_chunks)`` -> list of results in order (builtin ``map`` on one core).
        processes: how many processes ``map_`` uses (sizes the chunks; the result never depends on it).
        on_stop: called by :meth:`stop` (closes a pool or a client).
    """

    def __init__(self, seed: int, map_=None, processes: int = 1, on_stop=None):
        super().__init__()
        self.seed, self.processes, self.on_stop = int(seed), max(1, int(processes)), on_stop
        self.map_ = map_ or (lambda f, chunks: list(map(f, chunks)))
        self.rate = None                                  # acceptance rate of the last generation, sizes batches

    def _batch(self, needed: int, all_accepted: bool) -> int:
        rate = 1.0 if all_accepted else max(self.rate or MIN_RATE, MIN_RATE)
        size = max(math.ceil(needed / rate * 1.1), BATCH_PER_PROCESS * self.processes)
        return math.ceil(size / self.processes) * self.processes

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        blob = cloudpickle.dumps(simulate_one)
        particles, accepted, start = [], 0, 0
        while accepted < n and start < max_eval:
            size = self._batch(n - accepted, all_accepted)
            ids = list(range(start, start + size))
            chunks = [ids[k::self.processes] for k in range(self.processes)]
            done = dict(zip([i for c in chunks for i in c],
                            [p for res in self.map_(_Call(blob, self.seed, t), chunks) for p in res], strict=True))
            for i in ids:
                if accepted < n:
                    particles.append(done[i])
                    accepted += bool(done[i].accepted)
            start += size
        sample = self._create_empty_sample()
        for p in particles:
            sample.append(p)
        self.nr_evaluations_ = len(particles)            # up to the n-th acceptance: the same on any map
        self.rate = accepted / max(len(particles), 1)
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def stop(self) -> None:
        if self.on_stop is not None:
            self.on_stop()
            self.on_stop = None


class _Call:
    """A picklable ``_evaluate`` bound to one generation (for process pools and dask)."""

    def __init__(self, blob: bytes, seed: int, t: int):
        self.blob, self.seed, self.t = blob, seed, t

    def __call__(self, indices: list[int]) -> list:
        return _evaluate(self.blob, self.seed, self.t, indices)


def process_map(processes: int):
    """A fork-based process pool's map (workers keep the built world between generations) and its closer."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=processes, mp_context=mp.get_context("fork"))
    return (lambda f, chunks: list(pool.map(f, chunks))), (lambda: pool.shutdown(wait=True, cancel_futures=True))


def dask_map(client, close: bool):
    """A dask client's map (one task per chunk, gathered in order) and its closer."""
    def map_(f, chunks):
        return client.gather(client.map(f, chunks, pure=False))

    def stop():
        if close:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return map_, stop
