"""The static export of an explorer, for the website: precomputed frames behind plain HTML controls.

:func:`static_html` sets the explorer to every combination of its controls' ``static`` values, keeps
each frame as a palette PNG (identical frames once) with the explorer's result line for that setting,
and writes a self-contained HTML fragment: range inputs, selects and checkboxes, the picture, an
``aria-live`` result line, and the script ``explorer.js`` and style ``explorer.css`` shipped with this
package, inlined. Nothing is loaded from the network.

Stable hooks for the site's tests and styles: the fragment is ``div.sc-explorer`` (``data-frame`` is
the shown combination), the picture ``img.sc-frame``, the result line ``.sc-explorer-result``; every
range input carries ``aria-valuetext``, the shown value.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from functools import lru_cache
from importlib import resources
from typing import Optional

from ._controls import Choice, Toggle

__all__ = ["static_html", "asset"]


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """The text of a file shipped with :mod:`stepcourse.widgets` (``explorer.js``, ``explorer.css``)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def static_html(explorer, *, max_frames: int = 150, colors: int = 96, pixels: Optional[int] = None) -> str:
    """A self-contained HTML fragment with one precomputed frame per combination of static values.

    Parameters
    ----------
    explorer : Explorer
    max_frames : int
        Refuse grids larger than this (give the controls coarser ``static`` grids).
    colors : int
        Palette size of each frame (much smaller files than full colour).
    pixels : int, optional
        Width of each frame in device pixels, shown at the explorer's display width (700 CSS px for a
        column-wide figure). Default: ``explorer.static_scale`` times that width (1.3x: sharper than 1x
        on high-density screens at half the bytes of 2x).
    """
    grid = explorer.static_grid()
    pixels = round(explorer.static_scale * explorer.display_size[0]) if pixels is None else int(pixels)
    if len(grid) > max_frames:
        raise ValueError(f"the static export would need {len(grid)} frames (max_frames={max_frames}); "
                         "give the controls coarser static= grids")
    saved = explorer.values
    frames, index, texts, seen = [], [], [], {}
    try:
        for combo in grid:
            explorer.set(**combo)
            png = explorer.frame_png(pixels, colors)
            key = hashlib.sha1(png).hexdigest()
            if key not in seen:
                seen[key] = len(frames)
                frames.append(base64.b64encode(png).decode("ascii"))
            index.append(seen[key])
            texts.append(explorer.result_text())
    finally:
        explorer.set(**saved)
    uid = "sc-" + hashlib.sha1("".join(frames).encode()).hexdigest()[:10]
    return _render(uid, explorer, frames, index, texts, grid)


def _json(payload) -> str:
    # Inside <script>, "</" could end the element early.
    return json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")


def _control_html(uid: str, name: str, spec, position: int, current) -> str:
    ident = f"{uid}-{name}"
    label = html.escape(spec.label or name)
    static = list(spec.static)
    try:
        start = static.index(current)
    except ValueError:
        start = 0
    if isinstance(spec, Choice):
        opts = "".join(f'<option value="{i}"{" selected" if i == start else ""}>{html.escape(spec.format(v))}</option>'
                       for i, v in enumerate(static))
        return f'<label for="{ident}">{label}</label> <select id="{ident}" data-pos="{position}">{opts}</select>'
    if isinstance(spec, Toggle):
        checked = " checked" if static[start] else ""
        return (f'<input type="checkbox" id="{ident}" data-pos="{position}"{checked}> '
                f'<label for="{ident}">{label}</label>')
    shown = html.escape(spec.format(static[start]))
    return (f'<label for="{ident}">{label}</label> '
            f'<input type="range" id="{ident}" data-pos="{position}" min="0" max="{len(static) - 1}" step="1" '
            f'value="{start}" aria-valuetext="{shown}"> '
            f'<output for="{ident}">{shown}</output>')


def _render(uid: str, explorer, frames: list, index: list, texts: list, grid: list) -> str:
    specs = explorer.specs
    current = explorer.values
    controls = "".join(f'<div class="sc-control">{_control_html(uid, n, s, i, current[n])}</div>'
                       for i, (n, s) in enumerate(specs.items()))
    start = next((k for k, c in enumerate(grid) if c == current), 0)
    payload = {"sizes": [len(s.static) for s in specs.values()],
               "labels": [[s.format(v) for v in s.static] for s in specs.values()],
               "index": index, "frames": frames, "texts": texts, "alt": explorer.alt}
    width, height = explorer.display_size
    title = f'<div class="sc-title"><b>{html.escape(explorer.title)}</b></div>' if explorer.title else ""
    alt = explorer.alt + (f" Shown now: {texts[start]}" if texts[start] else "")
    note = (f'<div class="sc-note">Static version: {len(grid)} precomputed settings. Run this page as a '
            "notebook (launch button above) for the live explorer with finer controls.</div>")
    return (
        f'<div class="sc-explorer" id="{uid}" data-frame="{start}" style="--sc-frame-width:{width}px">'
        f"<style>{asset('explorer.css')}</style>"
        f"{title}{controls}"
        f'<p class="sc-explorer-result" aria-live="polite">{html.escape(texts[start])}</p>'
        f'<div class="sc-frame-box"><img class="sc-frame" alt="{html.escape(alt)}" width="{width}" '
        f'height="{height}" src="data:image/png;base64,{frames[index[start]]}"></div>'
        f"{note}"
        f'<script type="application/json" class="sc-frames">{_json(payload)}</script>'
        f"<script>{asset('explorer.js')}</script>"
        "</div>"
    )
