"""Access control, privacy and audit: who may read which graphs, and the log of every protected access."""
