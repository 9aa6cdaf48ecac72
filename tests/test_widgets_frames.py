"""The live view's PNG frames: only changed pixels are re-mapped and only changed bands re-compressed,
and every frame still decodes to exactly what mapping the whole frame onto the palette gives."""
import io

import numpy as np
import pytest
from PIL import Image

import stepcourse as sc
from stepcourse.widgets._frames import BAND_ROWS, PALETTE_MISS, PALETTE_TOLERANCE, FrameEncoder, decode


def _full_mapping(rgba, palette_image):
    """The reference: the whole frame mapped onto the palette by Pillow, as RGB."""
    rgb = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    return np.asarray(rgb.quantize(palette=palette_image, dither=Image.Dither.NONE).convert("RGB"))


@pytest.mark.parametrize("name, control", [("steps_explorer", "lr"), ("optimizer_race_explorer", None),
                                           ("gradient_flow_explorer", None)])
def test_every_frame_is_the_whole_frame_mapped_onto_its_palette(name, control):
    ex = getattr(sc.widgets, name)()
    ex.widget  # the live view: every change now encodes a frame
    control = control or next(iter(ex.specs))
    values = list(ex.specs[control].values)
    reused = 0
    for v in values[:: max(1, len(values) // 8)] + values[::-1][:: max(1, len(values) // 5)]:
        ex.controls[control].value = v
        frames = ex._frames
        reused += sum(b is not None for b in frames._bands)  # bands kept from the frame before
        png = ex._image.value
        rgba = np.asarray(ex.figure.canvas.buffer_rgba())
        got = decode(png)
        np.testing.assert_array_equal(got, _full_mapping(rgba, frames._palette))
        off = (np.abs(got.astype(int) - rgba[..., :3].astype(int)).max(axis=2) > PALETTE_TOLERANCE).mean()
        assert off <= PALETTE_MISS
    if name == "steps_explorer":
        assert frames.palettes_made == 1 and reused > 0  # one palette for every move, and kept bands


def test_a_frame_reuses_the_bands_that_did_not_change():
    enc = FrameEncoder()
    frame = np.full((5 * BAND_ROWS, 40, 4), 255, np.uint8)
    frame[:, :5, :3] = (0, 114, 178)
    frame[3, 7, :3] = (213, 94, 0)
    enc.png(frame)
    bands = list(enc._bands)
    frame[3, 7, :3], frame[2 * BAND_ROWS + 1, 9, :3] = 255, (213, 94, 0)  # bands 0 and 2 change
    png = enc.png(frame)
    assert [a is b for a, b in zip(bands, enc._bands)] == [False, True, False, True, True]
    np.testing.assert_array_equal(decode(png), frame[..., :3])
    # the same picture encoded from scratch decodes the same, and Pillow reads both
    again = FrameEncoder().png(frame)
    np.testing.assert_array_equal(decode(again), decode(png))
    assert Image.open(io.BytesIO(png)).mode == "P"


def test_new_colours_or_a_new_size_make_a_new_palette():
    enc = FrameEncoder()
    frame = np.full((8, 8, 4), 255, np.uint8)
    frame[0, 0, :3] = (0, 0, 0)
    enc.png(frame)
    frame[0, 0, :3], frame[5, 5, :3] = 255, (3, 2, 1)  # within the tolerance of black: the palette fits
    enc.png(frame)
    assert enc.palettes_made == 1
    frame[4:, 4:, :3] = (0, 158, 115)  # a colour the palette does not have, on a quarter of the pixels
    np.testing.assert_array_equal(decode(enc.png(frame)), frame[..., :3])
    assert enc.palettes_made == 2
    enc.png(np.full((4, 8, 4), 255, np.uint8))
    assert enc.palettes_made == 3


def test_a_frame_must_be_rgba_bytes():
    with pytest.raises(ValueError, match="H x W x 4"):
        FrameEncoder().png(np.zeros((4, 4, 3), np.uint8))
