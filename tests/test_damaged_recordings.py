"""Aggregation of missing, truncated or corrupt per-rank recordings fails, naming the run and the file.

One tiny run is simulated with NEST; its rank files are then split into two ranks (by sender
parity, exactly as two MPI ranks would hold them) so that multi-rank damage can be tried without
MPI. For every kind of damage, aggregate() must raise RecordingError naming the run and the file,
and leave the run directory as it was: no table, no summary, no metadata, no temporary file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from astronet.config.parameters import validate_params
from astronet.config.schema import param_defaults
from astronet.data import aggregate as agg
from astronet.data.aggregate import RecordingError, aggregate
from astronet.data.integrity import DamagedFileError, file_problem, load_metadata, read_table
from astronet.data.layout import TABLES, metadata_file, rank_file
from workflow_support import simulate_step

OUTPUTS = ["spikes.parquet", "astrocytes.parquet", "neurons.parquet", "summary.csv", "metadata.json"]
TINY = {"sim_time": 200.0, "chunk_ms": 20.0, "n_vp": 1, "N_ex": 80, "N_in": 20, "N_astro": 100, "N_rec_mm": 5}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    """A real one-rank recording of a tiny network."""
    tmp = tmp_path_factory.mktemp("simulated")
    simulate_step(tmp, validate_params({**param_defaults(), **TINY}))
    return tmp / "raw"


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", write_page_checksum=True)


def split_into_two_ranks(raw: Path) -> None:
    """Rewrite a one-rank recording as the two ranks of an MPI run (nodes alternate between ranks)."""
    meta0 = json.loads((raw / metadata_file(0)).read_text())
    metas = [{**meta0, "rank": r, "n_ranks": 2, "rows": {}, "files": {}} for r in (0, 1)]
    for kind in TABLES:
        table = pq.read_table(raw / rank_file(kind, 0))
        for r, meta in enumerate(metas):
            part = table.filter(pc.equal(pc.bit_wise_and(table.column("sender"), 1), r))
            _write(part, raw / rank_file(kind, r))
            meta["rows"][kind] = part.num_rows
            meta["files"][kind] = rank_file(kind, r)
    for r, meta in enumerate(metas):
        (raw / metadata_file(r)).write_text(json.dumps(meta))


@pytest.fixture
def run_dir(simulated, tmp_path) -> Path:
    """A run directory holding a two-rank copy of the recording, and nothing else."""
    run = tmp_path / "results" / "exp" / "run-1"
    run.mkdir(parents=True)
    shutil.copytree(simulated, run / "raw")
    split_into_two_ranks(run / "raw")
    return run


def assert_refused(run: Path, file: str, *fragments: str) -> None:
    before = sorted(p.name for p in run.iterdir())
    with pytest.raises(RecordingError) as err:
        aggregate(run / "raw", run)
    message = str(err.value)
    assert f"run {run}" in message and str(run / "raw" / file) in message, message
    for fragment in fragments:
        assert fragment in message, message
    assert sorted(p.name for p in run.iterdir()) == before, "aggregation left files behind"


def test_two_ranks_aggregate_like_one(simulated, run_dir, tmp_path):
    single = tmp_path / "single"
    shutil.copytree(simulated, single / "raw")
    aggregate(single / "raw", single)
    aggregate(run_dir / "raw", run_dir)
    for name in ("spikes", "astrocytes", "neurons"):
        assert pq.read_table(run_dir / f"{name}.parquet").equals(pq.read_table(single / f"{name}.parquet")), name
        assert pq.read_table(run_dir / f"{name}.parquet").num_rows > 0
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(["raw", *OUTPUTS])


# --- damaged Parquet files --------------------------------------------------------------------


def test_truncated_rank_file(run_dir):
    path = run_dir / "raw" / rank_file("spikes", 1)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert_refused(run_dir, path.name, "unreadable, truncated or corrupt")


def test_rank_file_missing_its_last_bytes(run_dir):
    path = run_dir / "raw" / rank_file("neurons", 0)
    path.write_bytes(path.read_bytes()[:-3])
    assert_refused(run_dir, path.name, "unreadable, truncated or corrupt")


def test_empty_rank_file(run_dir):
    path = run_dir / "raw" / rank_file("astrocytes", 1)
    path.write_bytes(b"")
    assert_refused(run_dir, path.name, "unreadable, truncated or corrupt")


def test_corrupt_bytes_in_data_page(run_dir):
    path = run_dir / "raw" / rank_file("astrocytes", 0)
    first_page = pq.ParquetFile(path).metadata.row_group(0).column(2).data_page_offset
    data = bytearray(path.read_bytes())
    for i in range(first_page + 20, first_page + 28):  # inside the first page of the IP3 column
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    assert_refused(run_dir, path.name, "unreadable, truncated or corrupt")


def test_no_flipped_byte_goes_unnoticed(run_dir):
    """A flipped byte anywhere in a rank file is refused, or it changed nothing the tables hold."""
    raw = run_dir / "raw"
    path = raw / rank_file("neurons", 1)
    original = path.read_bytes()
    reference = pq.read_table(path)
    metas = agg.read_rank_metadata(raw)
    outcomes = {"refused": 0, "unchanged": 0}
    for offset in range(0, len(original), max(1, len(original) // 60)):
        data = bytearray(original)
        data[offset] ^= 0x5A
        path.write_bytes(bytes(data))
        try:
            table = agg._read_table(raw, "neurons", metas)
        except RecordingError as err:
            assert str(path) in str(err)
            outcomes["refused"] += 1
            continue
        assert table.filter(pc.equal(pc.bit_wise_and(table.column("sender"), 1), 1)).equals(reference), (
            f"byte {offset} changed the data silently"
        )
        outcomes["unchanged"] += 1
    assert outcomes["refused"] > 20, outcomes


def test_missing_rank_file(run_dir):
    (run_dir / "raw" / rank_file("spikes", 1)).unlink()
    assert_refused(run_dir, rank_file("spikes", 1), "missing")


def test_row_count_differs_from_metadata(run_dir):
    path = run_dir / "raw" / rank_file("spikes", 0)
    table = pq.read_table(path)
    _write(table.slice(0, table.num_rows - 1), path)  # a valid file that lost its last row
    assert_refused(run_dir, path.name, f"has {table.num_rows - 1} rows, rank 0 wrote {table.num_rows}")


def test_wrong_columns(run_dir):
    path = run_dir / "raw" / rank_file("neurons", 1)
    table = pq.read_table(path)
    _write(table.rename_columns(["sender", "time", "V_m"]), path)
    assert_refused(run_dir, path.name, "has columns ['sender', 'time', 'V_m']")


def test_sender_ids_outside_the_population(run_dir):
    path = run_dir / "raw" / rank_file("astrocytes", 1)
    table = pq.read_table(path)
    _write(table.set_column(0, "sender", pc.add(table.column("sender"), 10**6)), path)
    assert_refused(run_dir, path.name, "sender ids", "outside the recorded population")


def test_times_outside_the_simulation(run_dir):
    path = run_dir / "raw" / rank_file("spikes", 0)
    table = pq.read_table(path)
    _write(table.set_column(1, "time", pc.add(table.column("time"), 1000.0)), path)
    assert_refused(run_dir, path.name, "outside the recorded (0, 200] ms")


def test_left_over_file_of_another_rank_count(run_dir):
    shutil.copy(run_dir / "raw" / rank_file("spikes", 1), run_dir / "raw" / rank_file("spikes", 2))
    assert_refused(run_dir, rank_file("spikes", 2), "unexpected: the run had 2 rank(s)")


# --- damaged metadata -------------------------------------------------------------------------


def _edit_metadata(run: Path, rank: int, edit) -> None:
    path = run / "raw" / metadata_file(rank)
    meta = json.loads(path.read_text())
    edit(meta)
    path.write_text(json.dumps(meta))


def test_missing_metadata_of_a_rank(run_dir):
    (run_dir / "raw" / metadata_file(1)).unlink()
    assert_refused(run_dir, metadata_file(1), "missing (rank 0 says the run had 2 ranks)")


def test_missing_metadata_of_rank_0(run_dir):
    (run_dir / "raw" / metadata_file(0)).unlink()
    assert_refused(run_dir, metadata_file(0), "missing")


def test_metadata_claims_more_ranks(run_dir):
    _edit_metadata(run_dir, 0, lambda m: m.update(n_ranks=3))
    assert_refused(run_dir, metadata_file(1), "says the run had 2 ranks, rank 0 says 3")


def test_metadata_of_a_missing_rank(run_dir):
    for rank in (0, 1):
        _edit_metadata(run_dir, rank, lambda m: m.update(n_ranks=3))
    assert_refused(run_dir, metadata_file(2), "missing (rank 0 says the run had 3 ranks)")


def test_truncated_metadata(run_dir):
    path = run_dir / "raw" / metadata_file(1)
    path.write_text(path.read_text()[:100])
    assert_refused(run_dir, metadata_file(1), "corrupt metadata")


def test_binary_garbage_metadata(run_dir):
    (run_dir / "raw" / metadata_file(0)).write_bytes(b"\xff\xfe\x00garbage")
    assert_refused(run_dir, metadata_file(0), "corrupt metadata")


def test_metadata_without_row_counts(run_dir):
    _edit_metadata(run_dir, 1, lambda m: m.pop("rows"))
    assert_refused(run_dir, metadata_file(1), "incomplete metadata, without rows")


def test_recording_from_before_provenance_aggregates_with_none(run_dir):
    """Recordings written before metadata held provenance are complete; their provenance is null."""
    for rank in (0, 1):
        _edit_metadata(run_dir, rank, lambda m: m.pop("provenance"))
    meta = aggregate(run_dir / "raw", run_dir)
    assert meta["provenance"] is None and [r["host"] for r in meta["ranks"]] == [None, None]
    assert pq.read_table(run_dir / "spikes.parquet").num_rows > 0


def test_metadata_row_count_altered(run_dir):
    _edit_metadata(run_dir, 1, lambda m: m["rows"].update(neurons=m["rows"]["neurons"] + 5))
    assert_refused(run_dir, rank_file("neurons", 1), "rank 1 wrote")


def test_metadata_of_another_run(run_dir):
    _edit_metadata(run_dir, 1, lambda m: m["parameters"].update(rng_seed=7))
    assert_refused(run_dir, metadata_file(1), "parameters differ from rank 0's")


def test_missing_recordings_directory(run_dir):
    shutil.rmtree(run_dir / "raw")
    with pytest.raises(RecordingError, match=rf"run {run_dir}: {run_dir / 'raw'}: missing recordings directory"):
        aggregate(run_dir / "raw", run_dir)
    assert list(run_dir.iterdir()) == []


# --- outputs appear together or not at all ----------------------------------------------------------


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_failure_while_writing_tables_leaves_no_output(run_dir, monkeypatch, fail_at):
    calls = []
    real = pq.write_table

    def failing(table, where, **kw):
        calls.append(where)
        if len(calls) == fail_at:
            raise OSError(28, "No space left on device")
        return real(table, where, **kw)

    monkeypatch.setattr(agg.pq, "write_table", failing)
    with pytest.raises(OSError, match="No space left"):
        aggregate(run_dir / "raw", run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == ["raw"]


@pytest.mark.parametrize("fail_at", [1, 3, 5])
def test_failure_while_moving_outputs_in_place_leaves_no_output(run_dir, monkeypatch, fail_at):
    calls = []
    real = agg.os.replace

    def failing(src, dst):
        if Path(dst).parent == run_dir:
            calls.append(dst)
            if len(calls) == fail_at:
                raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(agg.os, "replace", failing)
    with pytest.raises(OSError, match="Input/output error"):
        aggregate(run_dir / "raw", run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == ["raw"]


def test_replacing_earlier_outputs_and_killed_leftovers(run_dir):
    aggregate(run_dir / "raw", run_dir)
    stale = run_dir / f"{agg.STAGING_PREFIX}99999999"  # left by an aggregation killed with SIGKILL
    stale.mkdir()
    (stale / "spikes.parquet").write_bytes(b"partial")
    first = {name: (run_dir / name).read_bytes() for name in OUTPUTS}
    aggregate(run_dir / "raw", run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(["raw", *OUTPUTS])
    for name in ("spikes.parquet", "summary.csv"):
        assert (run_dir / name).read_bytes() == first[name]


# --- the aggregated files carry checksums -------------------------------------------------------------


@pytest.mark.slow
def test_every_flipped_bit_of_an_aggregated_file_is_found(run_dir):
    """One flipped bit anywhere in a table, summary.csv or metadata.json is found on reading, naming
    the file (before checksums, 741 of 1 304 single-bit flips of a spikes.parquet decoded silently)."""
    aggregate(run_dir / "raw", run_dir)
    meta = load_metadata(run_dir / "metadata.json")
    assert set(meta["checksums"]) == {"spikes.parquet", "astrocytes.parquet", "neurons.parquet", "summary.csv"}
    for name in meta["checksums"]:
        path = run_dir / name
        original = path.read_bytes()
        for offset in range(len(original)):
            data = bytearray(original)
            data[offset] ^= 1 << (offset % 8)
            path.write_bytes(bytes(data))
            if name.endswith(".parquet"):
                with pytest.raises(DamagedFileError, match=rf"{path}"):
                    read_table(path, meta)
            else:
                assert file_problem(path, meta), offset
        path.write_bytes(original)
        assert read_table(path, meta).num_rows > 0 if name.endswith(".parquet") else file_problem(path, meta) is None
    path = run_dir / "metadata.json"
    original = path.read_bytes()
    for offset in range(0, len(original), 7):
        data = bytearray(original)
        data[offset] ^= 1 << (offset % 7)
        path.write_bytes(bytes(data))
        try:
            same = json.loads(bytes(data)) == meta  # e.g. the case of a hex digit in a \u escape
        except ValueError:
            same = False
        if not same:
            with pytest.raises(DamagedFileError, match=rf"{path} is damaged"):
                load_metadata(path)
