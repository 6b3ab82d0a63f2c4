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
