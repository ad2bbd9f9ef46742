"""One proposal in full: who, what, and its changes as readable lines."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.viewmodels import ProposalRow


class ProposalDetail(Widget):
    """Shows the selected proposal; marked stale with what changed when a decision bounced."""

    proposal: reactive[ProposalRow | None] = reactive(None)
    stale_paths: reactive[tuple[str, ...]] = reactive(())
    stale_notes: reactive[tuple[str, ...]] = reactive(())
    """What changed at the stale paths, in words (MainScreen keeps them current)."""

    def watch_stale_paths(self, paths: tuple[str, ...]) -> None:
        self.set_class(bool(paths), "-stale")

    def render(self) -> Text:
        proposal = self.proposal
        if proposal is None:
            return Text("No proposal selected.", style="italic")
        text = Text()
        text.append(proposal.player, style="bold")
        text.append(f" · {proposal.kind} · {proposal.created} · proposed at v{proposal.based_on}\n")
        text.append(proposal.summary + "\n", style="bold")
        for line in proposal.changes:
            text.append(f"  • {line}\n")
        if self.stale_paths:
            text.append("\n⚠ Stale: changed since you looked", style="bold red")
            if self.stale_notes:
                for note in self.stale_notes:
                    text.append(f"\n  • {note}", style="red")
            else:
                text.append(": " + ", ".join(self.stale_paths[:6]), style="red")
            text.append("\n  Check the lines above again, then approve or reject.", style="red")
        return text
