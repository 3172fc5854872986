"""Bank reconciliation: matching statement lines to open customer and vendor transactions (pure)."""
