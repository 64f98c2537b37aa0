"""Flight recordings on local disk: the writer, crash recovery and the reader replay uses.
The format is described in README.md ("Recording format") and domain/recording.py."""
