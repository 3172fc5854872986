"""Use case: import a SAF-T Financial file into a new company, in one transaction (a refusal writes nothing).

The file is first checked against its schema (1.30 files against the 1.30 XSD, 1.0–1.20 files against 1.20's);
a file that fails is refused with the file, line and element named. Then:

- the company: id (given, else the registration number), name and currency from the header; a calendar of
  calendar years covering the selection (1 January of the first year onwards); the registration number and
  contact kept as SAF-T settings, so that an export writes them again;
- main accounts from GeneralLedgerAccounts: the account type from the 1.30 GroupingCategory (or the first digit
  of the account, NS 4102), the grouping kept as the account's SAF-T setting;
- dimensions from the analysis types used (AnalysisType = dimension name);
- customers and suppliers; a posting profile per balance account (`S<account>`), so that each party line posts
  to the account the file names;
- the opening balances as one voucher in the opening period of the first year: a customer/supplier line per
  party's opening balance on its balance account (an open transaction), the rest of each account on a ledger
  line; when the file's opening balances do not sum to zero, the difference goes to a suspense account
  (`SAFTDIFF`, created) and the report says so;
- every transaction as a voucher of its journal (journal name = JournalID, manual voucher numbers = TransactionID);
  a line with a CustomerID/SupplierID on one of that party's balance accounts posts as a customer/vendor line.

Afterwards the closing balances per account and per party are compared with the file's; the report lists every
difference (a published file may itself not tie).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from lxml import etree
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from ..errors import BilagError, InvalidInput
from ..interchange.saft.model import NAMESPACE, RECORDS, SCHEMA_1_20, SCHEMA_1_30, SaftLine
from ..interchange.saft.reader import SaftFile, read_saft
from ..interchange.xml_files import SCHEMAS, InvalidFile, validate_file
from ..journal.model import JournalLine
from ..limits import fit_text
from ..money import format_minor
from ..store.companies import load_company
from ..store.interchange import save_settings
from .posting import post_lines
from .setup import apply_setup, database_refusal

OPENING_JOURNAL = "SAFT-OB"
DIFFERENCE_ACCOUNT = "SAFTDIFF"
TYPE_OF_CATEGORY = {
    "balanseverdiForAnleggsmiddel": "asset", "balanseverdiForOmloepsmiddel": "asset",
    "balanseverdiForBankOgForsikringseiendel": "asset", "egenkapital": "equity", "kortsiktigGjeld": "liability",
    "langsiktigGjeld": "liability", "gjeldInnenBankOgForsikring": "liability", "salgsinntekt": "revenue",
    "annenDriftsinntekt": "revenue", "finansinntekt": "revenue", "bankOgForsikringsinntekt": "revenue",
}
TYPE_OF_FIRST_DIGIT = {"1": "asset", "2": "liability", "3": "revenue", "8": "expense"}


@dataclass
class ImportReport:
    company_id: str
    source: str
    version: str
    accounts: int = 0
    customers: int = 0
    suppliers: int = 0
    transactions: int = 0
    lines: int = 0
    accounts_tying: int = 0
    customers_tying: int = 0
    suppliers_tying: int = 0
    differences: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {key: value for key, value in self.__dict__.items()}


def schema_of(path: str | Path) -> str:
    """The schema a file is checked against: by its AuditFileVersion (1.30, else 1.20)."""
    try:
        for _event, element in etree.iterparse(str(path), events=("end",), tag=f"{{{NAMESPACE}}}AuditFileVersion"):
            return SCHEMA_1_30 if (element.text or "").strip().startswith("1.3") else SCHEMA_1_20
    except etree.XMLSyntaxError:
        return SCHEMA_1_30  # the schema check names the problem
    return SCHEMA_1_30


def _account_type(account) -> str:
    if account.grouping_category and account.grouping_category in TYPE_OF_CATEGORY:
        return TYPE_OF_CATEGORY[account.grouping_category]
    if account.grouping_category:
        return "expense"
    digits = account.standard_account or account.id
    if digits.startswith("20"):
        return "equity"
    return TYPE_OF_FIRST_DIGIT.get(digits[:1], "expense")


def _profile(account_id: str) -> str:
    return f"S{account_id}"[:20]


class _Plan:
    """The set-up and journals a file becomes."""

    def __init__(self, file: SaftFile, company_id: str):
        self.file = file
        self.company_id = company_id
        self.dimensions: list[str] = []
        for journal in file.journals:
            for transaction in journal.transactions:
                for line in transaction.lines:
                    for kind, _value in line.analysis:
                        if kind and kind not in self.dimensions:
                            self.dimensions.append(kind)
        self.balance_accounts: dict[tuple[str, str], set[str]] = {}
        for kind, parties in (("customer", file.customers), ("vendor", file.suppliers)):
            for party in parties:
                self.balance_accounts[(kind, party.id)] = {account for account, _o, _c in party.balances if account}

    def years(self) -> tuple[date, int]:
        file = self.file
        first = file.period_start_year or (file.selection_start.year if file.selection_start else None)
        last = file.period_end_year or (file.selection_end.year if file.selection_end else None)
        days = [t.date for j in file.journals for t in j.transactions]
        if first is None:
            first = min(days).year if days else date.today().year
        last = max([last or first] + [day.year for day in days])
        return date(first, 1, 1), last - first + 1

    def party_kind(self, line: SaftLine) -> tuple[str, str] | None:
        for kind, party_id in (("customer", line.customer_id), ("vendor", line.supplier_id)):
            if party_id:
                accounts = self.balance_accounts.get((kind, party_id))
                if accounts is None or not accounts or line.account_id in accounts:
                    return kind, party_id
        return None

    def setup(self) -> tuple[dict, list[str]]:
        file = self.file
        first_year_start, years = self.years()
        accounts = [{"id": a.id, "name": a.description or a.id, "type": _account_type(a)} for a in file.accounts]
        known = {a.id for a in file.accounts}
        extra = []
        for journal in file.journals:
            for transaction in journal.transactions:
                for line in transaction.lines:
                    if line.account_id not in known:
                        known.add(line.account_id)
                        extra.append(line.account_id)
                        accounts.append({"id": line.account_id, "name": line.account_id, "type": "expense"})
        for parties in (file.customers, file.suppliers):
            for party in parties:
                for account_id, _o, _c in party.balances:
                    if account_id and account_id not in known:
                        known.add(account_id)
                        extra.append(account_id)
                        accounts.append({"id": account_id, "name": account_id, "type": "asset"})
        profiles: dict[str, list[dict]] = {"customer": [], "vendor": []}
        used: set[tuple[str, str]] = set()
        for (kind, _party), party_accounts in self.balance_accounts.items():
            used.update((kind, account) for account in party_accounts)
        for journal in file.journals:
            for transaction in journal.transactions:
                for line in transaction.lines:
                    found = self.party_kind(line)
                    if found:
                        used.add((found[0], line.account_id))
        for kind, account_id in sorted(used):
            profiles[kind].append({"profile": _profile(account_id), "summary_account": account_id})
        names = sorted({journal.id for journal in file.journals} | {OPENING_JOURNAL})
        setup = {
            "company": {"id": self.company_id, "name": file.company_name or self.company_id,
                        "accounting_currency": file.currency or "NOK",
                        # the source's books as they are: a vendor invoice number may recur
                        "parameters": {"duplicate_vendor_invoice": "allow"}},
            "calendar": {"first_year_start": first_year_start.isoformat(), "years": years},
            "dimensions": list(self.dimensions),
            "accounts": accounts,
            "posting_profiles": {kind: rules for kind, rules in profiles.items() if rules},
            "customers": [{"id": p.id, "name": p.name or p.id} for p in file.customers],
            "vendors": [{"id": p.id, "name": p.name or p.id} for p in file.suppliers],
            "journal_names": [{"name": name, "voucher_mode": "manual",
                               "description": fit_text(next((j.description for j in file.journals if j.id == name),
                                                   "SAF-T opening balances"))} for name in names],
        }
        return setup, extra


def _ledger_account(account_id: str, analysis: list[tuple[str, str]], dimensions: list[str]) -> str:
    if not analysis:
        return account_id
    values = dict(analysis)
    return "-".join([account_id] + [values.get(name, "") for name in dimensions]).rstrip("-")


def _amount_line(number: int, day: date, account_type: str, account: str, minor: int, **fields) -> JournalLine:
    value = Decimal(abs(minor)).scaleb(-2)
    return JournalLine(number, day, account_type, account, debit=value if minor > 0 else None,
                       credit=value if minor < 0 else None, **fields)


def _opening_lines(plan: _Plan, day: date, report: ImportReport) -> list[JournalLine]:
    file = plan.file
    lines: list[JournalLine] = []
    party_part: dict[str, int] = {}
    for kind, parties in (("customer", file.customers), ("vendor", file.suppliers)):
        for party in parties:
            for account_id, opening, _closing in party.balances:
                if opening:
                    lines.append(_amount_line(len(lines) + 1, day, kind.capitalize(), party.id, opening,
                                              voucher="OB", description="Opening balance",
                                              posting_profile=_profile(account_id)))
                    party_part[account_id] = party_part.get(account_id, 0) + opening
    total = 0
    for account in file.accounts:
        rest = account.opening_minor - party_part.pop(account.id, 0)
        total += account.opening_minor
        if rest:
            lines.append(_amount_line(len(lines) + 1, day, "Ledger", account.id, rest, voucher="OB",
                                      description="Opening balance"))
    for amount in party_part.values():  # a party's balance account the chart does not list
        total += amount
    if total:
        report.warnings.append(
            f"the file's opening balances do not sum to zero (net {'debit' if total > 0 else 'credit'} "
            f"{format_minor(abs(total), 2)}): the difference is posted to account {DIFFERENCE_ACCOUNT}")
        lines.append(_amount_line(len(lines) + 1, day, "Ledger", DIFFERENCE_ACCOUNT, -total, voucher="OB",
                                  description="Opening balances of the SAF-T file that do not balance"))
    return lines


def _journal_lines(plan: _Plan, journal, source: str) -> list[JournalLine]:
    lines: list[JournalLine] = []
    for transaction in journal.transactions:
        for line in transaction.lines:
            party = plan.party_kind(line)
            number = line.line_no or len(lines) + 1
            description = fit_text(line.description or transaction.description or "")
            if party is not None:
                kind, party_id = party
                is_invoice = (line.amount_minor > 0) if kind == "customer" else (line.amount_minor < 0)
                lines.append(_amount_line(
                    number, transaction.date, kind.capitalize(), party_id, line.amount_minor,
                    voucher=transaction.id, description=description, posting_profile=_profile(line.account_id),
                    invoice=line.reference if is_invoice and line.reference else None,
                    document_number=line.reference, due_date=line.due_date if is_invoice else None))
            else:
                lines.append(_amount_line(number, transaction.date, "Ledger",
                                          _ledger_account(line.account_id, line.analysis, plan.dimensions),
                                          line.amount_minor, voucher=transaction.id, description=description))
    return lines


def _compare(connection: Connection, plan: _Plan, report: ImportReport, date_to: date) -> None:
    file, company_id = plan.file, plan.company_id
    totals = {row[0]: int(row[1]) for row in connection.execute(text(
        "SELECT main_account, SUM(accounting_minor) FROM ledger_entry WHERE company_id = :c AND posting_date <= :d "
        "GROUP BY main_account"), {"c": company_id, "d": date_to})}
    for account in file.accounts:
        posted = totals.get(account.id, 0)
        if posted == account.closing_minor:
            report.accounts_tying += 1
        else:
            report.differences.append(
                f"account {account.id} ({file.source}, line {account.line}): the file's closing balance "
                f"{format_minor(account.closing_minor, 2)} differs from its opening balance plus its lines, "
                f"{format_minor(posted, 2)}, by {format_minor(account.closing_minor - posted, 2)}")
    parties = {(row[0], row[1], row[2]): int(row[3]) for row in connection.execute(text(
        "SELECT party_type, party_id, main_account, SUM(accounting_minor) FROM ledger_entry WHERE company_id = :c "
        "AND party_type IS NOT NULL AND posting_date <= :d GROUP BY party_type, party_id, main_account"),
        {"c": company_id, "d": date_to})}
    for kind, label, records in (("customer", "customers_tying", file.customers),
                                 ("vendor", "suppliers_tying", file.suppliers)):
        for party in records:
            ties = True
            for account_id, _opening, closing in party.balances:
                posted = parties.get((kind, party.id, account_id), 0)
                if posted != closing:
                    ties = False
                    report.differences.append(
                        f"{'customer' if kind == 'customer' else 'supplier'} {party.id} ({file.source}, line "
                        f"{party.line}): closing balance on {account_id} {format_minor(closing, 2)} in the file, "
                        f"{format_minor(posted, 2)} after import")
            if ties:
                setattr(report, label, getattr(report, label) + 1)


def import_saft_into(connection: Connection, file: SaftFile, company_id: str, report: ImportReport,
                     progress: Callable[[int], None] | None = None, *, user: str | None = None) -> None:
    plan = _Plan(file, company_id)
    setup, extra = plan.setup()
    if extra:
        report.warnings.append(f"{len(extra)} account(s) used by lines or parties are not in the file's chart and "
                               f"were created: {', '.join(extra[:10])}")
    opening_day = date.fromisoformat(setup["calendar"]["first_year_start"])
    opening_probe = _opening_lines(plan, opening_day, ImportReport(company_id, "", ""))
    if any(line.account == DIFFERENCE_ACCOUNT for line in opening_probe):
        setup["accounts"].append({"id": DIFFERENCE_ACCOUNT, "name": "SAF-T opening balance difference",
                                  "type": "equity"})
    apply_setup(connection, setup, user=user)
    company = load_company(connection, company_id)
    save_settings(connection, company_id, "saft_company", {company_id: {
        "registration_number": file.registration_number, **{k: v for k, v in file.contact.items() if v}}})
    save_settings(connection, company_id, "saft_party", {
        f"{'customer' if p.kind == 'customer' else 'vendor'}:{p.id}": {"registration_number": p.registration_number}
        for p in [*file.customers, *file.suppliers] if p.registration_number})
    save_settings(connection, company_id, "saft_account", {
        a.id: {"grouping_category": a.grouping_category, "grouping_code": a.grouping_code}
        for a in file.accounts if a.grouping_category and a.grouping_code})
    if file.tax_codes:
        report.left_out.append(f"tax table: {len(file.tax_codes)} code(s) read, not set up (a bilag sales tax code "
                               f"needs its tax accounts; the tax lines post as the file has them)")
    if file.foreign_currency_lines:
        report.left_out.append(f"{file.foreign_currency_lines} line(s) with a foreign currency amount: posted in "
                               f"{company.accounting_currency} only")
    opening = _opening_lines(plan, opening_day, report)
    if opening:
        period = company.calendar.period_of_kind(opening_day.year, _opening_kind())
        from ..journal.posting import PostingContext, plan_posting
        from .posting import post_plan

        posting = plan_posting(company, opening, PostingContext(OPENING_JOURNAL, source=file.source))
        for voucher in posting.vouchers:
            if period is not None:
                voucher.period_id = period.id  # the opening period: an opening balance, not a movement
        post_plan(connection, company, posting.vouchers, posting.warnings, source=file.source,
                  automatic_settlement=False)
    for journal in file.journals:
        lines = _journal_lines(plan, journal, file.source)
        if not lines:
            continue
        post_lines(connection, company, journal.id, lines, source=file.source, automatic_settlement=False)
        report.transactions += len(journal.transactions)
        report.lines += len(lines)
        if progress is not None:
            progress(report.lines)
    report.accounts, report.customers, report.suppliers = len(file.accounts), len(file.customers), len(file.suppliers)
    last_day = date(opening_day.year + setup["calendar"]["years"], 1, 1)
    _compare(connection, plan, report, last_day)


def _opening_kind():
    from ..calendar.periods import PeriodKind

    return PeriodKind.opening


def import_saft(engine: Engine, path: str | Path, *, company_id: str | None = None,
                progress: Callable[[int], None] | None = None, user: str | None = None) -> ImportReport:
    """Check the file against its schema, then create the company and post its books in one transaction."""
    source = str(path)
    if not Path(path).is_file():
        raise InvalidFile(f"{source}: no such file", code="unreadable_file")
    schema_name = schema_of(path)
    validate_file(path, SCHEMAS / schema_name, source=source, records=RECORDS)
    file = read_saft(path, source=source)
    company_id = company_id or file.registration_number
    if not company_id:
        raise InvalidInput(f"{source}: the file names no company registration number; give the company id",
                           code="missing_company_id")
    if len(company_id) > 20:
        raise InvalidInput(f"{source}: company id '{company_id}' is longer than 20 characters", code="bad_id")
    report = ImportReport(company_id, source, file.version)
    try:
        with engine.begin() as connection:
            import_saft_into(connection, file, company_id, report, progress, user=user)
    except (IntegrityError, DataError) as error:
        raise database_refusal(error) from None
    except BilagError as error:
        if not error.message.startswith(source):
            error.message = f"{source}: {error.message}"
        raise
    return report
