"""Ctrl-C during `plenary run` whose KeyboardInterrupt is swallowed (numba raises it inside a ctypes callback, which
Python prints as "Exception ignored" and drops): the folder must still not be published."""

import signal, pytest
from pathlib import Path
from sim import io

def test_a_swallowed_ctrl_c_still_stops_the_folder_from_being_published(tmp_path):
    final = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        with io.interruptible():
            with io.atomic_dir(final) as tmp:
                (tmp / "a.txt").write_text("x")
                try:                                  # what a ctypes callback does with the exception
                    signal.raise_signal(signal.SIGINT)
                except KeyboardInterrupt:
                    pass
    assert not final.exists() and list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
