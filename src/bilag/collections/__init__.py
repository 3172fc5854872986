"""Collections: aged balances as data, the collections view, write-off journals (domain.md B7). Pure."""
