"""Sales tax (VAT): tax groups and their intersection, tax per line and code, sales tax settlement. Pure."""
