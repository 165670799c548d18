"""Database operations of the progress service; every function takes keyword-only args."""
