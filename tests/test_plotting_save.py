"""sim.plotting.save computes the tight bounding box once for every format: the files must be framed as
``bbox_inches="tight"`` frames them (nothing cut off, no extra margin)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from sim import plotting  # noqa: E402


def _figure():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(np.arange(10), np.arange(10) ** 2, label="a long legend entry that reaches the right edge")
    ax.set_xlabel("session")
    ax.set_ylabel("draft text (points, 0-100)")
    ax.set_title("A title wider than the axes, to be kept whole by the tight frame")
    ax.legend(loc="upper left", bbox_to_anchor=(0.6, 1.0))
    fig.tight_layout()
    return fig


def test_saved_png_has_the_frame_of_a_tight_savefig(tmp_path):
    _figure().savefig(tmp_path / "tight.png", dpi=300, bbox_inches="tight")
    paths = plotting.save(_figure(), tmp_path, "once", "caption")
    tight, once = imread(tmp_path / "tight.png"), imread(tmp_path / "once.png")
    assert abs(tight.shape[0] - once.shape[0]) <= 3 and abs(tight.shape[1] - once.shape[1]) <= 3
    assert tight.shape[1] > 6 * 300 + 30                  # the legend outside the axes widened the frame
    assert {p.name for p in paths} == {"once.png", "once.svg", "once.pdf"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["tight.png", "once.caption.txt",
                                                                 *(p.name for p in paths)])   # no temporaries


def test_save_all_writes_the_files_save_writes_from_forked_children(tmp_path):
    plt.close("all")
    plotting.save(_figure(), tmp_path / "one", "fig", "a caption")
    plotting.save(_figure(), tmp_path / "one", "other", "another")
    paths = plotting.save_all([(_figure(), "fig", "a caption"), (_figure(), "other", "another")], tmp_path / "all",
                              jobs=2)
    assert [p.name for p in paths] == ["fig.png", "fig.svg", "fig.pdf", "other.png", "other.svg", "other.pdf"]
    one, side = sorted(p.name for p in (tmp_path / "one").iterdir()), sorted(p.name for p in (tmp_path / "all").iterdir())
    assert one == side and len(side) == 8                                     # 2 x 3 formats + 2 captions, no temp
    for name in ("fig.png", "other.png", "fig.caption.txt"):                  # PNG and text byte for byte
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "all" / name).read_bytes(), name
    for name in ("fig.svg", "fig.pdf"):
        assert (tmp_path / "all" / name).stat().st_size > 1000
    assert plt.get_fignums() == []                                            # every figure closed


def test_a_format_that_fails_in_a_child_raises_its_error_here_and_leaves_no_file(tmp_path, monkeypatch):
    write = plotting._write_format

    def broken(fig, box, path, ext):
        if ext == "svg":
            raise RuntimeError("svg backend broken")
        return write(fig, box, path, ext)

    monkeypatch.setattr(plotting, "_write_format", broken)        # the forked children inherit it too
    plt.close("all")
    try:
        plotting.save_all([(_figure(), "fig", "c"), (_figure(), "other", "c")], tmp_path, jobs=2)
    except RuntimeError as exc:
        assert "svg backend broken" in str(exc)
    else:
        raise AssertionError("the failed format was not reported")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "fig.svg" not in names and "other.svg" not in names
    assert not [n for n in names if n.startswith(".")]                        # no temporaries left behind
    assert {"fig.png", "fig.pdf", "other.png", "other.pdf"} <= set(names)    # the children that worked kept theirs
    assert plt.get_fignums() == []
