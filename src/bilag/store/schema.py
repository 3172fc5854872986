"""Tables (SQLAlchemy Core). Every table carries company_id, first in every key.

Money is stored as integers in minor units of the row's currency; rates and percentages as exact
decimal text. Migrations in store/migrations are generated from this metadata.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

metadata = MetaData()

# The largest balance (limits.MAX_BALANCE_MINOR, written out so that migrations need not import it).
BALANCE_LIMIT_CHECK = ("amount_minor BETWEEN -9999999999999999 AND 9999999999999999 "
                       "AND accounting_minor BETWEEN -9999999999999999 AND 9999999999999999")


def _company_fk(table_name: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["company_id"], ["company.company_id"], name=f"fk_{table_name}_company")


company = Table(
    "company", metadata,
    Column("company_id", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("accounting_currency", String(3), nullable=False),
    Column("parameters", Text, nullable=False, default="{}"),
    # Renewed by every write to the company's master data (store/master_version.py): processes keep the loaded
    # company while it is unchanged (speed, issue 11).
    Column("master_version", BigInteger, nullable=False, default=0, server_default="0"),
)

currency = Table(
    "currency", metadata,
    Column("company_id", String(20), nullable=False),
    Column("code", String(3), nullable=False),
    Column("decimals", Integer, nullable=False),
    PrimaryKeyConstraint("company_id", "code"),
    _company_fk("currency"),
)

main_account = Table(
    "main_account", metadata,
    Column("company_id", String(20), nullable=False),
    Column("account_id", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("account_type", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("manual_entry_blocked", Boolean, nullable=False, default=False),
    Column("default_currency", String(3)),
    Column("opening_account", String(40)),
    Column("revaluate", Boolean, nullable=False, default=False),
    Column("revaluation_rate_type", String(20)),  # GL revaluation's exchange rate type (period end, issue 8)
    # Fixed dimensions (EX-D1 row 4, issue 14): {dimension: value} forced onto every entry posted to the account
    Column("fixed_dimensions", Text, nullable=False, default="{}", server_default="{}"),
    PrimaryKeyConstraint("company_id", "account_id"),
    _company_fk("main_account"),
)

dimension = Table(
    "dimension", metadata,
    Column("company_id", String(20), nullable=False),
    Column("name", String(60), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("company_id", "name"),
    _company_fk("dimension"),
)

dimension_value = Table(
    "dimension_value", metadata,
    Column("company_id", String(20), nullable=False),
    Column("dimension", String(60), nullable=False),
    Column("value", String(60), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    PrimaryKeyConstraint("company_id", "dimension", "value"),
    ForeignKeyConstraint(["company_id", "dimension"], ["dimension.company_id", "dimension.name"],
                         name="fk_dimension_value_dimension"),
)

account_structure = Table(
    "account_structure", metadata,
    Column("company_id", String(20), nullable=False),
    Column("name", String(60), nullable=False),
    Column("low", String(40), nullable=False),
    Column("high", String(40), nullable=False),
    Column("segments", Text, nullable=False),  # JSON list of dimension names
    Column("allowed", Text, nullable=False, default="{}"),  # JSON {segment: [values]}
    PrimaryKeyConstraint("company_id", "name"),
    _company_fk("account_structure"),
)

exchange_rate = Table(
    "exchange_rate", metadata,
    Column("company_id", String(20), nullable=False),
    Column("rate_type", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("rate", String(40), nullable=False),  # exact decimal text
    Column("per", Integer, nullable=False, default=1),
    PrimaryKeyConstraint("company_id", "rate_type", "currency", "valid_from"),
    _company_fk("exchange_rate"),
)

fiscal_period = Table(
    "fiscal_period", metadata,
    Column("company_id", String(20), nullable=False),
    Column("period_id", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("name", String(40), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("access", Text, nullable=False, default="{}"),  # JSON {module: all|none|group}
    PrimaryKeyConstraint("company_id", "period_id"),
    UniqueConstraint("company_id", "name", name="uq_fiscal_period_name"),
    _company_fk("fiscal_period"),
)

user_group_member = Table(
    "user_group_member", metadata,
    Column("company_id", String(20), nullable=False),
    Column("user_group", String(60), nullable=False),
    Column("user_name", String(60), nullable=False),
    PrimaryKeyConstraint("company_id", "user_group", "user_name"),
    _company_fk("user_group_member"),
)

journal_name = Table(
    "journal_name", metadata,
    Column("company_id", String(20), nullable=False),
    Column("name", String(20), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("voucher_mode", String(20), nullable=False, default="balance"),
    Column("number_prefix", String(20), nullable=False, default=""),
    Column("number_width", Integer, nullable=False, default=6),
    Column("dimensions", Text, nullable=False, default="{}"),
    Column("amounts_include_sales_tax", Boolean, nullable=False, default=False, server_default="0"),
    Column("voucher_reuse", String(20)),  # check for voucher used (issue 15); NULL: the company's parameter
    PrimaryKeyConstraint("company_id", "name"),
    _company_fk("journal_name"),
)

number_sequence = Table(
    "number_sequence", metadata,
    Column("company_id", String(20), nullable=False),
    Column("code", String(40), nullable=False),
    Column("next_value", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "code"),
    _company_fk("number_sequence"),
)

party = Table(
    "party", metadata,
    Column("company_id", String(20), nullable=False),
    Column("party_type", String(10), nullable=False),
    Column("party_id", String(40), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("party_group", String(40), nullable=False, default=""),
    Column("currency", String(3)),
    Column("payment_terms", String(20)),
    Column("cash_discount", String(20)),
    Column("dimensions", Text, nullable=False, default="{}"),
    Column("hold", String(20), nullable=False, default="no"),
    Column("hold_release_date", Date),
    Column("posting_profile", String(20)),
    Column("sales_tax_group", String(20)),  # issue 9: an invoice's sales tax group when its header names none
    # issue 9: a customer's own interest code and collection letter sequence (before the company parameters')
    Column("interest_code", String(20)),
    Column("collection_letter_sequence", String(20)),
    PrimaryKeyConstraint("company_id", "party_type", "party_id"),
    _company_fk("party"),
)

posting_profile = Table(
    "posting_profile", metadata,
    Column("company_id", String(20), nullable=False),
    Column("profile", String(20), nullable=False),
    Column("party_type", String(10), nullable=False),
    Column("scope", String(10), nullable=False),
    Column("scope_key", String(40), nullable=False, default=""),
    Column("summary_account", String(120), nullable=False),
    Column("write_off_account", String(120)),
    Column("settle_automatically", Boolean, nullable=False, default=False),
    PrimaryKeyConstraint("company_id", "profile", "party_type", "scope", "scope_key"),
    _company_fk("posting_profile"),
)

cash_discount = Table(
    "cash_discount", metadata,
    Column("company_id", String(20), nullable=False),
    Column("code", String(20), nullable=False),
    Column("percent", String(20), nullable=False),
    Column("days", Integer, nullable=False),
    Column("next_code", String(20)),
    Column("main_account", String(40)),
    PrimaryKeyConstraint("company_id", "code"),
    _company_fk("cash_discount"),
)

payment_terms = Table(
    "payment_terms", metadata,
    Column("company_id", String(20), nullable=False),
    Column("code", String(20), nullable=False),
    Column("days", Integer, nullable=False),
    PrimaryKeyConstraint("company_id", "code"),
    _company_fk("payment_terms"),
)

bank_account = Table(
    "bank_account", metadata,
    Column("company_id", String(20), nullable=False),
    Column("bank_id", String(40), nullable=False),
    Column("ledger_account", String(120), nullable=False),
    Column("currency", String(3)),
    PrimaryKeyConstraint("company_id", "bank_id"),
    _company_fk("bank_account"),
)

system_account = Table(
    "system_account", metadata,
    Column("company_id", String(20), nullable=False),
    Column("purpose", String(40), nullable=False),
    Column("account", String(120), nullable=False),
    PrimaryKeyConstraint("company_id", "purpose"),
    _company_fk("system_account"),
)

tax_code = Table(
    "tax_code", metadata,
    Column("company_id", String(20), nullable=False),
    Column("code", String(20), nullable=False),
    Column("percent", String(20), nullable=False),
    Column("payable_account", String(120), nullable=False),
    # The rest of the code's ledger posting group: input tax, and the cash discount accounts (B5.2, priority 2).
    Column("receivable_account", String(120)),
    Column("customer_cash_discount_account", String(120)),
    Column("vendor_cash_discount_account", String(120)),
    PrimaryKeyConstraint("company_id", "code"),
    _company_fk("tax_code"),
)

voucher = Table(
    "voucher", metadata,
    Column("company_id", String(20), nullable=False),
    Column("voucher_id", BigInteger, nullable=False),
    Column("series", String(20), nullable=False),
    Column("voucher_number", String(40), nullable=False),
    Column("posting_date", Date, nullable=False),
    Column("period_id", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("batch_id", BigInteger, nullable=False),  # one posting request
    Column("description", String(200), nullable=False, default=""),
    # Tamper evidence (issue 13, journal/chain.py): the hash of the voucher before it in its series, and its own
    # over its rows and entries chained to that one. Empty for vouchers posted before migration 0012.
    Column("previous_hash", String(64)),
    Column("chain_hash", String(64)),
    PrimaryKeyConstraint("company_id", "voucher_id"),
    # A voucher number may come back on another date when the journal name's check for voucher used allows it
    # (issue 15: a voucher on several dates is one voucher row per date); on one date it is one voucher.
    UniqueConstraint("company_id", "series", "voucher_number", "posting_date", name="uq_voucher_number_date"),
    _company_fk("voucher"),
    # A voucher named by the number a user types, without its journal name, and a range of dates (the ledger
    # journal report of a day or a period; migration 0028).
    Index("ix_voucher_number", "company_id", "voucher_number"),
    Index("ix_voucher_date", "company_id", "posting_date"),
    # The reversal vouchers of settlements by their batch, for the as-of reads (store/aging.py): only those, so
    # that no other posting pays for the index.
    Index("ix_voucher_reversal_batch", "company_id", "batch_id", sqlite_where=text("kind = 'reversal'"),
          postgresql_where=text("kind = 'reversal'")),
)

ledger_entry = Table(
    "ledger_entry", metadata,
    Column("company_id", String(20), nullable=False),
    Column("entry_id", BigInteger, nullable=False),
    Column("voucher_id", BigInteger, nullable=False),
    Column("posting_date", Date, nullable=False),
    Column("period_id", Integer, nullable=False),
    Column("ledger_account", String(120), nullable=False),
    Column("main_account", String(40), nullable=False),
    Column("posting_type", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("accounting_minor", BigInteger, nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("party_type", String(10)),
    Column("party_id", String(40)),
    PrimaryKeyConstraint("company_id", "entry_id"),
    ForeignKeyConstraint(["company_id", "voucher_id"], ["voucher.company_id", "voucher.voucher_id"],
                         name="fk_ledger_entry_voucher"),
    Index("ix_ledger_entry_voucher", "company_id", "voucher_id"),
    Index("ix_ledger_entry_account_date", "company_id", "ledger_account", "posting_date"),
)

balance = Table(
    "balance", metadata,
    Column("company_id", String(20), nullable=False),
    Column("ledger_account", String(120), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("period_id", Integer, nullable=False),
    Column("main_account", String(40), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("accounting_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "ledger_account", "currency", "period_id"),
    _company_fk("balance"),
    # No balance passes the largest balance (limits.MAX_BALANCE_MINOR, issue 13): SQLite would otherwise turn
    # an overflowing sum into a floating-point number, PostgreSQL refuse it as "bigint out of range".
    CheckConstraint(BALANCE_LIMIT_CHECK, name="ck_balance_limit"),
)

party_transaction = Table(
    "party_transaction", metadata,
    Column("company_id", String(20), nullable=False),
    Column("transaction_id", BigInteger, nullable=False),
    Column("party_type", String(10), nullable=False),
    Column("party_id", String(40), nullable=False),
    Column("voucher_id", BigInteger, nullable=False),
    Column("entry_id", BigInteger, nullable=False),
    Column("posting_date", Date, nullable=False),
    Column("document_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("invoice", String(60)),
    Column("document_number", String(60)),
    Column("description", String(200), nullable=False, default=""),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("accounting_minor", BigInteger, nullable=False),
    Column("exchange_rate", String(40), nullable=False),
    Column("open_minor", BigInteger, nullable=False),
    Column("open_accounting_minor", BigInteger, nullable=False),
    Column("ledger_account", String(120), nullable=False),
    Column("posting_profile", String(20), nullable=False),
    Column("cash_discount_code", String(20)),
    Column("cash_discount_date", Date),
    Column("cash_discount_taken_minor", BigInteger, nullable=False, default=0),
    Column("use_cash_discount", String(10), nullable=False, default="normal"),
    Column("payment_release_date", Date),
    Column("last_revaluation_date", Date),
    Column("last_revaluation_rate", String(40)),
    Column("last_revaluation_voucher", String(40)),
    Column("unrealized_minor", BigInteger, nullable=False, default=0),
    Column("closed_on", Date),
    Column("split_from", BigInteger),  # reorganisation: the transaction this part was split from
    Column("tax_code", String(20)),  # the sales tax code of the line that made it (its cash discount account)
    Column("version", Integer, nullable=False, default=1),
    PrimaryKeyConstraint("company_id", "transaction_id"),
    ForeignKeyConstraint(["company_id", "entry_id"], ["ledger_entry.company_id", "ledger_entry.entry_id"],
                         name="fk_party_transaction_entry"),
    # Serves look-ups by party as well as by invoice; nothing that settlement updates is indexed.
    Index("ix_party_transaction_invoice", "company_id", "party_type", "party_id", "invoice"),
    postgresql_with={"fillfactor": 50},  # room on each page for in-place (HOT) settlement updates
)
# A vendor invoice number posted before, by its key (limits.invoice_key: trimmed, case-insensitive), checked at
# every posting of a vendor invoice (store.transactions.posted_vendor_invoices): without it, a look-up by the
# vendor read all of that vendor's transactions. Vendor invoices only (a credit: amount_minor < 0).
VENDOR_INVOICE_KEY_WHERE = "party_type = 'vendor' AND amount_minor < 0 AND invoice IS NOT NULL"
Index("ix_party_transaction_vendor_invoice_key", party_transaction.c.company_id, party_transaction.c.party_id,
      func.lower(func.trim(party_transaction.c.invoice)),
      sqlite_where=text(VENDOR_INVOICE_KEY_WHERE), postgresql_where=text(VENDOR_INVOICE_KEY_WHERE))

settlement = Table(
    "settlement", metadata,
    Column("company_id", String(20), nullable=False),
    Column("settlement_id", BigInteger, nullable=False),
    Column("batch_id", BigInteger, nullable=False),  # one settle operation
    Column("transaction_id", BigInteger, nullable=False),
    Column("offset_transaction_id", BigInteger, nullable=False),
    Column("settlement_date", Date, nullable=False),
    Column("settled_minor", BigInteger, nullable=False),  # in the transaction's currency, signed
    Column("settled_accounting_minor", BigInteger, nullable=False),
    Column("cash_discount_minor", BigInteger, nullable=False, default=0),
    Column("cash_discount_accounting_minor", BigInteger, nullable=False, default=0),
    Column("exchange_difference_minor", BigInteger, nullable=False, default=0),
    Column("unrealized_reversed_minor", BigInteger, nullable=False, default=0),
    Column("voucher_id", BigInteger),
    Column("reversed_by_batch", BigInteger),
    PrimaryKeyConstraint("company_id", "settlement_id"),
    ForeignKeyConstraint(["company_id", "transaction_id"],
                         ["party_transaction.company_id", "party_transaction.transaction_id"],
                         name="fk_settlement_transaction"),
    Index("ix_settlement_transaction", "company_id", "transaction_id"),
    Index("ix_settlement_batch", "company_id", "batch_id"),
    # Aged balances at a past date look for reversals (rare) without reading every settlement (issue 9).
    Index("ix_settlement_reversed", "company_id", "reversed_by_batch",
          sqlite_where=text("reversed_by_batch IS NOT NULL"), postgresql_where=text("reversed_by_batch IS NOT NULL")),
)

posting_request = Table(
    "posting_request", metadata,
    Column("company_id", String(20), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("batch_id", BigInteger, nullable=False),
    Column("result", Text, nullable=False),
    # A journal file posted in committed chunks (issue 11, services/file_posting.py): the lines of the file posted
    # so far while it is under way (fingerprint and result then say what those lines were and did); NULL once the
    # request is done, and for every journal posted whole.
    Column("lines_posted", BigInteger),
    PrimaryKeyConstraint("company_id", "idempotency_key"),
    _company_fk("posting_request"),
)

journal = Table(
    "journal", metadata,
    Column("company_id", String(20), nullable=False),
    Column("journal_id", BigInteger, nullable=False),
    Column("journal_name", String(20), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("one_voucher", Boolean),
    Column("status", String(20), nullable=False, default="open"),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("company_id", "journal_id"),
    _company_fk("journal"),
)

journal_line = Table(
    "journal_line", metadata,
    Column("company_id", String(20), nullable=False),
    Column("journal_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("fields", Text, nullable=False),  # JSON of the line as entered (exact decimal text)
    PrimaryKeyConstraint("company_id", "journal_id", "line_no"),
    ForeignKeyConstraint(["company_id", "journal_id"], ["journal.company_id", "journal.journal_id"],
                         name="fk_journal_line_journal"),
)

# What the stored journals' lines mark for settlement (settle_invoice), one row per invoice or `#N` a line names,
# written with the line and dropped when the journal is posted: a settlement asks for its party's marks through
# the index instead of reading (and decoding) every line ever stored (issue 11).
journal_mark = Table(
    "journal_mark", metadata,
    Column("company_id", String(20), nullable=False),
    Column("journal_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("mark_no", Integer, nullable=False),  # the reference's place in the line's settle_invoice
    Column("party_type", String(10), nullable=False),
    Column("party_id", Text, nullable=False),  # as the line has them: unchecked until the journal is posted
    Column("reference", Text, nullable=False),
    # No foreign key to the line: the upgrade copies the marks of open journals, and on a Citus cluster a new
    # (still local) table cannot refer to the distributed lines. Every change of the lines changes their marks
    # in the same transaction (store.stored_journals), and a mark counts only while its journal is open.
    PrimaryKeyConstraint("company_id", "journal_id", "line_no", "mark_no"),
    Index("ix_journal_mark_party", "company_id", "party_type", "party_id"),
)

netting_agreement = Table(
    "netting_agreement", metadata,
    Column("company_id", String(20), nullable=False),
    Column("agreement_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("vendor_id", String(40), nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("active", Boolean, nullable=False, default=True),
    Column("clearing_account", String(120), nullable=False),
    PrimaryKeyConstraint("company_id", "agreement_id"),
    _company_fk("netting_agreement"),
)


# ---------------------------------------------------------------- period end (issue 8: close)

# One row per period-end run: GL revaluation, year-end close, allocation, consolidation, and each reversal.
# A run's vouchers are never deleted; undoing a run posts a reversal run that names it (reverses_run).
close_run = Table(
    "close_run", metadata,
    Column("company_id", String(20), nullable=False),
    Column("run_id", BigInteger, nullable=False),
    Column("kind", String(30), nullable=False),  # ledger_revaluation | year_end | allocation | consolidation
    Column("year", Integer),
    Column("as_of", Date, nullable=False),
    Column("parameters", Text, nullable=False, default="{}"),  # JSON of the run's options
    Column("voucher_ids", Text, nullable=False, default="[]"),  # JSON list
    Column("status", String(20), nullable=False),  # posted | reversed | reversal
    Column("reverses_run", BigInteger),
    Column("reversed_by_run", BigInteger),
    Column("user_name", String(60)),
    Column("created_at", String(32), nullable=False),
    PrimaryKeyConstraint("company_id", "run_id"),
    _company_fk("close_run"),
    Index("ix_close_run_kind", "company_id", "kind", "year"),
)

# Who changed a period's status or module access, when, from what to what (mass update, B4.2).
period_change = Table(
    "period_change", metadata,
    Column("company_id", String(20), nullable=False),
    Column("change_id", BigInteger, nullable=False),
    Column("period_id", Integer, nullable=False),
    Column("period_name", String(40), nullable=False),
    Column("field", String(20), nullable=False),  # status | access
    Column("old_value", Text, nullable=False),
    Column("new_value", Text, nullable=False),
    Column("user_name", String(60)),
    Column("changed_at", String(32), nullable=False),
    PrimaryKeyConstraint("company_id", "change_id"),
    _company_fk("period_change"),
)

# The period-close workspace: the checklist of seed 002 as tasks per company and period.
close_task = Table(
    "close_task", metadata,
    Column("company_id", String(20), nullable=False),
    Column("period_name", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("owner", String(60)),
    Column("due_date", Date),
    Column("status", String(20), nullable=False, default="not_started"),
    PrimaryKeyConstraint("company_id", "period_name", "position"),
    _company_fk("close_task"),
)

# Ledger allocation rules (B4.5): the definition (sources, destinations, basis) as JSON.
allocation_rule = Table(
    "allocation_rule", metadata,
    Column("company_id", String(20), nullable=False),
    Column("rule_id", String(40), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("definition", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    PrimaryKeyConstraint("company_id", "rule_id"),
    _company_fk("allocation_rule"),
)

# ---- web (HTTP API and web pages, issue 12): users, roles per company, API tokens, sign-in sessions,
# the user of each posting batch, and idempotent API requests. Users are global (one sign-in for every
# company); what they may see and do is granted per company by a role.
app_user = Table(
    "app_user", metadata,
    Column("user_name", String(60), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("display_name", String(200), nullable=False, default=""),
    Column("locale", String(10), nullable=False, default="en"),
    Column("active", Boolean, nullable=False, default=True),
)

user_role = Table(
    "user_role", metadata,
    Column("company_id", String(20), nullable=False),
    Column("user_name", String(60), nullable=False),
    Column("role", String(20), nullable=False),  # viewer, clerk, accountant, administrator
    PrimaryKeyConstraint("company_id", "user_name"),
    _company_fk("user_role"),
    ForeignKeyConstraint(["user_name"], ["app_user.user_name"], name="fk_user_role_user"),
)

api_token = Table(
    "api_token", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the bearer token; the token is shown once
    Column("user_name", String(60), nullable=False),
    Column("label", String(60), nullable=False, default=""),
    Column("expires_at", BigInteger),  # epoch seconds; none: until revoked
    ForeignKeyConstraint(["user_name"], ["app_user.user_name"], name="fk_api_token_user"),
)

web_session = Table(
    "web_session", metadata,
    Column("session_hash", String(64), primary_key=True),  # sha256 of the cookie value
    Column("user_name", String(60), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("expires_at", BigInteger, nullable=False),  # epoch seconds
    ForeignKeyConstraint(["user_name"], ["app_user.user_name"], name="fk_web_session_user"),
)

batch_user = Table(
    "batch_user", metadata,
    Column("company_id", String(20), nullable=False),
    Column("batch_id", BigInteger, nullable=False),
    Column("user_name", String(60), nullable=False),
    Column("posted_at", BigInteger, nullable=False),  # epoch seconds
    PrimaryKeyConstraint("company_id", "batch_id"),
    _company_fk("batch_user"),
)

api_request = Table(
    "api_request", metadata,
    Column("company_id", String(20), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("user_name", String(60), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # method, path and body of the first request
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    PrimaryKeyConstraint("company_id", "idempotency_key"),
    _company_fk("api_request"),
)

# ---------------------------------------------------------------- voucher reversal (issue 7, day-one bookkeeping)
# A posted voucher reversed by a new voucher that negates every entry: linked both ways (one reversal each).
voucher_reversal = Table(
    "voucher_reversal", metadata,
    Column("company_id", String(20), nullable=False),
    Column("voucher_id", BigInteger, nullable=False),  # the original
    Column("reversal_voucher_id", BigInteger, nullable=False),
    Column("batch_id", BigInteger, nullable=False),
    Column("reversal_date", Date, nullable=False),
    Column("reason", String(200), nullable=False, default=""),
    PrimaryKeyConstraint("company_id", "voucher_id"),
    UniqueConstraint("company_id", "reversal_voucher_id", name="uq_voucher_reversal_reversal"),
    ForeignKeyConstraint(["company_id", "voucher_id"], ["voucher.company_id", "voucher.voucher_id"],
                         name="fk_voucher_reversal_original"),
    ForeignKeyConstraint(["company_id", "reversal_voucher_id"], ["voucher.company_id", "voucher.voucher_id"],
                         name="fk_voucher_reversal_reversal"),
)

# ---------------------------------------------------------------- ledger settlement (issue 8: close)
# Ledger settlement (B4.1): a debit and a credit (or several entries netting to zero) of one account marked as
# settled against each other. Unsettling stamps the rows; nothing is deleted.
ledger_settlement = Table(
    "ledger_settlement", metadata,
    Column("company_id", String(20), nullable=False),
    Column("settlement_id", BigInteger, nullable=False),
    Column("entry_id", BigInteger, nullable=False),
    Column("main_account", String(40), nullable=False),
    Column("settled_on", Date, nullable=False),
    Column("user_name", String(60)),
    Column("unsettled_on", Date),
    PrimaryKeyConstraint("company_id", "settlement_id", "entry_id"),
    _company_fk("ledger_settlement"),
    Index("ix_ledger_settlement_entry", "company_id", "entry_id"),
)


# ---------------------------------------------------------------- lease accounting (issue 10, domain.md B2)

lease_book = Table(
    "lease_book", metadata,
    Column("company_id", String(20), nullable=False),
    Column("book_id", String(20), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("framework", String(10), nullable=False),  # ifrs16 | asc842 | ias17 | asc840 | cash
    Column("lease_type", String(10), nullable=False),  # automatic | finance | operating
    Column("pay_to_vendor", Boolean, nullable=False, default=False),
    Column("convention", String(20), nullable=False),  # full_month | none
    Column("short_term_months", Integer, nullable=False, default=0),
    Column("low_value", String(40)),  # exact decimal text, accounting currency; blank = no low-value test
    Column("lease_term_percent", String(20), nullable=False),
    Column("present_value_percent", String(20), nullable=False),
    Column("transition", Boolean, nullable=False, default=False),
    PrimaryKeyConstraint("company_id", "book_id"),
    _company_fk("lease_book"),
)

lease_posting_profile = Table(
    "lease_posting_profile", metadata,
    Column("company_id", String(20), nullable=False),
    Column("profile_id", String(20), nullable=False),
    Column("accounts", Text, nullable=False),  # JSON {purpose: ledger account}
    PrimaryKeyConstraint("company_id", "profile_id"),
    _company_fk("lease_posting_profile"),
)

lease_group = Table(
    "lease_group", metadata,
    Column("company_id", String(20), nullable=False),
    Column("group_id", String(20), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("posting_profile", String(20), nullable=False),
    PrimaryKeyConstraint("company_id", "group_id"),
    ForeignKeyConstraint(["company_id", "posting_profile"], ["lease_posting_profile.company_id",
                                                             "lease_posting_profile.profile_id"],
                         name="fk_lease_group_profile"),
)

lease = Table(
    "lease", metadata,
    Column("company_id", String(20), nullable=False),
    Column("lease_id", String(40), nullable=False),
    Column("book_id", String(20), nullable=False),
    Column("group_id", String(20), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("commencement", Date, nullable=False),  # after the book's convention
    Column("payments", Text, nullable=False),  # JSON [{amount, frequency, periods}]
    Column("annuity", String(10), nullable=False),
    Column("compounding", String(10), nullable=False),
    Column("rate", String(40), nullable=False),  # annual %, exact decimal text
    Column("currency", String(3), nullable=False),
    Column("initial_direct_costs_minor", BigInteger, nullable=False, default=0),
    Column("prepayment_minor", BigInteger, nullable=False, default=0),
    Column("incentives_minor", BigInteger, nullable=False, default=0),
    Column("dismantling_minor", BigInteger, nullable=False, default=0),
    Column("fair_value_minor", BigInteger),
    Column("useful_life_months", Integer),
    Column("transfer_of_ownership", Boolean, nullable=False, default=False),
    Column("purchase_option", Boolean, nullable=False, default=False),
    Column("vendor_id", String(40)),
    Column("status", String(20), nullable=False),  # draft | confirmed | terminated
    Column("classification", String(20)),  # set at confirmation
    Column("classification_reason", String(200)),
    Column("liability_minor", BigInteger),
    Column("rou_minor", BigInteger),
    Column("term_months", Integer),
    Column("fixed_rate", String(40)),  # the commencement exchange rate (initial recognition and depreciation)
    Column("first_month", Integer, nullable=False, default=0),  # schedule lines before it were taken by transition
    PrimaryKeyConstraint("company_id", "lease_id"),
    ForeignKeyConstraint(["company_id", "book_id"], ["lease_book.company_id", "lease_book.book_id"],
                         name="fk_lease_book"),
    ForeignKeyConstraint(["company_id", "group_id"], ["lease_group.company_id", "lease_group.group_id"],
                         name="fk_lease_group"),
)

lease_schedule = Table(
    "lease_schedule", metadata,  # one row per lease and month, frozen at confirmation
    Column("company_id", String(20), nullable=False),
    Column("lease_id", String(40), nullable=False),
    Column("month", Integer, nullable=False),  # 0 = the month of commencement
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("payment_date", Date),
    Column("opening_minor", BigInteger, nullable=False),
    Column("payment_minor", BigInteger, nullable=False),
    Column("interest_minor", BigInteger, nullable=False),
    Column("closing_minor", BigInteger, nullable=False),
    Column("depreciation_minor", BigInteger, nullable=False),
    Column("rou_closing_minor", BigInteger, nullable=False),
    Column("expense_minor", BigInteger, nullable=False),
    Column("deferred_rent_minor", BigInteger, nullable=False),
    Column("short_term_minor", BigInteger, nullable=False),
    Column("carrying_minor", BigInteger, nullable=False),  # the liability as posted after the month
    PrimaryKeyConstraint("company_id", "lease_id", "month"),
    ForeignKeyConstraint(["company_id", "lease_id"], ["lease.company_id", "lease.lease_id"],
                         name="fk_lease_schedule_lease"),
)

lease_journal_entry = Table(
    "lease_journal_entry", metadata,  # a schedule line (or lease event) journalised: rule B6
    Column("company_id", String(20), nullable=False),
    Column("lease_id", String(40), nullable=False),
    Column("schedule", String(20), nullable=False),  # initial_recognition | payment | ... | impairment | ...
    Column("month", Integer, nullable=False),
    Column("journal_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),  # the first journal line of the entry
    Column("posting_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # created | posted | reversed
    Column("voucher_number", String(40)),
    Column("reversal_voucher", String(40)),  # short-term reclass: the automatic reversal; else the reversal
    PrimaryKeyConstraint("company_id", "lease_id", "schedule", "month", "journal_id"),
    # The entries of journals still to post (status created), found by journal: a batch that posts at once writes
    # none of its hundreds of thousands of rows here (migration 0022).
    Index("ix_lease_journal_entry_journal", "company_id", "journal_id",
          sqlite_where=text("status = 'created'"), postgresql_where=text("status = 'created'")),
)



# --- Sales tax, free-text invoices, collections and write-off (issue 9) ---------------------------------------

sales_tax_group = Table(
    "sales_tax_group", metadata,  # the customer's/vendor's side of the intersection that decides a line's codes
    Column("company_id", String(20), nullable=False),
    Column("group_code", String(20), nullable=False),
    Column("tax_code", String(20), nullable=False),
    PrimaryKeyConstraint("company_id", "group_code", "tax_code"),
    _company_fk("sales_tax_group"),
)

item_sales_tax_group = Table(
    "item_sales_tax_group", metadata,  # the line's (item's) side of the intersection
    Column("company_id", String(20), nullable=False),
    Column("group_code", String(20), nullable=False),
    Column("tax_code", String(20), nullable=False),
    PrimaryKeyConstraint("company_id", "group_code", "tax_code"),
    _company_fk("item_sales_tax_group"),
)

tax_transaction = Table(
    "tax_transaction", metadata,  # the tax of every posted line, per code: what a write-off or report restates
    Column("company_id", String(20), nullable=False),
    Column("tax_transaction_id", BigInteger, nullable=False),
    Column("voucher_id", BigInteger, nullable=False),
    Column("entry_id", BigInteger, nullable=False),  # the tax entry
    Column("transaction_id", BigInteger),  # the customer/vendor transaction of the line, when it made one
    Column("posting_date", Date, nullable=False),
    Column("tax_code", String(20), nullable=False),
    Column("direction", String(10), nullable=False),  # output (sales) | input (purchases)
    Column("ledger_account", String(120), nullable=False),  # the tax account, with its dimensions
    Column("currency", String(3), nullable=False),
    Column("base_minor", BigInteger, nullable=False),  # signed like the tax entry
    Column("tax_minor", BigInteger, nullable=False),
    Column("base_accounting_minor", BigInteger, nullable=False),
    Column("tax_accounting_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "tax_transaction_id"),
    ForeignKeyConstraint(["company_id", "voucher_id"], ["voucher.company_id", "voucher.voucher_id"],
                         name="fk_tax_transaction_voucher"),
    Index("ix_tax_transaction_voucher", "company_id", "voucher_id"),
    Index("ix_tax_transaction_date", "company_id", "posting_date"),
    # The tax of the invoices a settlement or write-off names (cash discount on sales tax, separate sales tax).
    Index("ix_tax_transaction_transaction", "company_id", "transaction_id"),
)

tax_settlement = Table(
    "tax_settlement", metadata,  # a settled sales tax period: its tax moved to the settlement account
    Column("company_id", String(20), nullable=False),
    Column("settlement_id", BigInteger, nullable=False),
    Column("from_date", Date, nullable=False),
    Column("to_date", Date, nullable=False),
    Column("voucher_id", BigInteger),
    PrimaryKeyConstraint("company_id", "settlement_id"),
    _company_fk("tax_settlement"),
)

reason_code = Table(
    "reason_code", metadata,  # write-off and settle-remainder reasons
    Column("company_id", String(20), nullable=False),
    Column("code", String(20), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("customer", Boolean, nullable=False, default=False),
    Column("vendor", Boolean, nullable=False, default=False),
    Column("account", String(120)),
    Column("is_default", Boolean, nullable=False, default=False),
    PrimaryKeyConstraint("company_id", "code"),
    _company_fk("reason_code"),
)

invoice = Table(
    "invoice", metadata,  # free-text (customer) and vendor invoices as documents: draft -> posted
    Column("company_id", String(20), nullable=False),
    Column("invoice_id", BigInteger, nullable=False),
    Column("party_type", String(10), nullable=False),
    Column("party_id", String(40), nullable=False),
    Column("status", String(10), nullable=False),  # draft | posted
    Column("number", String(60)),  # from the number sequence at posting (customer) or as received (vendor)
    Column("invoice_date", Date, nullable=False),
    Column("document_date", Date),
    Column("due_date", Date),
    Column("currency", String(3)),
    Column("payment_terms", String(20)),
    Column("cash_discount", String(20)),
    Column("sales_tax_group", String(20)),
    Column("dimensions", Text, nullable=False, default="{}"),
    Column("description", String(200), nullable=False, default=""),
    Column("credit_of", String(60)),  # the invoice a credit note corrects
    Column("posting_profile", String(20)),
    Column("voucher_id", BigInteger),
    PrimaryKeyConstraint("company_id", "invoice_id"),
    _company_fk("invoice"),
    # An invoice named by its number (a credit note's original; migration 0028).
    Index("ix_invoice_number", "company_id", "number"),
)

invoice_line = Table(
    "invoice_line", metadata,
    Column("company_id", String(20), nullable=False),
    Column("invoice_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("ledger_account", String(120), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("quantity", String(40)),  # exact decimal text
    Column("unit_price", String(40)),
    Column("amount", String(40), nullable=False),  # quantity x unit price, or as entered (exact decimal text)
    Column("item_sales_tax_group", String(20)),
    PrimaryKeyConstraint("company_id", "invoice_id", "line_no"),
    ForeignKeyConstraint(["company_id", "invoice_id"], ["invoice.company_id", "invoice.invoice_id"],
                         name="fk_invoice_line_invoice"),
)

journal_tax_line = Table(
    "journal_tax_line", metadata,  # a stored journal's line that restates sales tax (a write-off's tax line)
    Column("company_id", String(20), nullable=False),
    Column("journal_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("tax_code", String(20), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("base_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "journal_id", "line_no"),
    ForeignKeyConstraint(["company_id", "journal_id"], ["journal.company_id", "journal.journal_id"],
                         name="fk_journal_tax_line_journal"),
)


# --- Interchange (issue 15: SAF-T Financial, bank statements camt.053, payment files pain.001) ----------------

interchange_setting = Table(
    "interchange_setting", metadata,  # what the files need and the ledger does not keep, per record
    Column("company_id", String(20), nullable=False),
    # saft_company | saft_account (key: main account) | saft_tax_code (key: tax code) | bank_account (key: bank
    # id: IBAN, BIC) | vendor_bank (key: vendor id: IBAN or account number, BIC) | customer_reference ...
    Column("kind", String(20), nullable=False),
    Column("key", String(120), nullable=False),
    Column("value", Text, nullable=False),  # JSON mapping
    PrimaryKeyConstraint("company_id", "kind", "key"),
    _company_fk("interchange_setting"),
)

bank_statement = Table(
    "bank_statement", metadata,  # a camt.053 statement read into a bank reconciliation
    Column("company_id", String(20), nullable=False),
    Column("statement_id", BigInteger, nullable=False),
    Column("bank_id", String(40), nullable=False),
    Column("file_name", String(200), nullable=False, default=""),
    Column("message_id", String(40), nullable=False, default=""),
    Column("statement_ref", String(40), nullable=False, default=""),  # Stmt/Id
    Column("created_on", Date),
    Column("currency", String(3), nullable=False),
    Column("opening_minor", BigInteger),  # OPBD, signed (credit positive: money at the bank)
    Column("closing_minor", BigInteger),  # CLBD
    Column("status", String(10), nullable=False),  # imported | posted
    Column("batch_id", BigInteger),  # the posting of its proposals
    PrimaryKeyConstraint("company_id", "statement_id"),
    _company_fk("bank_statement"),
)

bank_statement_line = Table(
    "bank_statement_line", metadata,  # one entry (Ntry) of a statement
    Column("company_id", String(20), nullable=False),
    Column("statement_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("booking_date", Date, nullable=False),
    Column("value_date", Date),
    Column("amount_minor", BigInteger, nullable=False),  # signed: a credit (money in) is positive
    Column("currency", String(3), nullable=False),
    Column("reference", String(60)),  # structured creditor reference (KID, OCR, RF) or end-to-end id
    Column("remittance", String(400), nullable=False, default=""),  # unstructured remittance text
    Column("counterparty", String(140), nullable=False, default=""),
    Column("counterparty_account", String(40), nullable=False, default=""),
    Column("entry_reference", String(60), nullable=False, default=""),
    Column("status", String(10), nullable=False),  # open | posted
    PrimaryKeyConstraint("company_id", "statement_id", "line_no"),
    ForeignKeyConstraint(["company_id", "statement_id"], ["bank_statement.company_id", "bank_statement.statement_id"],
                         name="fk_bank_statement_line_statement"),
)


# ---------------------------------------------------------------- trust (issue 13): tamper evidence
# The head of each series' voucher hash chain: its last voucher and that voucher's hash (store/voucher_chain.py).
voucher_chain = Table(
    "voucher_chain", metadata,
    Column("company_id", String(20), nullable=False),
    Column("series", String(20), nullable=False),
    Column("voucher_id", BigInteger, nullable=False),
    Column("chain_hash", String(64), nullable=False),
    PrimaryKeyConstraint("company_id", "series"),
    _company_fk("voucher_chain"),
)

# ---------------------------------------------------------------- trust (issue 13): audit trail of master data
# Who changed which master-data record, when, from what to what (services/audit.py). Changes of users, which
# belong to no company, carry company_id '' (so no foreign key to company).
audit_entry = Table(
    "audit_entry", metadata,
    Column("company_id", String(20), nullable=False),
    Column("audit_id", BigInteger, nullable=False),
    Column("changed_at", String(32), nullable=False),  # ISO 8601, UTC, microseconds
    Column("user_name", String(60)),
    Column("kind", String(40), nullable=False),  # account, posting-profile, parameter, period, user, exchange-rate, ...
    Column("record_key", String(200), nullable=False),
    Column("action", String(20), nullable=False),  # added | changed | deleted
    Column("before", Text),  # JSON of the record (or of the changed fields) before; none when added
    Column("after", Text),  # JSON after; none when deleted
    PrimaryKeyConstraint("company_id", "audit_id"),
    Index("ix_audit_entry_kind", "company_id", "kind", "record_key"),
)

# ---------------------------------------------------------------- collections (issue 9 item 4): interest notes,
# collection letters and fees posted as customer transactions (services/interest_notes.py). A document's
# `transaction_id` is the customer transaction it posted (its type for automatic settlement's priority); its
# lines are the overdue transactions it charged (the days of interest, the letter they reached).
collection_document = Table(
    "collection_document", metadata,
    Column("company_id", String(20), nullable=False),
    Column("document_id", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False),  # interest_note | collection_letter | fee
    Column("party_id", String(40), nullable=False),
    Column("document_date", Date, nullable=False),
    Column("code", String(20), nullable=False, default=""),  # interest code, letter sequence
    Column("level", Integer),  # a collection letter's place in its sequence
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # the interest, or the fee
    Column("voucher_id", BigInteger),  # none: a letter without a fee
    Column("voucher_number", String(40)),
    Column("transaction_id", BigInteger),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("company_id", "document_id"),
    Index("ix_collection_document_transaction", "company_id", "transaction_id"),
    _company_fk("collection_document"),
)

collection_document_line = Table(
    "collection_document_line", metadata,
    Column("company_id", String(20), nullable=False),
    Column("document_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("transaction_id", BigInteger, nullable=False),  # the overdue transaction
    Column("open_minor", BigInteger, nullable=False),
    Column("from_date", Date),  # interest: the first and last day charged
    Column("to_date", Date),
    Column("days", Integer, nullable=False),
    Column("interest_minor", BigInteger, nullable=False, default=0),
    Column("level", Integer),  # a letter: the letter this transaction reached
    PrimaryKeyConstraint("company_id", "document_id", "line_no"),
    Index("ix_collection_document_line_transaction", "company_id", "transaction_id"),
    ForeignKeyConstraint(["company_id", "document_id"], ["collection_document.company_id",
                                                         "collection_document.document_id"],
                         name="fk_collection_document_line_document"),
)

# ---------------------------------------------------------------- lease accounting (issue 10): reversible events
# The schedule rows an impairment, modification or transition replaced (from the event's month on), kept per
# event (its journal) so that reversing the event restores the schedule exactly (services/lease_events.py).
lease_replaced_schedule = Table(
    "lease_replaced_schedule", metadata,
    Column("company_id", String(20), nullable=False),
    Column("lease_id", String(40), nullable=False),
    Column("journal_id", BigInteger, nullable=False),  # the event's journal (lease_journal_entry.journal_id)
    Column("month", Integer, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("payment_date", Date),
    Column("opening_minor", BigInteger, nullable=False),
    Column("payment_minor", BigInteger, nullable=False),
    Column("interest_minor", BigInteger, nullable=False),
    Column("closing_minor", BigInteger, nullable=False),
    Column("depreciation_minor", BigInteger, nullable=False),
    Column("rou_closing_minor", BigInteger, nullable=False),
    Column("expense_minor", BigInteger, nullable=False),
    Column("deferred_rent_minor", BigInteger, nullable=False),
    Column("short_term_minor", BigInteger, nullable=False),
    Column("carrying_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "lease_id", "journal_id", "month"),
    ForeignKeyConstraint(["company_id", "lease_id"], ["lease.company_id", "lease.lease_id"],
                         name="fk_lease_replaced_schedule_lease"),
)

# ---------------------------------------------------------------- lease accounting (issue 10): reversal trace
# AL-REV: reversing a lease transaction again revokes the reversal; a trace number (the original voucher's
# number) links the original, its reversal, the revocation and so on, one row per voucher each step posted.
lease_reversal_trace = Table(
    "lease_reversal_trace", metadata,
    Column("company_id", String(20), nullable=False),
    Column("lease_id", String(40), nullable=False),
    Column("trace_number", String(40), nullable=False),  # the original voucher (lease_journal_entry.voucher_number)
    Column("step", Integer, nullable=False),  # 1 the reversal, 2 its revocation, 3 a second reversal, ...
    Column("position", Integer, nullable=False),  # a short-term reclass: its automatic reversal's negation second
    Column("action", String(10), nullable=False),  # reversal | revocation
    Column("voucher_number", String(40), nullable=False),
    Column("reverses", String(40), nullable=False),  # the voucher this one negates (of the step before)
    Column("posting_date", Date, nullable=False),
    PrimaryKeyConstraint("company_id", "lease_id", "trace_number", "step", "position"),
    ForeignKeyConstraint(["company_id", "lease_id"], ["lease.company_id", "lease.lease_id"],
                         name="fk_lease_reversal_trace_lease"),
)

# ---------------------------------------------------------------- lease accounting (issue 10): batch high-water mark
# Per lease and schedule (payment, interest, depreciation, short_term_reclass): every schedule line of that
# schedule up to `month` is journalised (a journal entry not reversed) or has nothing to journalise, so the
# batch reads only the schedule lines and journal entries after it. Reversing a line (or an event) moves the
# mark back before it; an event that restates the schedule from a month moves it back before that month.
lease_batch_mark = Table(
    "lease_batch_mark", metadata,
    Column("company_id", String(20), nullable=False),
    Column("lease_id", String(40), nullable=False),
    Column("schedule", String(20), nullable=False),
    Column("month", Integer, nullable=False),  # -1: nothing journalised yet
    PrimaryKeyConstraint("company_id", "lease_id", "schedule"),
    ForeignKeyConstraint(["company_id", "lease_id"], ["lease.company_id", "lease.lease_id"],
                         name="fk_lease_batch_mark_lease"),
)

# ---------------------------------------------------------------- collections (issue 9): notes, unrealized history
# A collections clerk's dated notes on a customer, optionally on one of its transactions (the collections view).
customer_note = Table(
    "customer_note", metadata,
    Column("company_id", String(20), nullable=False),
    Column("note_id", BigInteger, nullable=False),
    Column("party_id", String(40), nullable=False),
    Column("note_date", Date, nullable=False),
    Column("transaction_id", BigInteger),  # the customer transaction the note is about, if any
    Column("note", String(2000), nullable=False),
    Column("user_name", String(100), nullable=False, default=""),
    PrimaryKeyConstraint("company_id", "note_id"),
    Index("ix_customer_note_party", "company_id", "party_id"),
)

# Each change of a transaction's unrealized revaluation amount (in the summary account's accounting terms) on the
# date it was posted: what aged balances in the accounting currency add as of a past date, so that they tie to
# the summary accounts after a revaluation. Settlement's own reversals of unrealized amounts (rule FX1) stay in
# settlement.unrealized_reversed_minor.
unrealized_change = Table(
    "unrealized_change", metadata,
    Column("company_id", String(20), nullable=False),
    Column("change_id", BigInteger, nullable=False),
    Column("transaction_id", BigInteger, nullable=False),
    Column("change_date", Date, nullable=False),
    Column("voucher_number", String(40), nullable=False),
    Column("change_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "change_id"),
    Index("ix_unrealized_change_transaction", "company_id", "transaction_id"),
)
