"""Validate NEST's ``astrocyte_lr_1994`` against an independent Li-Rinzel integration.

A single ``astrocyte_lr_1994`` is simulated in NEST (real kernel, no mocks) and its
recorded ``IP3``, ``Ca_astro`` and ``h_IP3R`` are compared sample by sample with a
reference trajectory obtained here with ``scipy.integrate.solve_ivp`` (DOP853,
rtol=1e-12, atol=1e-14) from a right-hand side written out in this file.  All model
parameters are read from ``nest.GetDefaults("astrocyte_lr_1994")``, so the test
tracks NEST's defaults.  The slow inward current (SIC) that the astrocyte sends
through a ``sic_connection`` to an ``aeif_cond_alpha_astro`` neuron is checked
against the SIC formula applied to the *reference* Ca trajectory.

Model (Li & Rinzel 1994 / Nadkarni & Jung 2003, as in NEST's
``astrocyte_lr_1994.{h,cpp}``), concentrations in uM, time in ms::

    dIP3/dt = (IP3_0 - IP3) / tau_IP3                       (+ jumps, see below)
    dCa/dt  = J_channel - J_pump + J_leak
    dh/dt   = alpha_h (1 - h) - beta_h h

    Ca_ER     = (Ca_tot - Ca) / ratio_ER_cyt
    m_inf     = IP3 / (IP3 + Kd_IP3_1)
    n_inf     = Ca / (Ca + Kd_act)
    J_channel = ratio_ER_cyt rate_IP3R m_inf^3 n_inf^3 h^3 (Ca_ER - Ca)
    J_leak    = ratio_ER_cyt rate_L (Ca_ER - Ca)
    J_pump    = rate_SERCA Ca^2 / (Km_SERCA^2 + Ca^2)
    alpha_h   = k_IP3R Kd_inh (IP3 + Kd_IP3_1) / (IP3 + Kd_IP3_2)
    beta_h    = k_IP3R Ca

NEST implementation details this test relies on (read from the 3.10 source):

* Spike input: a spike emitted by a ``spike_generator`` at time ``t_s`` through a
  connection with delay ``d`` and total weight ``w`` (connection weight times the
  generator's ``spike_weights`` entry) is added to the ring buffer of the step that
  ends at ``t_s + d``.  ``update()`` first integrates that step and *then* does
  ``IP3 += delta_IP3 * w``; the multimeter logs after that.  Hence IP3 jumps by
  ``delta_IP3 * w`` exactly at ``t_s + d`` and the sample stamped ``t_s + d`` is
  already the post-jump value.  The reference reproduces this with piecewise
  integration between arrival times.
* Ca is clamped to ``[0, Ca_tot]`` inside the RHS and after each step; the test
  asserts the reference stays strictly inside that interval, so the clamp is inert.
* SIC: after each step the astrocyte computes
  ``SIC = SIC_scale * ln(1000 * (Ca - SIC_th))`` if ``1000 * (Ca - SIC_th) > 1``
  else 0, from the post-step Ca.  The values of one min_delay slice are sent as a
  secondary event; the neuron books them ``delay - min_delay`` steps after the
  start of the next slice and multiplies by the ``sic_connection`` weight.  Net
  effect: the neuron's recorded ``I_SIC(t) = weight * SIC(Ca(t - delay))``, and 0
  for ``t <= delay``.
* Integration: GSL ``rkf45`` with ``gsl_odeiv_control_y_new(1e-3, 0)`` (abs. tol.
  1e-3 -- loose!), but every ``evolve_apply`` call is bounded by the simulation
  step, so in practice it is an (embedded 5th-order) RK step of h = resolution =
  0.1 ms; the error controller essentially never rejects.  With time scales of
  >= ~100 ms the truncation error at h = 0.1 ms is negligible.

Tolerances
----------
NEST's integration turned out to be far more accurate than its loose GSL
tolerance suggests: against references with rtol 1e-12 / 1e-13 the deviation
shrinks with the reference tolerance, i.e. NEST itself is within ~1e-12 uM of the
exact solution.  With the reference at rtol=1e-12, atol=1e-14 (cost: ~0.2 s) the
observed maxima are ~5e-15 uM (IP3), ~1.4e-11 uM (Ca) and ~1e-12 (h_IP3R) over
6 s with Ca transients up to 0.77 uM.  (With rtol=1e-10 the reference itself is the
dominant error, ~1.2e-9 uM in Ca.)

We allow ``TOL_IP3 = TOL_CA = TOL_H = 1e-9`` (absolute): ~70x above the observed
maximum, leaving room for other GSL/libm/compiler builds of NEST, yet orders of
magnitude below what the sensitivity tests show matters: a 10 % change of
``rate_L`` changes Ca by ~4e-2 uM, 1 % changes of other rates by >3e-3, and
applying the IP3 jumps one 0.1 ms step late leaves IP3 wrong by up to ~4e-3 uM.

For the SIC (dimensionless in the astrocyte, pA at the neuron) ``TOL_SIC = 1e-5``:
dSIC/dCa = weight * SIC_scale / (Ca - SIC_th) <= weight * 1000 / uM, because SIC is
non-zero only for Ca - SIC_th > 1 nM; with weight <= 2.5 a Ca error of TOL_CA maps
to <= 2.5e-6.  Observed: ~1e-9.  A delay misplaced by one step, or a missing
weight, changes the SIC by far more than TOL_SIC (checked).
"""

import functools

import nest
import numpy as np
import pytest
from scipy.integrate import solve_ivp

MODEL = "astrocyte_lr_1994"
RESOLUTION = 0.1  # ms, NEST default, set explicitly
SPIKE_DELAY = 1.0  # ms, spike_generator -> astrocyte
SPIKE_CONN_WEIGHT = 1.5  # multiplies the spike_weights of the generator
SIM_EXTRA = 5.0  # ms simulated beyond the compared window (see run_nest)

# reference integrator settings
REF_METHOD = "DOP853"
REF_RTOL = 1e-12
REF_ATOL = 1e-14

# comparison tolerances (absolute; see module docstring for the justification)
TOL_IP3 = 1e-9  # uM
TOL_CA = 1e-9  # uM
TOL_H = 1e-9  # dimensionless
TOL_SIC = 1e-5  # pA (SIC is dimensionless in NEST, interpreted as pA by the neuron)

STATE_NAMES = ("IP3", "Ca_astro", "h_IP3R")


# --------------------------------------------------------------------------
# NEST side
# --------------------------------------------------------------------------
def _reset_kernel():
    nest.ResetKernel()
    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.10; set_verbosity is deprecated
        nest.verbosity = nest.VerbosityLevel.WARNING
    else:  # pragma: no cover
        nest.set_verbosity("M_WARNING")
    nest.resolution = RESOLUTION


def _model_params():
    """Parameters and default initial state of the astrocyte, as NEST has them."""
    d = nest.GetDefaults(MODEL)
    keys = [
        "Ca_tot",
        "IP3_0",
        "Kd_IP3_1",
        "Kd_IP3_2",
        "Kd_act",
        "Kd_inh",
        "Km_SERCA",
        "SIC_scale",
        "SIC_th",
        "delta_IP3",
        "k_IP3R",
        "rate_IP3R",
        "rate_L",
        "rate_SERCA",
        "ratio_ER_cyt",
        "tau_IP3",
    ]
    params = {k: float(d[k]) for k in keys}
    y0 = tuple(float(d[k]) for k in STATE_NAMES)
    return params, y0


def _steps(times):
    return np.rint(np.asarray(times) / RESOLUTION).astype(np.int64)


def run_nest(t_sim, y0, spikes=None, sic=None):
    """Simulate one astrocyte; optionally drive it and attach a SIC target.

    spikes: (times, spike_weights) for a spike_generator.
    sic: (weight, delay) of a sic_connection to an aeif_cond_alpha_astro.
    Returns dict with 'steps' and the recorded state variables (and 'I_SIC').
    """
    _reset_kernel()
    astro = nest.Create(MODEL, params=dict(zip(STATE_NAMES, y0, strict=True)))
    if spikes is not None:
        times, weights = spikes
        sg = nest.Create(
            "spike_generator",
            params={"spike_times": list(times), "spike_weights": list(weights)},
        )
        nest.Connect(sg, astro, syn_spec={"weight": SPIKE_CONN_WEIGHT, "delay": SPIKE_DELAY})
    mm = nest.Create("multimeter", params={"interval": RESOLUTION, "record_from": list(STATE_NAMES)})
    nest.Connect(mm, astro)
    mm_n = None
    if sic is not None:
        sic_weight, sic_delay = sic
        neuron = nest.Create("aeif_cond_alpha_astro")
        nest.Connect(
            astro,
            neuron,
            syn_spec={"synapse_model": "sic_connection", "weight": sic_weight, "delay": sic_delay},
        )
        mm_n = nest.Create("multimeter", params={"interval": RESOLUTION, "record_from": ["I_SIC"]})
        nest.Connect(mm_n, neuron)
    # The multimeter only receives the data of the last ~min_delay before the end
    # of Simulate() in a later slice, so simulate a little longer and truncate.
    nest.Simulate(t_sim + SIM_EXTRA)

    n = int(round(t_sim / RESOLUTION))
    ev = mm.events
    out = {"steps": _steps(ev["times"])[:n]}
    np.testing.assert_array_equal(out["steps"], np.arange(1, n + 1))
    for name in STATE_NAMES:
        out[name] = np.asarray(ev[name], dtype=float)[:n]
    if mm_n is not None:
        ev_n = mm_n.events
        np.testing.assert_array_equal(_steps(ev_n["times"])[:n], out["steps"])
        out["I_SIC"] = np.asarray(ev_n["I_SIC"], dtype=float)[:n]
    return out


# --------------------------------------------------------------------------
# Independent reference
# --------------------------------------------------------------------------
def lr_rhs(t, y, p):
    """Li-Rinzel right-hand side (no clamping; see module docstring)."""
    ip3, ca, h = y
    ca_er = (p["Ca_tot"] - ca) / p["ratio_ER_cyt"]
    m_inf = ip3 / (ip3 + p["Kd_IP3_1"])
    n_inf = ca / (ca + p["Kd_act"])
    j_channel = p["ratio_ER_cyt"] * p["rate_IP3R"] * (m_inf * n_inf * h) ** 3 * (ca_er - ca)
    j_leak = p["ratio_ER_cyt"] * p["rate_L"] * (ca_er - ca)
    j_pump = p["rate_SERCA"] * ca**2 / (p["Km_SERCA"] ** 2 + ca**2)
    alpha_h = p["k_IP3R"] * p["Kd_inh"] * (ip3 + p["Kd_IP3_1"]) / (ip3 + p["Kd_IP3_2"])
    beta_h = p["k_IP3R"] * ca
    return [
        (p["IP3_0"] - ip3) / p["tau_IP3"],
        j_channel - j_pump + j_leak,
        alpha_h * (1.0 - h) - beta_h * h,
    ]


def reference_trajectory(p, y0, n_steps, jumps=None):
    """Integrate the reference on the grid k*RESOLUTION, k = 1..n_steps.

    jumps: dict {arrival step: IP3 increment}; the increment is applied at the end
    of that step and the sample at that step is the post-jump value (as in NEST).
    Returns array of shape (3, n_steps) for samples at steps 1..n_steps.
    """
    jumps = dict(jumps or {})
    bounds = sorted({0, n_steps} | {k for k in jumps if 0 < k <= n_steps})
    out = np.empty((3, n_steps))
    y = np.array(y0, dtype=float)
    for k_a, k_b in zip(bounds[:-1], bounds[1:], strict=True):
        ks = np.arange(k_a + 1, k_b + 1)
        sol = solve_ivp(
            lr_rhs,
            (k_a * RESOLUTION, k_b * RESOLUTION),
            y,
            method=REF_METHOD,
            t_eval=ks * RESOLUTION,
            rtol=REF_RTOL,
            atol=REF_ATOL,
            args=(p,),
        )
        assert sol.success, sol.message
        out[:, ks - 1] = sol.y
        y = sol.y[:, -1].copy()
        if k_b in jumps:
            y[0] += jumps[k_b]
            out[0, k_b - 1] = y[0]
    return out


def sic_formula(ca, p):
    """NEST's SIC (per unit connection weight) as a function of Ca (uM)."""
    x = (np.asarray(ca) - p["SIC_th"]) * 1000.0
    return np.where(x > 1.0, np.log(np.where(x > 1.0, x, 1.0)) * p["SIC_scale"], 0.0)


def expected_i_sic(ca_samples, p, weight, delay_steps):
    """Neuron's recorded I_SIC at steps 1..N given astrocyte Ca samples at steps 1..N."""
    out = np.zeros_like(ca_samples)
    out[delay_steps:] = weight * sic_formula(ca_samples[: len(ca_samples) - delay_steps], p)
    return out


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------
def _drive():
    """Spike train: a 1 s burst raising IP3 from rest to ~0.55 uM (triggers a Ca
    transient), plus a later burst during the Ca decay; includes a doubled spike."""
    rng = np.random.default_rng(20240611)
    t1 = np.arange(1, 201) * 5.0  # 5 ... 1000 ms
    t2 = 3000.0 + np.arange(0, 31) * 10.0  # 3000 ... 3300 ms
    times = np.concatenate([t1, [500.0], t2])  # 500 ms appears twice
    times = np.round(np.sort(times), 1)
    weights = np.round(rng.uniform(2.0, 12.0, size=times.size), 3)
    return times, weights


def _jumps(p, times, weights, shift_steps=0):
    jumps = {}
    for t, w in zip(_steps(times) + _steps(SPIKE_DELAY) + shift_steps, weights, strict=True):
        jumps[int(t)] = jumps.get(int(t), 0.0) + p["delta_IP3"] * w * SPIKE_CONN_WEIGHT
    return jumps


SCENARIOS = {
    # name: (t_sim [ms], initial state or None for NEST default, driven?)
    "driven_from_rest": (6000.0, None, True),
    "relax_ip3_0.4": (5000.0, {"IP3": 0.4}, False),  # like the reference network
    "relax_high_ca": (3000.0, {"IP3": 0.25, "Ca_astro": 0.45, "h_IP3R": 0.55}, False),
}


def _scenario(name):
    _reset_kernel()
    p, y0_default = _model_params()
    t_sim, init, driven = SCENARIOS[name]
    y0 = dict(zip(STATE_NAMES, y0_default, strict=True))
    y0.update(init or {})
    y0 = tuple(y0[k] for k in STATE_NAMES)
    spikes = _drive() if driven else None
    return p, y0, t_sim, spikes


@functools.cache
def _reference(name, perturb=None, shift_steps=0):
    """Reference trajectory for a scenario; perturb = (param, factor) or None."""
    p, y0, t_sim, spikes = _scenario(name)
    if perturb is not None:
        p = dict(p)
        p[perturb[0]] *= perturb[1]
    jumps = _jumps(p, *spikes, shift_steps=shift_steps) if spikes is not None else None
    ref = reference_trajectory(p, y0, int(round(t_sim / RESOLUTION)), jumps)
    ref.setflags(write=False)
    return ref


def _max_errors(nest_out, ref):
    return {k: float(np.max(np.abs(nest_out[k] - ref[i]))) for i, k in enumerate(STATE_NAMES)}


TOLS = {"IP3": TOL_IP3, "Ca_astro": TOL_CA, "h_IP3R": TOL_H}


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_state_matches_reference(name):
    p, y0, t_sim, spikes = _scenario(name)
    out = run_nest(t_sim, y0, spikes=spikes)
    ref = _reference(name)

    # the clamp of Ca to [0, Ca_tot] in NEST must be inert for the comparison
    assert np.all(ref[1] > 0.0) and np.all(ref[1] < p["Ca_tot"])
    # rich dynamics: a real Ca transient that crosses the SIC threshold
    if name != "relax_high_ca":
        assert ref[1].max() > 0.3 and ref[1].max() - ref[1].min() > 0.2

    errs = _max_errors(out, ref)
    print(f"{name}: max |NEST - reference| = {errs}")
    for k, tol in TOLS.items():
        assert errs[k] < tol, f"{k}: max error {errs[k]:.3e} exceeds {tol:.1e}"


def test_spike_jumps_apply_at_arrival_step():
    """IP3 jumps by delta_IP3 * w exactly in the sample stamped t_spike + delay."""
    _reset_kernel()
    p, y0 = _model_params()
    t_spike, w = 100.0, 3.0
    out = run_nest(110.0, y0, spikes=([t_spike], [w]))
    k = _steps(t_spike + SPIKE_DELAY)  # step index == sample index + 1
    dip3 = np.diff(out["IP3"])
    jump = dip3[k - 2]  # sample(k) - sample(k-1)
    drift = (p["IP3_0"] - y0[0]) / p["tau_IP3"] * RESOLUTION  # 0 at rest, but be general
    assert jump - drift == pytest.approx(p["delta_IP3"] * w * SPIKE_CONN_WEIGHT, rel=1e-9)
    others = np.delete(dip3, k - 2)
    assert np.max(np.abs(others)) < 1e-3 * p["delta_IP3"]


@pytest.mark.parametrize(
    "param, factor",
    [("rate_L", 1.1), ("rate_SERCA", 1.01), ("rate_IP3R", 1.01), ("k_IP3R", 1.01), ("tau_IP3", 1.01)],
)
def test_reference_is_sensitive_to_parameters(param, factor):
    """A perturbed parameter in the reference must be detected by the tolerances,
    with a wide margin (so the tolerances are meaningful)."""
    name = "relax_ip3_0.4"
    p, y0, t_sim, spikes = _scenario(name)
    out = run_nest(t_sim, y0, spikes=spikes)
    errs = _max_errors(out, _reference(name, perturb=(param, factor)))
    print(f"{param}*{factor}: max |NEST - reference| = {errs}")
    assert max(errs[k] / TOLS[k] for k in STATE_NAMES) > 1000


def test_reference_is_sensitive_to_jump_timing():
    """Applying every IP3 jump one step late must be detected by the tolerance."""
    name = "driven_from_rest"
    p, y0, t_sim, spikes = _scenario(name)
    out = run_nest(t_sim, y0, spikes=spikes)
    errs = _max_errors(out, _reference(name, shift_steps=1))
    print(f"jumps one step late: max |NEST - reference| = {errs}")
    assert errs["IP3"] > 100 * TOL_IP3


@pytest.mark.parametrize("sic_weight, sic_delay", [(1.0, 1.0), (2.5, 2.3)])
def test_sic_matches_formula_on_reference_ca(sic_weight, sic_delay):
    name = "driven_from_rest"
    p, y0, t_sim, spikes = _scenario(name)
    out = run_nest(t_sim, y0, spikes=spikes, sic=(sic_weight, sic_delay))
    d = int(_steps(sic_delay))
    i_sic = out["I_SIC"]

    # non-trivial: SIC is on for a good while and off at the start
    assert np.count_nonzero(i_sic) > 0.2 * i_sic.size
    assert np.all(i_sic[:d] == 0.0)

    # exact bookkeeping check against NEST's own Ca (same doubles, only ulp noise)
    np.testing.assert_allclose(i_sic, expected_i_sic(out["Ca_astro"], p, sic_weight, d), rtol=1e-12, atol=1e-12)

    # the actual validation: formula applied to the independent Ca trajectory
    ref_ca = _reference(name)[1]
    err = float(np.max(np.abs(i_sic - expected_i_sic(ref_ca, p, sic_weight, d))))
    print(f"SIC w={sic_weight} d={sic_delay}: max |I_SIC - reference| = {err:.3e}")
    assert err < TOL_SIC

    # and the tolerance can detect a delay off by one step or a missing weight
    assert np.max(np.abs(i_sic - expected_i_sic(ref_ca, p, sic_weight, d - 1))) > 100 * TOL_SIC
    assert np.max(np.abs(i_sic - expected_i_sic(ref_ca, p, sic_weight, d + 1))) > 100 * TOL_SIC
    if sic_weight != 1.0:
        assert np.max(np.abs(i_sic - expected_i_sic(ref_ca, p, 1.0, d))) > 100 * TOL_SIC


def test_sic_starts_at_zero_even_if_ca_above_threshold():
    """With Ca initially above SIC_th, I_SIC is still 0 until t = delay (empty buffer),
    then follows weight * SIC(Ca(t - delay))."""
    name = "relax_high_ca"
    p, y0, t_sim, spikes = _scenario(name)
    assert y0[1] - p["SIC_th"] > 0.002
    sic_weight, sic_delay = 0.7, 1.5
    out = run_nest(t_sim, y0, spikes=spikes, sic=(sic_weight, sic_delay))
    d = int(_steps(sic_delay))
    assert np.all(out["I_SIC"][:d] == 0.0) and out["I_SIC"][d] > 0.0
    err = float(np.max(np.abs(out["I_SIC"] - expected_i_sic(_reference(name)[1], p, sic_weight, d))))
    print(f"SIC from high Ca: max |I_SIC - reference| = {err:.3e}")
    assert err < TOL_SIC
