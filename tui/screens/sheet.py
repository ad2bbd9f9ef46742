"""What every sheet shares: fields in a scrolling form, errors beside them, save or cancel.

A sheet (actor, item, map, encounter, handout) reads its fields, shows each problem
next to the field it belongs to, and saves nothing until every field is valid. Saving
hands the values to ``commit`` (the caller's host action); a refusal by the host is
shown on the sheet, which stays open with everything the GM typed. Only a saved sheet
is dismissed, with the id of the entity it saved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, TextArea

from tui.assets import ImageFiles, StoredImage
from tui.screens.confirm import ConfirmScreen
from tui.sheet_fields import FieldError
from vtt_host.errors import ActionError
from vtt_host.images import ImageError

T = TypeVar("T")

Commit = Callable[[dict[str, Any]], Awaitable[str]]
"""Saves a sheet's values (creates or updates the entity); returns its id, raises
ActionError when the host refuses."""


@dataclass(frozen=True, slots=True)
class SheetSaved:
    """The entity the sheet saved and the values it saved."""

    entity_id: str
    data: Mapping[str, Any]


@dataclass
class Problems:
    """Field errors found while reading a sheet."""

    found: list[FieldError] = field(default_factory=list)

    def take(self, read: Callable[[], T]) -> T | None:
        """``read()``, or None with its FieldError noted."""
        try:
            return read()
        except FieldError as error:
            self.found.append(error)
            return None

    def add(self, field_id: str, message: str) -> None:
        self.found.append(FieldError(field_id, message))


def line(*widgets: Widget, classes: str = "") -> Horizontal:
    """One line of a sheet: a label and its fields side by side."""
    return Horizontal(*widgets, classes=f"sheet-line {classes}".strip())


def label(text: str, *, classes: str = "sheet-label") -> Label:
    return Label(text, classes=classes)


def error_slot(slot: str) -> Label:
    """Where the errors of a field (or group of fields) appear, hidden while empty."""
    return Label("", id=f"error-{slot}", classes="field-error")


def section(title: str) -> Label:
    return Label(title, classes="sheet-section")


class SheetScreen(ModalScreen[SheetSaved | None]):
    """Subclasses compose ``compose_fields`` and read them in ``read``."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    MODEL: ClassVar[type[BaseModel] | None] = None
    """The schema model the saved entity must satisfy (checked before committing)."""
    ERROR_SLOTS: ClassVar[dict[str, str]] = {}
    """Field id -> the error slot it reports in (default: the field's own id)."""
    IMAGE_TITLE: ClassVar[str | None] = None
    """The image field's title, or None when this kind of sheet has no image."""

    def __init__(
        self,
        title: str,
        original: Mapping[str, Any] | None,
        *,
        commit: Commit,
        images: ImageFiles | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self.original: Mapping[str, Any] = original or {}
        self._commit = commit
        self._images = images
        self._image_cleared = False
        self._pristine: tuple[Any, ...] = ()

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="sheet"):
            yield Label(self._title, classes="dialog-title sheet-title")
            with VerticalScroll(classes="sheet-fields"):
                yield from self.compose_fields()
            yield Label("", id="sheet-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons sheet-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError
        yield

    def compose_image(self) -> ComposeResult:
        """The image field; sheets with an ``IMAGE_TITLE`` place it among their fields."""
        yield section(self.IMAGE_TITLE or "Image")
        yield line(
            Input(
                placeholder="path of a PNG, JPEG or WebP file on this computer",
                id="image-path",
                compact=True,
            ),
            Button("No image", id="image-clear", compact=True),
        )
        yield Label(self._image_state(), id="image-state", classes="dialog-hint")
        yield error_slot("image-path")

    def _image_state(self) -> str:
        asset = None if self._image_cleared else self.original.get("imageAsset")
        if asset:
            return f"Now: image {asset[:12]}… (type a path to replace it)"
        return "Now: no image"

    def on_mount(self) -> None:
        self.call_after_refresh(self._remember_pristine)

    def _remember_pristine(self) -> None:
        self._pristine = self._typed()

    def _typed(self) -> tuple[Any, ...]:
        """Everything the GM can change, to tell whether leaving loses work."""
        values: list[Any] = [self._image_cleared]
        for widget in self.query("Input, TextArea, Checkbox, Select, SelectionList"):
            if isinstance(widget, Input):
                values.append(widget.value)
            elif isinstance(widget, TextArea):
                values.append(widget.text)
            elif isinstance(widget, Checkbox | Select):
                values.append(widget.value)
            elif isinstance(widget, SelectionList):
                values.append(tuple(widget.selected))
        return tuple(values)

    # -- reading ---------------------------------------------------------------------

    def read(self, problems: Problems) -> dict[str, Any]:
        """The entity's fields from the form; problems collects what is wrong."""
        raise NotImplementedError

    def text_of(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def image_fields(self, stored: StoredImage | None) -> dict[str, Any]:
        """The fields a new image (or None: no image) sets."""
        return {"imageAsset": None if stored is None else stored.sha256}

    def _check_model(self, data: dict[str, Any], problems: Problems) -> None:
        if self.MODEL is None or problems.found:
            return
        entity = {**self.original, **data, "id": self.original.get("id", "new")}
        try:
            self.MODEL.model_validate(entity)
        except ValidationError as error:
            first = error.errors()[0]
            where = [str(part) for part in first["loc"]]
            problems.add(where[0] if where else "sheet", f"{' '.join(where)}: {first['msg']}")

    # -- errors ----------------------------------------------------------------------

    def _slots(self) -> Iterator[Label]:
        yield from self.query(".field-error").results(Label)

    def show_problems(self, problems: Problems) -> None:
        """Each message next to its field; the first bad field gets the focus."""
        for slot in self._slots():
            slot.update("")
            slot.remove_class("-shown")
        messages: dict[str, list[str]] = {}
        for problem in problems.found:
            if not problem.field:
                continue  # shown by the list line it belongs to
            slot_id = self.ERROR_SLOTS.get(problem.field, problem.field)
            if not self.query(f"#error-{slot_id}"):
                slot_id = "sheet"
            messages.setdefault(slot_id, []).append(problem.message)
        count = len(problems.found)
        summary = f"Not saved: fix the {count} marked field{'s' * (count != 1)}." if count else ""
        for slot_id, lines in messages.items():
            if slot_id != "sheet":
                target = self.query_one(f"#error-{slot_id}", Label)
                target.update("\n".join(lines))
                target.add_class("-shown")
        general = messages.get("sheet")
        self.query_one("#sheet-error", Label).update(
            "Not saved: " + " ".join(general) if general else summary
        )
        if problems.found and problems.found[0].field:
            first = self.query(f"#{problems.found[0].field}")
            if first:
                first.first().focus()

    # -- saving ----------------------------------------------------------------------

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on, as Tab does; ctrl+s saves."""
        event.stop()
        self.focus_next()

    @on(Button.Pressed, "#save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Button.Pressed, "#image-clear")
    def _clear_image(self, event: Button.Pressed) -> None:
        event.stop()
        self._image_cleared = True
        self.query_one("#image-path", Input).value = ""
        self.query_one("#image-state", Label).update(self._image_state())

    @work(exclusive=True, group="sheet-save")
    async def action_save(self) -> None:
        problems = Problems()
        data = self.read(problems)
        self._check_model(data, problems)
        if problems.found:
            self.show_problems(problems)
            return
        if self.IMAGE_TITLE is not None:
            image = await self._image(problems)
            if problems.found:
                self.show_problems(problems)
                return
            if image is not None:
                data.update(image)
        self.show_problems(problems)
        try:
            entity_id = await self._commit(data)
        except ActionError as error:
            self.query_one("#sheet-error", Label).update(f"Not saved: {error.message}")
            return
        self.dismiss(SheetSaved(entity_id, data))

    async def _image(self, problems: Problems) -> dict[str, Any] | None:
        """The image fields to set: a new file's, none (cleared), or None (unchanged)."""
        path = self.query_one("#image-path", Input).value.strip()
        if not path:
            return self.image_fields(None) if self._image_cleared else None
        if self._images is None:
            problems.add("image-path", "Images cannot be stored here.")
            return None
        try:
            stored = await self._images.store(Path(path))
        except ImageError as error:
            problems.add("image-path", str(error))
            return None
        return self.image_fields(stored)

    def action_cancel(self) -> None:
        if self._typed() == self._pristine:
            self.dismiss(None)
            return

        def leave(sure: bool | None) -> None:
            if sure:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Leave without saving your changes?", yes="Leave"), leave
        )
