"""The live view's pictures: each frame as a palette PNG, encoded from what changed since the last one.

A slider move redraws a few artists over a background that stays put, so most pixels of a frame are
those of the frame before. :class:`FrameEncoder` keeps the last frame, its palette indices and which of
its pixels the palette shows badly; a new frame maps only the pixels that changed onto the palette, and
compresses again only the bands of rows that hold them. The indices are exactly those of mapping the
whole frame (a colour always maps to the same palette entry), at a fraction of the cost, and the test
for a new palette counts every pixel rather than a sample.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np

__all__ = ["FrameEncoder", "PALETTE_MISS", "PALETTE_TOLERANCE", "BAND_ROWS", "decode"]

#: The live picture's palette is made anew when more than this fraction of a frame's pixels ...
PALETTE_MISS = 5e-4
#: ... differ from their palette colour by more than this much in a channel (of 255).
PALETTE_TOLERANCE = 24
#: Rows per band of the PNG's compressed data: a band whose pixels did not change keeps its bytes.
BAND_ROWS = 32
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _deflate_band(raw) -> bytes:
    # A raw deflate stream of its own, ended by a full flush: byte-aligned and independent of every other
    # band, so the bands of a frame can be joined in any mix of new and kept ones. zlib's run-length
    # strategy suits a palette picture (mostly runs) and is the quickest.
    z = zlib.compressobj(1, zlib.DEFLATED, -15, 8, zlib.Z_RLE)
    return z.compress(raw) + z.flush(zlib.Z_FULL_FLUSH)


_LAST_BLOCK = zlib.compressobj(1, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block


class FrameEncoder:
    """PNG bytes of successive RGBA frames of one figure, in a 255-colour palette kept between frames.

    The palette is made from the first frame and kept while it fits: a frame with more than
    :data:`PALETTE_MISS` of its pixels more than :data:`PALETTE_TOLERANCE` off their palette colour (new
    colours: another surface, say) gets a new one. A full redraw of the figure keeps the palette too
    when it fits; only its changed pixels are mapped, like any frame's.

    >>> enc = FrameEncoder()
    >>> frame = np.full((4, 6, 4), 255, np.uint8)
    >>> frame[0, 0, :3] = (0, 114, 178)                # a blue dot on white
    >>> first = enc.png(frame)
    >>> frame[0, 0, :3], frame[2, 3, :3] = 255, (0, 114, 178)   # the dot moves: no new colour
    >>> second = enc.png(frame)
    >>> enc.palettes_made, decode(second)[2, 3].tolist()
    (1, [0, 114, 178])
    """

    def __init__(self):
        self._palette = None       # a 'P' image holding the palette, for Pillow's mapping
        self._palette_rgb = None   # (256, 3) int16
        self._frame = None         # (H, W) uint32 view copy of the last RGBA frame
        self._rows = None          # (H, 1 + W) uint8: each PNG row, its filter byte (0: none) then indices
        self._bands = []           # compressed bytes of each band of BAND_ROWS rows
        self._off = None           # (H, W) bool: shown more than the tolerance away
        self.palettes_made = 0

    def _new_palette(self, rgba: np.ndarray) -> None:
        from PIL import Image

        h, w = rgba.shape[:2]
        rgb = Image.frombuffer("RGBA", (w, h), np.ascontiguousarray(rgba), "raw", "RGBA", 0, 1).convert("RGB")
        img = rgb.quantize(colors=255, method=Image.Quantize.FASTOCTREE)
        self._palette = img
        self._palette_rgb = np.asarray(img.getpalette()[:768], dtype=np.int16).reshape(-1, 3)
        if len(self._palette_rgb) < 256:
            self._palette_rgb = np.vstack([self._palette_rgb, np.zeros((256 - len(self._palette_rgb), 3), np.int16)])
        self._rows = np.zeros((h, 1 + w), np.uint8)
        indices = self._rows[:, 1:]
        # every pixel by the same rule as the changed pixels of later frames (the octree's own assignment
        # can differ): a frame then depends only on its pixels and its palette, not on the frames before
        mapped = rgb.quantize(palette=img, dither=Image.Dither.NONE)
        indices[:] = np.frombuffer(mapped.tobytes(), np.uint8).reshape(h, w)
        self._off = self._far(indices, rgba[..., :3])
        self._bands = [None] * -(-h // BAND_ROWS)
        self.palettes_made += 1

    def _far(self, indices: np.ndarray, rgb: np.ndarray) -> np.ndarray:
        # channel by channel: a reduction over a last axis of 3 is several times slower
        off = np.zeros(indices.shape, bool)
        for c in range(3):
            off |= np.abs(self._palette_rgb[indices, c] - rgb[..., c].astype(np.int16)) > PALETTE_TOLERANCE
        return off

    def _map_changed(self, rgba: np.ndarray, frame: np.ndarray) -> bool:
        """Map the pixels that differ from the last frame; False when the palette no longer fits."""
        from PIL import Image

        changed = np.flatnonzero(frame != self._frame)
        if changed.size:
            for band in np.unique(changed // (frame.shape[1] * BAND_ROWS)):
                self._bands[band] = None
            pixels = frame.reshape(-1)[changed]  # RGBA packed in a uint32 each
            strip = Image.frombytes("RGB", (changed.size, 1), pixels.tobytes(), "raw", "RGBX")
            mapped = strip.quantize(palette=self._palette, dither=Image.Dither.NONE)
            new = np.frombuffer(mapped.tobytes(), np.uint8)
            w = frame.shape[1]
            self._rows.reshape(-1)[changed + changed // w + 1] = new  # row r starts at r * (w + 1) + 1
            self._off.reshape(-1)[changed] = self._far(new, pixels.view(np.uint8).reshape(-1, 4))
        return np.count_nonzero(self._off) <= PALETTE_MISS * self._off.size

    def png(self, rgba: np.ndarray) -> bytes:
        """The PNG of ``rgba``, an H x W x 4 array of uint8."""
        rgba = np.asarray(rgba)
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise ValueError(f"a frame is an H x W x 4 array of uint8; got {rgba.shape} {rgba.dtype}")
        h, w = rgba.shape[:2]
        frame = np.ascontiguousarray(rgba).view(np.uint32).reshape(h, w)
        fits = (self._palette is not None and self._frame is not None
                and self._frame.shape == frame.shape and self._map_changed(rgba, frame))
        if not fits:
            self._new_palette(rgba)
        self._frame = frame.copy()
        return self._encode(w, h)

    def _encode(self, w: int, h: int) -> bytes:
        for k, band in enumerate(self._bands):
            if band is None:
                self._bands[k] = _deflate_band(self._rows[k * BAND_ROWS:(k + 1) * BAND_ROWS].tobytes())
        data = (b"\x78\x01" + b"".join(self._bands) + _LAST_BLOCK
                + struct.pack(">I", zlib.adler32(self._rows.tobytes())))
        palette = bytes(self._palette.getpalette()[:768])
        header = struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)  # 8-bit palette indices, no interlace
        return (_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"PLTE", palette) + _chunk(b"IDAT", data)
                + _chunk(b"IEND", b""))


def decode(png: bytes) -> np.ndarray:
    """The RGB pixels of a PNG (for tests and benchmarks)."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

