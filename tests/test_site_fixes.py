"""The site's page repairs that keep pages light (book/_ext/site_fixes.py), tested without a build."""
import importlib.util
import io
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

_PATH = Path(__file__).resolve().parents[1] / "book" / "_ext" / "site_fixes.py"
_spec = importlib.util.spec_from_file_location("site_fixes", _PATH)
site_fixes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_fixes)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("RGB"), dtype=float)
    y = np.asarray(b.convert("RGB"), dtype=float)
    mse = np.mean((x - y) ** 2)
    return np.inf if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


@pytest.fixture(scope="module")
def figure_png() -> bytes:
    """A chapter-like figure at 2x: filled contours, lines, markers, a shaded band and text."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7, 3), dpi=200)
    x, y = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
    left.contourf(x, y, (1 - x) ** 2 + 100 * (y - x ** 2) ** 2, levels=30)
    left.plot(np.linspace(-2, 1, 40), np.linspace(2, 1, 40), "o-", color="tab:orange", ms=3)
    t = np.linspace(0, 10, 300)
    right.semilogy(t, np.exp(-t) + 1e-3, label="loss")
    right.axvspan(2, 4, color="tab:green", alpha=0.15)
    right.legend()
    right.set_title("a title with words")
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def test_a_figure_keeps_its_look_at_a_fraction_of_the_bytes(figure_png):
    small = site_fixes.lighter_png(figure_png)
    assert small is not None
    drawn, light = Image.open(io.BytesIO(figure_png)), Image.open(io.BytesIO(small))
    assert light.mode == "P" and light.size == drawn.size
    assert len(small) < 0.6 * len(figure_png)
    assert _psnr(drawn, light) >= site_fixes._FIGURE_MIN_PSNR_DB
    # the page background stays pure white (a palette that tints it would show on the page)
    assert light.convert("RGB").getpixel((1, 1)) == (255, 255, 255)


def test_a_light_figure_is_left_alone(figure_png):
    small = site_fixes.lighter_png(figure_png)
    assert site_fixes.lighter_png(small) is None


def test_transparency_is_kept():
    rgba = Image.new("RGBA", (64, 64), (255, 255, 255, 0))
    rgba.paste((200, 30, 30, 255), (10, 10, 40, 40))
    assert site_fixes.lighter_png(_png(rgba)) is None


def test_a_picture_a_palette_cannot_hold_is_left_as_drawn():
    noise = np.random.default_rng(0).integers(0, 256, size=(120, 160, 3), dtype=np.uint8)
    assert site_fixes.lighter_png(_png(Image.fromarray(noise))) is None


def test_the_saved_widget_state_leaves_the_page_and_nothing_else_does():
    page = ('<head><script src="a.js"></script>\n'
            '<script type="application/vnd.jupyter.widget-state+json">{"state": {"x": '
            '{"buffers": [{"data": "AAAA"}]}}}</script>\n'
            '<script type="application/json" class="sc-frames">{"frames": []}</script></head>')
    light = site_fixes.drop_widget_state(page)
    assert "widget-state" not in light and "AAAA" not in light
    assert '<script src="a.js"></script>' in light and 'class="sc-frames"' in light
