"""The worker-memory benchmark's pure parts: reading /proc, keeping the peaks, the worker's
command line, and the data set's sizes (no database, no worker; nothing timed)."""

import pytest

from bench import dataset, worker_memory
from bench.__main__ import SMALL, build_parser, parse
from bench.dashboard import sizes_from
from bench.worker_memory import Peaks, Sampler, children_of, parent_of, status_kb

STATUS = """Name:\tcelery
State:\tS (sleeping)
Pid:\t4242
PPid:\t4200
VmPeak:\t  812345 kB
VmHWM:\t  250112 kB
VmRSS:\t  180224 kB
Threads:\t4
"""


def test_status_gives_the_resident_set_and_its_high_water_mark():
    assert status_kb(STATUS) == {"VmRSS": 180224, "VmHWM": 250112}


def test_a_zombies_status_without_memory_lines_reads_as_zero():
    assert status_kb("Name:\tcelery\nState:\tZ (zombie)\n") == {"VmRSS": 0, "VmHWM": 0}


def test_the_parent_is_read_after_the_last_parenthesis_of_the_command():
    assert parent_of("4242 (celery) S 4200 4242 4200 0 -1") == 4200
    assert parent_of("4243 (ForkPoolWorker-1 (x)) R 4242 4242 4200 0 -1") == 4242


def _proc(tmp_path, processes: dict[int, tuple[int, str]]):
    for pid, (ppid, status) in processes.items():
        folder = tmp_path / str(pid)
        folder.mkdir()
        (folder / "stat").write_text(f"{pid} (celery) S {ppid} {pid} 1 0 -1")
        (folder / "status").write_text(status)
    (tmp_path / "self").mkdir()  # not a pid: skipped
    return tmp_path


def test_children_are_the_processes_whose_parent_is_the_worker(tmp_path):
    proc = _proc(tmp_path, {10: (1, STATUS), 11: (10, STATUS), 12: (10, STATUS), 13: (11, STATUS)})

    assert sorted(children_of(10, proc)) == [11, 12]


def _status(rss_mb: int, hwm_mb: int) -> str:
    return f"VmHWM:\t{hwm_mb * 1024} kB\nVmRSS:\t{rss_mb * 1024} kB\n"


def test_the_sampler_keeps_each_processs_peak_and_each_jobs_largest_child(tmp_path):
    proc = _proc(tmp_path, {10: (1, _status(120, 125)), 11: (10, _status(90, 140))})
    peaks = Peaks(main_pid=10)
    sampler = Sampler(peaks, 0.01, proc)

    peaks.job = "forecast"
    sampler.sample()
    (proc / "11" / "status").write_text(_status(200, 210))
    sampler.sample()
    peaks.job = "review"
    (proc / "11" / "status").write_text(_status(100, 210))
    sampler.sample()

    assert peaks.processes[10].role == "main"
    assert peaks.processes[10].peak_mb == 125  # its high-water mark: a spike between samples
    assert peaks.processes[11].peak_mb == 210
    assert peaks.largest.pid == 11
    # A job is judged by the resident set while it ran: the child's mark covers earlier jobs.
    assert peaks.jobs == {"forecast": 200, "review": 100}
    assert [p.pid for p in peaks.children] == [11]


def test_a_child_that_went_away_keeps_its_last_peak(tmp_path):
    proc = _proc(tmp_path, {10: (1, _status(120, 120)), 11: (10, _status(290, 295))})
    peaks = Peaks(main_pid=10)
    sampler = Sampler(peaks, 0.01, proc)
    sampler.sample()
    for name in ("stat", "status"):
        (proc / "11" / name).unlink()
    (proc / "11").rmdir()  # replaced by the pool (worker_max_memory_per_child)

    sampler.sample()

    assert peaks.processes[11].peak_mb == 295
    assert peaks.largest.pid == 11


def test_the_worker_starts_as_production_starts_it():
    from wms.stack import read_config, server_commands

    production = server_commands(read_config({"CELERY_CONCURRENCY": "3"}))["Celery worker"]
    ours = worker_memory.worker_command(concurrency=3, name="bench@here")

    assert ours[ours.index("-n") + 1] == "bench@here"
    assert [a for a in ours if a != "bench@here"] == [
        a for a in production if a != production[production.index("-n") + 1]
    ]
    assert "--pool=solo" not in ours
    assert "--concurrency" in ours


def test_the_settings_give_every_pool_child_a_memory_limit(settings):
    assert 0 < settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD <= 300_000  # KiB


# --- the data set's sizes -------------------------------------------------------------------------


def test_the_large_profile_is_the_issues_and_small_is_smaller():
    large = sizes_from(parse(build_parser()[0], []))
    small = sizes_from(parse(build_parser()[0], ["--profile", "small"]))

    assert (large.bins, large.products, large.quants, large.moves) == (
        20_000,
        50_000,
        200_000,
        2_000_000,
    )
    assert (small.bins, small.products) == (SMALL["dash_bins"], SMALL["dash_products"])
    assert large.per_bin == 10
    assert large.aisles == 100
    assert small.per_bin == 5


def test_sizes_that_cannot_be_built_are_refused_clearly():
    with pytest.raises(ValueError, match="bins must be at least 1, not 0"):
        dataset.Sizes(bins=0, products=1, quants=1, moves=1)
    with pytest.raises(ValueError, match="11 quants do not fit 2 bins of 5 products"):
        dataset.Sizes(bins=2, products=5, quants=11, moves=1)


def test_the_command_line_refuses_impossible_sizes_naming_the_benchmark():
    args = parse(build_parser()[0], ["--dash-bins", "1", "--dash-products", "1"])

    with pytest.raises(SystemExit, match="dashboard: 200,000 quants do not fit 1 bins"):
        sizes_from(args)


def test_a_size_of_zero_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        parse(build_parser()[0], ["--dash-bins", "0"])
    assert "--dash-bins" in capsys.readouterr().err
