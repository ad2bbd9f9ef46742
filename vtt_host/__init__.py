"""vtt_host."""
