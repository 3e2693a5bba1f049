"""The sweep figures of an experiment: one file per group, one panel per metric family.

Snakemake reads :data:`FIGURES` while it parses the workflow (one output per group): no NumPy here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    series: tuple[tuple[str, str], ...]  # (metric column, legend label)
    ylim: tuple[float, float] | None = None


#: The sweep figures, group name -> its panels (one file per group).
FIGURES: dict[str, tuple[Panel, ...]] = {
    "activity": (
        Panel("Mean firing rate", "spikes/s", (("rate_E", "E"), ("rate_I", "I"))),
        Panel("CV of inter-spike intervals", "-", (("cv_isi_E", "E"), ("cv_isi_I", "I"))),
        Panel("Fano factor of spike counts", "-", (("fano_E", "E"), ("fano_I", "I"))),
    ),
    "synchrony": (
        Panel(
            "Local synchrony (mean pairwise corr.)",
            "-",
            (("sync_local_E", "E"), ("sync_local_I", "I"), ("sync_local_all", "E+I")),
        ),
        Panel(
            "Global synchrony (Golomb's χ²)",
            "-",
            (("sync_global_E", "E"), ("sync_global_I", "I"), ("sync_global_all", "E+I")),
        ),
        Panel(
            "Fast local synchrony (slow co-variation removed)",
            "-",
            (("sync_local_fast_E", "E"), ("sync_local_fast_I", "I"), ("sync_local_fast_all", "E+I")),
        ),
        Panel(
            "Fast global synchrony (slow co-variation removed)",
            "-",
            (("sync_global_fast_E", "E"), ("sync_global_fast_I", "I"), ("sync_global_fast_all", "E+I")),
        ),
        Panel(
            "S.d. of the pairwise correlations",
            "-",
            (("sync_local_sd_E", "E"), ("sync_local_sd_I", "I"), ("sync_local_sd_all", "E+I")),
        ),
        Panel(
            "Neurons in the synchrony sample", "count", (("sync_n_E", "E"), ("sync_n_I", "I"), ("sync_n_all", "E+I"))
        ),
    ),
    "astrocytes": (
        Panel("Ca_astro", "µM", (("ca_mean", "mean"), ("ca_sd", "s.d. across astrocytes"), ("ca_peak", "peak"))),
        Panel("IP3", "µM", (("ip3_mean", "mean"), ("ip3_sd", "s.d. across astrocytes"), ("ip3_peak", "peak"))),
        Panel(
            "Astrocytes whose Ca crosses the threshold", "fraction", (("ca_fraction_above", "fraction"),), (-0.05, 1.05)
        ),
        Panel(
            "First Ca threshold crossing",
            "ms",
            (("ca_first_crossing_ms", "earliest"), ("ca_first_crossing_median_ms", "median")),
        ),
        Panel(
            "Slow inward current I_SIC",
            "pA",
            (("sic_mean", "mean"), ("sic_sd", "s.d. across neurons"), ("sic_peak", "peak")),
        ),
    ),
}
