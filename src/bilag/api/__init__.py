"""The HTTP API (FastAPI): JSON under /api/, errors as problem JSON. Translation only: every endpoint calls the
services the CLI calls."""
