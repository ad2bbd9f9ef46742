"""Edit a proposal before approving it: in words for the common ones, or as JSON Patch."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, ContentSwitcher, Input, Label, Select, TextArea

from tui.proposal_form import FormInput, FormRow, ProposalForm, proposal_form
from vtt_host.errors import ActionError
from vtt_host.patching import check_op


def readable_op(change: Mapping[str, Any]) -> dict[str, Any]:
    """An op without the empty fields stored proposals carry (``"from": null``)."""
    needs_value = change.get("op") in ("add", "replace", "test")
    needs_from = change.get("op") in ("move", "copy")
    return {
        key: value
        for key, value in change.items()
        if (key != "value" or needs_value) and (key != "from" or needs_from)
    }


def parse_ops(text: str) -> list[dict[str, Any]]:
    """The edited ops, or ValueError saying what is wrong with them."""
    try:
        ops = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(ops, list) or not ops:
        raise ValueError("the changes must be a non-empty JSON list of operations")
    for index, change in enumerate(ops):
        try:
            check_op(change)
        except ActionError as error:
            raise ValueError(f"operation {index + 1}: {error.message}") from None
    return ops


class EditOpsScreen(ModalScreen[list[dict[str, Any]] | None]):
    """Returns the edited ops to approve with, or None to go back to the queue.

    Given the live ``state``, the common proposals are shown as a form in words
    (tui.proposal_form); ctrl+o switches to the raw JSON Patch and back, carrying the
    edits over. Either way the result has the shape of the ops the player sent.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "approve", "Approve edited"),
        Binding("ctrl+o", "switch_view", "Words / JSON"),
    ]

    def __init__(
        self,
        summary: str,
        ops: Sequence[Mapping[str, Any]],
        *,
        state: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._summary = summary
        self._state = state
        readable = [readable_op(o) for o in ops]
        self._text = json.dumps(readable, indent=2, ensure_ascii=False)
        self._form = proposal_form(state, readable) if state is not None else None
        self._fields: dict[str, str] = {}
        """Form input key -> the id of its widget."""

    @property
    def in_words(self) -> bool:
        """Whether the form in words is shown (else the JSON editor)."""
        return self.query_one("#ops-views", ContentSwitcher).current == "ops-form"

    def compose(self) -> ComposeResult:
        words = self._form is not None and bool(self._form.rows)
        with Vertical(classes="dialog dialog-wide"):
            yield Label(f"Edit, then approve: {self._summary}", classes="dialog-title")
            with ContentSwitcher(initial="ops-form" if words else "ops-editor", id="ops-views"):
                yield VerticalScroll(id="ops-form")
                yield TextArea(self._text, language="json", id="ops-editor")
            yield Label("", id="ops-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Approve edited (ctrl+s)", variant="success", id="approve")
                yield Button(self._switch_label(words), id="switch")
                yield Button("Cancel", id="cancel")

    async def on_mount(self) -> None:
        if self._form is not None and self._form.rows:
            await self._show_form(self._form)

    @staticmethod
    def _switch_label(words: bool) -> str:
        return "As JSON (ctrl+o)" if words else "In words (ctrl+o)"

    async def _show_form(self, form: ProposalForm) -> None:
        self._form = form
        self._fields = {}
        container = self.query_one("#ops-form", VerticalScroll)
        await container.remove_children()
        rows = [self._row_widget(row) for row in form.rows]
        if form.kept:
            lines = "\n".join(f"  • {line}" for line in form.kept)
            rows.append(Label(f"Also approved as proposed:\n{lines}", classes="dialog-hint"))
        await container.mount_all(rows)
        first = next(iter(self._fields.values()), None)
        if first is not None:
            self.query_one(f"#{first}").focus()

    def _row_widget(self, row: FormRow) -> Widget:
        parts: list[Widget] = [Label(row.title, classes="form-title")]
        for field in row.inputs:
            widget_id = f"field-{len(self._fields)}"
            self._fields[field.key] = widget_id
            if field.label:
                parts.append(Label(field.label, classes="form-label"))
            parts.append(_input_widget(field, widget_id))
        return Horizontal(*parts, classes="form-row")

    def answers(self) -> dict[str, str]:
        """What the form's inputs hold now, by input key."""
        found: dict[str, str] = {}
        for key, widget_id in self._fields.items():
            widget = self.query_one(f"#{widget_id}")
            if isinstance(widget, TextArea):
                found[key] = widget.text
            elif isinstance(widget, Select):
                found[key] = str(widget.value)
            elif isinstance(widget, Input):
                found[key] = widget.value
        return found

    def current_ops(self) -> list[dict[str, Any]]:
        """The ops of the view on screen; ValueError says what is wrong with them."""
        if self.in_words and self._form is not None:
            ops = self._form.ops(self.answers())
            return parse_ops(json.dumps(ops))
        return parse_ops(self.query_one("#ops-editor", TextArea).text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_approve()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "approve":
            self.action_approve()
        elif event.button.id == "switch":
            await self.action_switch_view()
        else:
            self.dismiss(None)

    def action_approve(self) -> None:
        try:
            ops = self.current_ops()
        except ValueError as error:
            self._error(str(error))
            return
        self.dismiss(ops)

    async def action_switch_view(self) -> None:
        """Words -> JSON with the answers put in; JSON -> words from the edited JSON."""
        try:
            ops = self.current_ops()
        except ValueError as error:
            self._error(str(error))
            return
        views = self.query_one("#ops-views", ContentSwitcher)
        if self.in_words:
            editor = self.query_one("#ops-editor", TextArea)
            editor.text = json.dumps(ops, indent=2, ensure_ascii=False)
            views.current = "ops-editor"
            editor.focus()
        else:
            form = proposal_form(self._state, ops) if self._state is not None else None
            if form is None or not form.rows:
                self._error("These changes have no form in words; edit them as JSON.")
                return
            views.current = "ops-form"
            await self._show_form(form)
        self.query_one("#switch", Button).label = self._switch_label(self.in_words)
        self._error("")

    def _error(self, text: str) -> None:
        self.query_one("#ops-error", Label).update(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _input_widget(field: FormInput, widget_id: str) -> Widget:
    if field.kind == "choice":
        options = [(shown, value) for value, shown in field.choices]
        return Select(options, value=field.value, allow_blank=False, id=widget_id)
    if field.kind == "notes":
        return TextArea(field.value, id=widget_id, classes="form-notes")
    if field.kind == "int":
        return Input(field.value, type="integer", id=widget_id, classes="form-number")
    return Input(field.value, id=widget_id, classes="form-text")
