"""Free-text (customer) invoices and vendor invoices as documents: draft -> posted, credit notes. Pure core."""
