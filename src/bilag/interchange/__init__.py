"""Interchange files (issue 15): SAF-T Financial (Norway 1.30), ISO 20022 bank statements (camt.053) and payment
files (pain.001.001.03). Readers and writers here are formats only: they turn files into plain records and plain
records into files; the services (`services/saft.py`, `services/bank_statements.py`, `services/payment_files.py`)
combine them with the store."""
