"""Ctrl-C during `plenary run` whose KeyboardInterrupt is swallowed (numba raises it inside a ctypes callback, which
Python prints as "Exception ignored" and drops): the folder must still not be published."""

import contextlib
import signal

import pytest

from sim import io


@pytest.fixture(autouse=True)
def _ctrl_c_as_in_a_terminal():
    """A test runner started in the background (``pytest &``) inherits SIGINT ignored; a terminal does not."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def test_a_swallowed_ctrl_c_still_stops_the_folder_from_being_published(tmp_path):
    final = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), io.interruptible(), io.atomic_dir(final) as tmp:
        (tmp / "a.txt").write_text("x")
        with contextlib.suppress(KeyboardInterrupt):        # what a ctypes callback does with the exception
            signal.raise_signal(signal.SIGINT)
    assert not final.exists() and list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_a_ctrl_c_the_folder_is_published(tmp_path):
    with io.interruptible(), io.atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("x")
    assert (tmp_path / "out" / "a.txt").read_text() == "x"


def test_a_sigterm_turned_into_another_error_inside_a_cell_is_an_interruption_not_a_failure(tmp_path, monkeypatch):
    # What the CI run showed: SIGTERM's Interrupted raised inside a numba-compiled call comes out as "SystemError:
    # CPUDispatcher(...) returned a result with an exception set"; the cell must not be recorded as failed.
    from experiments import launchers
    from experiments import sweep as sw

    def run_cell(cfg, cell, folder):
        with contextlib.suppress(launchers.Interrupted):
            signal.raise_signal(signal.SIGTERM)              # the handler runs and raises Interrupted ...
        raise SystemError("CPUDispatcher(<function f>) returned a result with an exception set")   # ... transformed

    monkeypatch.setattr(sw, "run_cell", run_cell)
    cell = sw.Cell("abc", ("x=1",), {"x": "1"})
    with pytest.raises(launchers.Interrupted) as stop, launchers.signals():
        sw.run_one(None, cell, tmp_path)
    assert stop.value.signum == signal.SIGTERM
    assert not (tmp_path / "failed").exists()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL and launchers._SIGNALLED == []


def test_an_ordinary_cell_error_is_still_a_failure(tmp_path, monkeypatch):
    from experiments import launchers
    from experiments import sweep as sw

    monkeypatch.setattr(sw, "run_cell", lambda cfg, cell, folder: (_ for _ in ()).throw(SystemError("a real bug")))
    with launchers.signals():
        assert sw.run_one(None, sw.Cell("abc", ("x=1",), {"x": "1"}), tmp_path) == "failed"
    assert (tmp_path / "failed" / "abc.json").is_file()
