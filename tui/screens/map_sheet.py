"""A map's sheet: its image file, the grid laid over it, and the GM's notes.

The image is read when the GM leaves the path field: its size is shown and, while
the GM has not typed a grid of their own, the grid's width and height follow the
image (whole cells of the cell size, from the offset). Saving stores the file as an
asset and sets ``imageAsset`` and ``imageSize``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label, Select, TextArea

from tui.assets import ImageFiles, StoredImage
from tui.screens.sheet import Commit, Problems, SheetScreen, error_slot, label, line, section
from tui.sheet_fields import whole_number
from vtt_host.images import ImageError, ImageInfo
from vtt_host.schema import Grid, MapData

GRID_DEFAULTS = Grid()
MAX_CELLS = 1000
"""vtt_host.schema.Grid's bound on width and height."""
GRID_KINDS = (("Square", "square"), ("Hex", "hex"))


def grid_for(
    width_px: int, height_px: int, cell: int, offset_x: int, offset_y: int
) -> tuple[int, int]:
    """Whole cells of ``cell`` px that fit the image from the offset (at least 1)."""
    across = (width_px - offset_x) // cell if cell > 0 else 1
    down = (height_px - offset_y) // cell if cell > 0 else 1
    return min(max(across, 1), MAX_CELLS), min(max(down, 1), MAX_CELLS)


class MapSheetScreen(SheetScreen):
    """Create (``game_map`` None) or edit a map; returns SheetSaved or None."""

    MODEL = MapData
    IMAGE_TITLE = "Map image"
    ERROR_SLOTS = {
        "grid-width": "grid",
        "grid-height": "grid",
        "grid-cell": "grid",
        "grid-offset-x": "grid",
        "grid-offset-y": "grid",
    }

    def __init__(
        self,
        game_map: Mapping[str, Any] | None,
        *,
        commit: Commit,
        images: ImageFiles | None = None,
    ) -> None:
        title = f"{game_map['name']}: map" if game_map else "New map"
        super().__init__(title, game_map, commit=commit, images=images)
        size = self.original.get("imageSize")
        self._image_px: tuple[int, int] | None = (size["width"], size["height"]) if size else None
        self._auto: tuple[str, str] | None = None
        """The grid size last filled in from the image; None once the GM types their own."""

    def compose_fields(self) -> ComposeResult:
        game_map = self.original
        grid = {**GRID_DEFAULTS.model_dump(by_alias=True), **game_map.get("grid", {})}
        yield line(label("Name"), Input(game_map.get("name", ""), id="name", compact=True))
        yield error_slot("name")
        yield line(
            label(""),
            Checkbox(
                "Hidden from players", bool(game_map.get("hidden")), id="hidden", compact=True
            ),
        )
        yield from self.compose_image()
        yield section("Grid (in cells; cell size and offset in image pixels)")
        yield line(
            label("Cells"),
            _number(grid["width"], "grid-width"),
            label("x", classes="sheet-sep"),
            _number(grid["height"], "grid-height"),
            label("Kind"),
            Select(GRID_KINDS, value=grid["kind"], allow_blank=False, id="grid-kind", compact=True),
        )
        yield line(
            label("Cell px"),
            _number(grid["cellSize"], "grid-cell"),
            label("Offset"),
            _number(grid["offsetX"], "grid-offset-x"),
            label(",", classes="sheet-sep"),
            _number(grid["offsetY"], "grid-offset-y"),
        )
        yield Label("", id="grid-hint", classes="dialog-hint")
        yield error_slot("grid")
        yield section("GM notes (only you)")
        yield TextArea(
            game_map.get("gmNotes", ""), id="gm-notes", classes="sheet-text gm-text", compact=True
        )
        yield error_slot("gmNotes")

    def on_mount(self) -> None:
        super().on_mount()
        # A new map's grid, or one that fits its image, follows the image it gets.
        fits = self._image_px is not None and self._typed_grid() == self._default_grid()
        if fits or not self.original:
            self._auto = self._typed_grid()
        self._show_grid_hint()
        self.query_one("#name", Input).focus()

    # -- the image and the grid ------------------------------------------------------

    @on(Input.Blurred, "#image-path")
    def _path_left(self) -> None:
        path = self.text_of("image-path").strip()
        if path:
            self._inspect(Path(path))

    @work(exclusive=True, group="map-image")
    async def _inspect(self, path: Path) -> None:
        error = self.query_one("#error-image-path", Label)
        if self._images is None:
            return
        try:
            info = await self._images.inspect(path)
        except ImageError as problem:
            error.update(str(problem))
            error.add_class("-shown")
            return
        error.update("")
        error.remove_class("-shown")
        self._image_is(info)

    def _image_is(self, info: ImageInfo) -> None:
        self._image_px = (info.width, info.height)
        self.query_one("#image-state", Label).update(f"New image: {info.describe()}")
        self._follow_image()

    @on(Input.Changed, "#grid-cell, #grid-offset-x, #grid-offset-y")
    def _cell_changed(self) -> None:
        self._follow_image()

    @on(Input.Changed, "#grid-width, #grid-height")
    def _grid_typed(self) -> None:
        if self._auto is not None and self._typed_grid() != self._auto:
            self._auto = None
        self._show_grid_hint()

    def _typed_grid(self) -> tuple[str, str]:
        return self.text_of("grid-width").strip(), self.text_of("grid-height").strip()

    def _default_grid(self) -> tuple[str, str] | None:
        if self._image_px is None:
            return None
        try:
            cell = int(self.text_of("grid-cell"))
            offset_x = int(self.text_of("grid-offset-x") or 0)
            offset_y = int(self.text_of("grid-offset-y") or 0)
        except ValueError:
            return None
        across, down = grid_for(*self._image_px, cell, offset_x, offset_y)
        return str(across), str(down)

    def _follow_image(self) -> None:
        """Fill in the grid from the image while the GM has not typed one."""
        default = self._default_grid()
        if default is not None and self._auto is not None and default != self._typed_grid():
            self._auto = default
            self.query_one("#grid-width", Input).value = default[0]
            self.query_one("#grid-height", Input).value = default[1]
        self._show_grid_hint()

    def _show_grid_hint(self) -> None:
        hint = self.query_one("#grid-hint", Label)
        if self._image_px is None:
            hint.update("No image: the grid alone is shown.")
            return
        width, height = self._image_px
        follows = "follows the image" if self._auto is not None else "as you typed it"
        hint.update(f"Image {width}x{height} px · grid {follows}")

    # -- reading ---------------------------------------------------------------------

    def read(self, problems: Problems) -> dict[str, Any]:
        name = self.text_of("name").strip()
        if not name:
            problems.add("name", "Give the map a name")
        grid: dict[str, Any] = {"kind": self.query_one("#grid-kind", Select).value}
        for key, widget_id, text, low, high in (
            ("width", "grid-width", "Grid width", 1, MAX_CELLS),
            ("height", "grid-height", "Grid height", 1, MAX_CELLS),
            ("cellSize", "grid-cell", "Cell size", 4, 1000),
            ("offsetX", "grid-offset-x", "Offset x", 0, 1000),
            ("offsetY", "grid-offset-y", "Offset y", 0, 1000),
        ):
            grid[key] = problems.take(
                functools.partial(
                    whole_number,
                    self.text_of(widget_id),
                    field=widget_id,
                    label=text,
                    minimum=low,
                    maximum=high,
                )
            )
        return {
            "name": name,
            "hidden": self.query_one("#hidden", Checkbox).value,
            "grid": grid,
            "gmNotes": self.query_one("#gm-notes", TextArea).text,
        }

    def image_fields(self, stored: StoredImage | None) -> dict[str, Any]:
        if stored is None:
            return {"imageAsset": None, "imageSize": None}
        fields: dict[str, Any] = {
            "imageAsset": stored.sha256,
            "imageSize": {"width": stored.info.width, "height": stored.info.height},
        }
        if self._auto is not None:
            # Saved before the path field was left: the grid still follows the image.
            self._image_is(stored.info)
            grid = {**self.read(Problems())["grid"]}
            fields["grid"] = grid
        return fields


def _number(value: Any, widget_id: str) -> Input:
    return Input(str(value), type="integer", id=widget_id, classes="sheet-number", compact=True)
