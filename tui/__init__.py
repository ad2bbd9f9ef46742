"""The GM's terminal app (Textual). It talks to vtt_host only through its public API."""
