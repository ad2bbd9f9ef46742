"""The one error the legacy importer raises."""

from __future__ import annotations

from vtt_host.errors import Invalid


class LegacyImportError(Invalid):
    """The export cannot be imported; the message names the file and the line."""

    def __str__(self) -> str:
        return self.message
