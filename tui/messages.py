"""Messages workers send back to the app when slow work is done."""

from __future__ import annotations

from textual.message import Message


class CampaignOpened(Message):
    """A campaign is open, attached and (when serving) offered to players."""

    def __init__(self, campaign_id: str, name: str) -> None:
        super().__init__()
        self.campaign_id = campaign_id
        self.name = name


class WorkDone(Message):
    """Slow work finished; ``text`` tells the GM what happened."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class WorkFailed(Message):
    """Slow work failed; ``text`` says what could not be done and why."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
