"""A run's results in Python: ``load_run`` and ``load_experiment``::

    from astronet import load_run, load_experiment
    run = load_run("results/reference/rng_seed-143202461")
    run.spikes, run.astrocytes, run.neurons      # pandas DataFrames (units in run.units)
    run.parameters, run.metadata, run.metrics    # dicts (metrics: None before the metrics rule ran)
    block = run.to_neo()                         # Neo Block: SpikeTrains and AnalogSignals with units
    exp = load_experiment("results/coupling")
    exp.table                                    # one row per run (runs.parquet), exp.summary per point
    exp.concat("spikes")                         # the spikes of every run, with its run and swept values

Tables are read when first used and kept, each checked against the checksums that its run's
metadata.json records (:mod:`astronet.data.integrity`): a damaged file raises ``DamagedFileError`` naming
it and how to rebuild it. Everything here only reads a run's directory; nothing needs NEST or
Snakemake.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from astronet.config.run_quantities import recorded_neuron_ids, recording_window
from astronet.data.integrity import REBUILD, DamagedFileError, file_problem, load_metadata, load_metrics, read_table
from astronet.data.layout import METADATA, SUMMARY, table_file
from astronet.data.units import UNITS, units_of

TABLE_KINDS = ("spikes", "astrocytes", "neurons")


class RunResults:
    """The outputs of one run directory, ``results/<experiment>/<run>/``."""

    def __init__(self, path):
        self.path = Path(path)
        if not (self.path / METADATA).is_file():
            raise FileNotFoundError(
                f"{self.path}: no metadata.json; is this a run directory whose aggregation has run?"
            )

    def __repr__(self) -> str:
        return f"RunResults({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def experiment(self) -> str:
        return self.path.parent.name

    @cached_property
    def metadata(self) -> dict:
        """The run's metadata.json (checked), with NEST version and build, provenance, populations,
        connections and timers."""
        return load_metadata(self.path / METADATA)

    @property
    def parameters(self) -> dict:
        """The run's complete parameter set."""
        return self.metadata["parameters"]

    @cached_property
    def metrics(self) -> dict | None:
        """metrics.json (metrics, analysis window, settings), or None if the metrics rule has not run."""
        path = self.path / "metrics.json"
        return load_metrics(path) if path.is_file() else None

    @property
    def point(self) -> dict:
        """The swept values and rng_seed of this run (from metrics.json; just rng_seed without it)."""
        return dict(self.metrics["point"]) if self.metrics else {"rng_seed": self.parameters["rng_seed"]}

    @property
    def recording_window(self) -> tuple[float, float]:
        """``(start, end)`` ms of NEST's time (:func:`astronet.config.run_quantities.recording_window`):
        samples and spikes lie in ``(start, end]``."""
        return recording_window(self.parameters)

    @cached_property
    def recorded_neurons(self) -> dict:
        """Node ids of the neurons whose spikes were recorded, per population (E, I)."""
        return recorded_neuron_ids(self.metadata)

    def table(self, kind: str):
        """One of the run's aggregated tables, read when first asked for and kept.

        Parameters
        ----------
        kind : str
            ``spikes``, ``astrocytes`` or ``neurons``.

        Returns
        -------
        pandas.DataFrame
            The table; its columns' units are in ``DataFrame.attrs["units"]``.

        Raises
        ------
        ValueError
            For another ``kind``.
        astronet.data.integrity.DamagedFileError
            If the file does not match the checksum that ``metadata.json`` records.
        """
        if kind not in TABLE_KINDS:
            raise ValueError(f"unknown table {kind!r}; one of {', '.join(TABLE_KINDS)}")
        cache = self.__dict__.setdefault("_tables", {})
        if kind not in cache:
            table = read_table(self.path / table_file(kind), self.metadata)
            df = table.to_pandas()
            df.attrs["units"] = units_of(table.schema) or {c: UNITS[c] for c in df.columns if c in UNITS}
            cache[kind] = df
        return cache[kind]

    spikes = property(lambda self: self.table("spikes"), doc="every recorded spike (sender, time in ms, population)")
    astrocytes = property(
        lambda self: self.table("astrocytes"), doc="sampled astrocytes (sender, time in ms, IP3 and Ca_astro in µM)"
    )
    neurons = property(lambda self: self.table("neurons"), doc="sampled neurons (sender, time in ms, I_SIC in pA)")

    @property
    def units(self) -> dict[str, str]:
        """Column -> unit of the three tables, as stored in their Parquet schema."""
        import pyarrow.parquet as pq

        out = {}
        for kind in TABLE_KINDS:
            out.update(units_of(pq.read_schema(self.path / table_file(kind))))
        return out

    @cached_property
    def summary(self):
        """The run's summary.csv (checked), with counts, mean rate and mean Ca / IP3 / I_SIC per population."""
        import pandas as pd

        path = self.path / SUMMARY
        problem = file_problem(path, self.metadata)
        if problem:
            raise DamagedFileError(f"{path} {problem}; {REBUILD}")
        return pd.read_csv(path)

    def to_neo(self):
        """The run as a Neo ``Block`` (see :func:`astronet.data.neo_export.to_neo`)."""
        from astronet.data.neo_export import to_neo

        return to_neo(self)


def load_run(path) -> RunResults:
    """The results of one run.

    Parameters
    ----------
    path : str or pathlib.Path
        The run's directory, ``results/<experiment>/<run>``.

    Returns
    -------
    RunResults
        Its tables, parameters, metadata and metrics, each read when first used.

    Raises
    ------
    FileNotFoundError
        If the directory has no ``metadata.json`` (its aggregation has not run).
    """
    return RunResults(path)


class ExperimentResults:
    """The runs of one experiment directory, ``results/<experiment>/``.

    Its runs are those its table ``runs.parquet`` lists, in that order: other directories under it
    (a run moved aside, say) are not among them, so ``table``, ``concat`` and iteration agree. Before
    the experiment's tables exist, every directory with a ``metadata.json`` is a run."""

    def __init__(self, path):
        self.path = Path(path)
        if (self.path / "runs.parquet").is_file():
            names = [str(name) for name in self.table["run"]]
            missing = [name for name in names if not (self.path / name / METADATA).is_file()]
            if missing:
                raise FileNotFoundError(
                    f"{self.path / 'runs.parquet'} lists runs without a metadata.json under {self.path}: "
                    f"{', '.join(missing)}; run the workflow again to bring the experiment's tables up to date"
                )
            dirs = [self.path / name for name in names]
        else:
            dirs = sorted(p.parent for p in self.path.glob("*/metadata.json"))
        if not dirs:
            raise FileNotFoundError(f"{self.path}: no run with a metadata.json under it")
        self.runs = {d.name: RunResults(d) for d in dirs}

    def __repr__(self) -> str:
        return f"ExperimentResults({str(self.path)!r}, {len(self.runs)} runs)"

    @property
    def name(self) -> str:
        return self.path.name

    def __iter__(self):
        return iter(self.runs.values())

    def __len__(self) -> int:
        return len(self.runs)

    def __getitem__(self, name: str) -> RunResults:
        return self.runs[name]

    @cached_property
    def table(self):
        """One row per run (swept values, rng_seed, metrics, cost, provenance), from runs.parquet, else
        built from the runs' metrics.json and metadata.json."""
        import pandas as pd

        path = self.path / "runs.parquet"
        if path.is_file():
            return pd.read_parquet(path)
        from astronet.analysis.sweep_tables import runs_table

        analysed = [run for run in self.runs.values() if run.metrics]
        return runs_table([run.metrics for run in analysed], metadata=[run.metadata for run in analysed])

    @cached_property
    def summary(self):
        """One row per grid point (n_seeds, mean / ci95 / n of every metric) from summary.parquet, or None."""
        import pandas as pd

        path = self.path / "summary.parquet"
        return pd.read_parquet(path) if path.is_file() else None

    def concat(self, kind: str):
        """One table of every run in one DataFrame.

        Parameters
        ----------
        kind : str
            ``spikes``, ``astrocytes`` or ``neurons`` (:meth:`RunResults.table`).

        Returns
        -------
        pandas.DataFrame
            The runs' tables one below the other, with columns ``run`` and the run's point (swept
            values, ``rng_seed``) first.
        """
        import pandas as pd

        frames = []
        for run in self.runs.values():
            df = run.table(kind)
            extra = {"run": run.name, **run.point}
            frames.append(df.assign(**extra)[[*extra, *df.columns]])
        out = pd.concat(frames, ignore_index=True)
        out.attrs["units"] = frames[0].attrs.get("units", {})
        return out


def load_experiment(path) -> ExperimentResults:
    """The runs of one experiment.

    Parameters
    ----------
    path : str or pathlib.Path
        The experiment's directory, ``results/<experiment>``.

    Returns
    -------
    ExperimentResults
        Its runs (those its ``runs.parquet`` lists) and its tables.

    Raises
    ------
    FileNotFoundError
        If it holds no run, or ``runs.parquet`` lists a run without a ``metadata.json``.
    """
    return ExperimentResults(path)
