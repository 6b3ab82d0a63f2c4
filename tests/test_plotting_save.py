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
