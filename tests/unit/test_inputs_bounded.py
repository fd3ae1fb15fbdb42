"""Inputs checked where they are read (issue 17): YAML, traces, sweeps and terminal output.

Each test is a hand-made case of one defect the issue lists, or of its sibling.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import pytest

from costsim.errors import InputError, printable
from costsim.report.doc import md_escape
from costsim.report.html import inline
from costsim.scenario import scenario_from_text
from costsim.sweep import Axis, run_sweep
from costsim.sweep.lock import sweep_folder_lock
from costsim.sweep.runner import check_scheduler
from costsim.traffic.trace_io import read_timestamps
from costsim.yamlio import load_yaml_text

BASE = """\
name: t
description: {description}
horizon: 60s
traffic: {{profile: constant, mean_rps: 1}}
workload:
  duration: {{dist: fixed, value: 40ms}}
options:
  - {{name: vps, kind: vps, instance: hetzner-cx33, count: 1, workers: 4}}
"""


def test_an_impossible_date_in_free_text_is_just_text() -> None:
    """``description: 2026-09-31`` used to fail inside the YAML library: it is a description."""
    scn = scenario_from_text(BASE.format(description="2026-09-31"))
    assert scn.description == "2026-09-31"


def test_an_impossible_date_where_a_date_belongs_names_its_line() -> None:
    """A catalog's ``as_of: 2026-09-31`` is refused at its line and field."""
    from costsim.pricing.catalog import parse_catalog

    text = (
        "catalog: x\nversion: '2026-01'\ntitle: X\nkind: server\nprovider: X\nregion: r\n"
        "currency: USD\nas_of: 2026-09-31\nsource: https://example.com\n"
        "items: {box: {vcpu: 1, usd_per_month: 1}}\n"
    )
    data, lines = load_yaml_text(text, "c.yaml")
    with pytest.raises(InputError) as info:
        parse_catalog(data, "c.yaml", lines)
    assert info.value.one_line().startswith("c.yaml:8: as_of: ")


def test_yaml_merge_keys_work_and_written_keys_win() -> None:
    """``<<: *base`` merges a mapping; keys written beside it override (YAML 1.1)."""
    data, _ = load_yaml_text(
        "base: &b {kind: vps, count: 1, workers: 4}\nopt:\n  <<: *b\n  count: 3\n", "m.yaml"
    )
    assert data["opt"] == {"count": 3, "kind": "vps", "workers": 4}
    with pytest.raises(InputError, match="merges mappings only") as info:
        load_yaml_text("a: &a 5\nb:\n  <<: *a\n", "m.yaml")
    assert info.value.line == 3


def test_a_csv_trace_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    """Spreadsheet exports start with a BOM; the time column is still found."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbftimestamp\n1.0\n2.5\n")
    times, durations = read_timestamps([str(path)])
    assert list(times) == [0.0, 1.5] and durations is None


@pytest.mark.parametrize("bad", ["nan", "-inf", "inf", "-1"])
def test_nan_infinite_and_negative_times_are_errors_with_their_line(
    tmp_path: Path, bad: str
) -> None:
    """They used to drop the whole trace silently (exit 0, 0 requests, $0.00)."""
    path = tmp_path / "t.csv"
    path.write_text(f"t\n1\n{bad}\n3\n")
    with pytest.raises(InputError) as info:
        read_timestamps([str(path)])
    assert info.value.one_line().startswith(f"{path}:3: t: ")


def test_parquet_times_are_checked_like_csv(tmp_path: Path) -> None:
    """A NaN in a Parquet log is refused at its row (the header counts as line 1)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"t": [0.0, 1.0, math.nan]}), path)
    with pytest.raises(InputError) as info:
        read_timestamps([str(path)])
    assert info.value.line == 4 and info.value.field == "t"


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    """Opening a FIFO for reading blocks until a writer comes; costsim looks first."""
    import os

    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        read_timestamps([str(fifo)])


def test_control_characters_never_reach_the_terminal() -> None:
    """Escape sequences and bidi overrides from YAML keys are shown as escapes."""
    line = InputError("unknown field 'a\x1b[2J'", file="s.yaml", line=3).one_line()
    assert "\x1b" not in line and "\\x1b[2J" in line
    assert printable("abc\u202edef") == "abc\\u202edef"


def test_rich_prints_user_text_as_written(capsys) -> None:
    """No emoji substitution (``log:a:b:3``) and no markup from user text."""
    from rich.console import Console

    from costsim.cli.common import safe

    buf = io.StringIO()
    Console(file=buf, emoji=False, width=200).print(f"sweep {safe('log:a:b:3 [bold]x[/bold]')}")
    assert buf.getvalue().strip() == "sweep log:a:b:3 [bold]x[/bold]"


def test_user_text_in_reports_is_escaped() -> None:
    """HTML and Markdown in a description show as written in report.md and report.html."""
    text = md_escape("<script>x</script> **big** [a](b)")
    assert "<script>" not in text and "\\*\\*big" in text
    html = inline(text)
    assert "&lt;script&gt;" in html and "<strong>" not in html and "**big**" in html


def test_a_sum_with_a_replay_runs(tmp_path: Path) -> None:
    """``sum`` of a profile and a replay used to fail: 'a replayed trace has no analytic
    expected count'."""
    from costsim.simulate import simulate

    trace = tmp_path / "r.csv"
    trace.write_text("t\n" + "".join(f"{i}\n" for i in range(20)))
    text = BASE.format(description="x").replace(
        "traffic: {profile: constant, mean_rps: 1}",
        "traffic: {sum: [{profile: constant, mean_rps: 1}, "
        "{profile: replay, format: timestamps, path: r.csv}]}",
    )
    (tmp_path / "s.yaml").write_text(text)
    from costsim.scenario import load_scenario

    result = simulate(load_scenario(tmp_path / "s.yaml"), engine="simpy")
    assert result.options[0].arrived > 20


def test_a_sweep_grid_is_guarded_before_it_is_built(tmp_path: Path) -> None:
    """Two axes of 10,000 values each: refused at once (it ran out of memory after 28 s)."""
    scn = scenario_from_text(BASE.format(description="x"))
    axes = [Axis("traffic.mean_rps", tuple(range(1, 10_001))), Axis("seed", tuple(range(10_000)))]
    with pytest.raises(InputError, match="100,000,000 runs"):
        run_sweep(scn, axes, out=tmp_path / "o")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("address", ["notaurl", "http://x:80", "tcp://h:99999", "tcp://"])
def test_scheduler_addresses_are_checked(address: str) -> None:
    """``--scheduler notaurl`` used to be an internal error."""
    with pytest.raises(InputError) as info:
        check_scheduler(address)
    assert info.value.field == "--scheduler"
    assert check_scheduler("127.0.0.1:8786") == "tcp://127.0.0.1:8786"


def test_a_second_sweep_process_into_a_folder_is_refused_while_the_first_runs(
    tmp_path: Path,
) -> None:
    """The lock is held for the sweep's whole run; another one is told to wait."""
    identity = {"scenario": "t", "vary": ["x (2 values)"], "engine": "fast", "digest": "d1"}
    with (
        sweep_folder_lock(tmp_path / "o", identity),
        pytest.raises(InputError, match=r"another costsim sweep \(pid"),
        sweep_folder_lock(tmp_path / "o", identity),
    ):
        pass
    with sweep_folder_lock(tmp_path / "o", identity):  # released: the same sweep resumes
        pass
    other = {**identity, "digest": "d2"}
    with (
        pytest.raises(InputError, match=r"holds another sweep \(scenario 't' varying x"),
        sweep_folder_lock(tmp_path / "o", other),
    ):
        pass


def test_main_reports_memory_exhaustion_in_one_line(monkeypatch, capsys, tmp_path) -> None:
    """Out of memory is a size problem of the input, said in one line (exit 2)."""
    from costsim.cli import main

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    (tmp_path / "s.yaml").write_text(BASE.format(description="x"))
    monkeypatch.setattr(sys.modules["costsim.simulate"], "simulate", exhausted)
    monkeypatch.setattr(sys, "argv", ["costsim", "run", str(tmp_path / "s.yaml")])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and err.startswith("error: out of memory") and "\n" not in err
