"""Checks shared by the explorer tests."""
import numpy as np


def blit_vs_full_draw(ex, **moves):
    """Pixels that differ between the frame after ``moves`` (blitted) and a full draw of the same figure."""
    ex.render()  # caches the background
    for name, value in moves.items():
        ex.controls[name].value = value
    blitted = ex.render().copy()
    animated = [a for a in ex.handles["animated"] if a is not None]
    for artist in animated:
        artist.set_animated(False)
    ex.figure.canvas.draw()
    full = np.asarray(ex.figure.canvas.buffer_rgba()).copy()
    for artist in animated:
        artist.set_animated(True)
    return int(np.any(blitted != full, axis=-1).sum())
