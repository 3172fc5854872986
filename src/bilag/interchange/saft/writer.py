"""A streaming SAF-T Financial (Norway 1.30) writer.

The file is written as it goes: header and master files first, then each transaction as soon as it is handed
over, so that memory holds one transaction at a time however many the file has. Text is escaped and cut to the
schema's lengths; amounts are written from integer minor units (never through float).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from .model import (
    NAMESPACE,
    SCHEMA_1_30,
    SaftAccount,
    SaftAnalysis,
    SaftHeader,
    SaftJournal,
    SaftParty,
    SaftTaxCode,
    SaftTotals,
    SaftTransaction,
)

SHORT, MIDDLE1, MIDDLE2, LONG, CODE = 18, 35, 70, 256, 9


def text(value: object, limit: int = LONG) -> str:
    """Escaped XML text, cut to the schema's maximum length (counted before escaping)."""
    value = str(value)
    if len(value) > limit:
        value = value[:limit]
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def amount(minor: int, decimals: int = 2) -> str:
    """A non-negative amount of minor units as SAFmonetaryType text ("1234.50")."""
    minor = abs(minor)
    if decimals == 0:
        return str(minor)
    whole, fraction = divmod(minor, 10 ** decimals)
    return f"{whole}.{fraction:0{decimals}d}"


def decimal_text(value: Decimal) -> str:
    normalized = value.normalize()
    return format(normalized, "f")


def _balance(prefix: str, minor: int, decimals: int) -> str:
    side = "Debit" if minor >= 0 else "Credit"
    return f"<{prefix}{side}Balance>{amount(minor, decimals)}</{prefix}{side}Balance>"


class SaftWriter:
    """Writes one audit file to a text stream; call the parts in the schema's order."""

    def __init__(self, stream: TextIO, decimals: int = 2):
        self.stream = stream
        self.decimals = decimals
        self.write = stream.write
        self._texts: dict[int, dict[str, str]] = {}
        self._analyses: dict[tuple, str] = {}

    def start(self, header: SaftHeader) -> None:
        company = header.company
        address = "".join(f"<{tag}>{text(value, limit)}</{tag}>" for tag, value, limit in (
            ("StreetName", company.street, LONG), ("City", company.city, LONG),
            ("PostalCode", company.postal_code, MIDDLE2), ("Country", company.country, 2)) if value)
        self.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<AuditFile xmlns="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{NAMESPACE} {SCHEMA_1_30}">\n'
            "<Header>\n"
            f"<AuditFileVersion>{text(header.file_version, CODE)}</AuditFileVersion>\n"
            "<AuditFileCountry>NO</AuditFileCountry>\n"
            f"<AuditFileDateCreated>{header.created.isoformat()}</AuditFileDateCreated>\n"
            "<SoftwareCompanyName>bilag</SoftwareCompanyName>\n"
            "<SoftwareID>bilag</SoftwareID>\n"
            f"<SoftwareVersion>{text(header.software_version, SHORT)}</SoftwareVersion>\n"
            "<Company>"
            f"<RegistrationNumber>{text(company.registration_number, MIDDLE1)}</RegistrationNumber>"
            f"<Name>{text(company.name)}</Name>"
            + (f"<Address>{address}</Address>" if address else "")
            + "<Contact><ContactPerson>"
            f"<FirstName>{text(company.contact_first_name, MIDDLE1)}</FirstName>"
            f"<LastName>{text(company.contact_last_name, MIDDLE2)}</LastName></ContactPerson>"
            f"<Telephone>{text(company.telephone, SHORT)}</Telephone></Contact>"
            "</Company>\n"
            f"<DefaultCurrencyCode>{text(header.currency, 3)}</DefaultCurrencyCode>\n"
            "<SelectionCriteria>"
            f"<PeriodStart>{header.period_start}</PeriodStart>"
            f"<PeriodStartYear>{header.period_start_year}</PeriodStartYear>"
            f"<PeriodEnd>{header.period_end}</PeriodEnd>"
            f"<PeriodEndYear>{header.period_end_year}</PeriodEndYear>"
            "</SelectionCriteria>\n"
            + (f"<HeaderComment>{text(header.comment)}</HeaderComment>\n" if header.comment else "")
            + "<TaxAccountingBasis>A</TaxAccountingBasis>\n"
            "</Header>\n"
        )

    def master_files(self, accounts: Iterable[SaftAccount], customers: Iterable[SaftParty],
                     suppliers: Iterable[SaftParty], tax_codes: Iterable[SaftTaxCode],
                     analyses: Iterable[SaftAnalysis]) -> None:
        write, decimals = self.write, self.decimals
        write("<MasterFiles>\n")
        accounts = list(accounts)
        if accounts:
            write("<GeneralLedgerAccounts>\n")
            for account in accounts:
                write(
                    f"<Account><AccountID>{text(account.id, MIDDLE2)}</AccountID>"
                    f"<AccountDescription>{text(account.description or account.id)}</AccountDescription>"
                    f"<GroupingCategory>{text(account.grouping_category)}</GroupingCategory>"
                    f"<GroupingCode>{text(account.grouping_code, MIDDLE1)}</GroupingCode>"
                    f"<AccountType>{account.account_type}</AccountType>"
                    f"{_balance('Opening', account.opening_minor, decimals)}"
                    f"{_balance('Closing', account.closing_minor, decimals)}</Account>\n")
            write("</GeneralLedgerAccounts>\n")
        for plural, singular, parties in (("Customers", "Customer", customers), ("Suppliers", "Supplier", suppliers)):
            parties = list(parties)
            if not parties:
                continue
            write(f"<{plural}>\n")
            for party in parties:
                write(f"<{singular}>")
                if party.registration_number:
                    write(f"<RegistrationNumber>{text(party.registration_number, MIDDLE1)}</RegistrationNumber>")
                write(f"<Name>{text(party.name or party.id)}</Name><{singular}ID>{text(party.id, MIDDLE1)}</{singular}ID>")
                for balance in party.balances:
                    write(f"<BalanceAccount><AccountID>{text(balance.account_id, MIDDLE2)}</AccountID>"
                          f"{_balance('Opening', balance.opening_minor, decimals)}"
                          f"{_balance('Closing', balance.closing_minor, decimals)}</BalanceAccount>")
                info = ""
                if party.payment_days is not None:
                    info += f"<PaymentTerms><Days>{party.payment_days}</Days></PaymentTerms>"
                if party.currency:
                    info += f"<CurrencyCode>{text(party.currency, 3)}</CurrencyCode>"
                if info:
                    write(f"<PartyInfo>{info}</PartyInfo>")
                write(f"</{singular}>\n")
            write(f"</{plural}>\n")
        tax_codes = list(tax_codes)
        if tax_codes:
            write("<TaxTable><TaxTableEntry><TaxType>MVA</TaxType><Description>Merverdiavgift</Description>\n")
            for code in tax_codes:
                write(f"<TaxCodeDetails><TaxCode>{text(code.code, MIDDLE2)}</TaxCode>"
                      f"<Description>{text(code.description or code.code)}</Description>"
                      f"<TaxPercentage>{decimal_text(code.percent)}</TaxPercentage>"
                      f"<Country>{text(code.country, 2)}</Country>"
                      f"<StandardTaxCode>{text(code.standard_code, 2)}</StandardTaxCode>"
                      f"<BaseRate>{decimal_text(code.base_rate)}</BaseRate></TaxCodeDetails>\n")
            write("</TaxTableEntry></TaxTable>\n")
        analyses = list(analyses)
        if analyses:
            write("<AnalysisTypeTable>\n")
            for analysis in analyses:
                write(f"<AnalysisTypeTableEntry><AnalysisType>{text(analysis.type, CODE)}</AnalysisType>"
                      f"<AnalysisTypeDescription>{text(analysis.type_description or analysis.type)}"
                      f"</AnalysisTypeDescription>"
                      f"<AnalysisID>{text(analysis.id, MIDDLE1)}</AnalysisID>"
                      f"<AnalysisIDDescription>{text(analysis.description or analysis.id)}</AnalysisIDDescription>"
                      "</AnalysisTypeTableEntry>\n")
            write("</AnalysisTypeTable>\n")
        write("</MasterFiles>\n")

    def start_entries(self, totals: SaftTotals) -> None:
        self.write("<GeneralLedgerEntries>\n"
                   f"<NumberOfEntries>{totals.entries}</NumberOfEntries>\n"
                   f"<TotalDebit>{amount(totals.debit_minor, self.decimals)}</TotalDebit>\n"
                   f"<TotalCredit>{amount(totals.credit_minor, self.decimals)}</TotalCredit>\n")

    def start_journal(self, journal: SaftJournal) -> None:
        self.write(f"<Journal><JournalID>{text(journal.id, SHORT)}</JournalID>"
                   f"<Description>{text(journal.description or journal.id)}</Description>"
                   f"<Type>{text(journal.type, CODE)}</Type>\n")

    def _cached_text(self, value: str, limit: int) -> str:
        """Account ids, party ids and tax codes repeat from line to line: escape each once."""
        cache = self._texts.setdefault(limit, {})
        found = cache.get(value)
        if found is None:
            found = text(value, limit)
            if len(cache) < 100_000:
                cache[value] = found
        return found

    def _analysis(self, analysis: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
        """The Analysis elements of a line (its dimensions), escaped once per set of values. The analysis amount is
        optional in the schema and would repeat the line's amount: it is left out."""
        key = tuple(analysis)
        found = self._analyses.get(key)
        if found is None:
            found = "".join(f"<Analysis><AnalysisType>{text(kind, CODE)}</AnalysisType><AnalysisID>{text(value)}"
                            f"</AnalysisID></Analysis>" for kind, value in key)
            if len(self._analyses) < 100_000:
                self._analyses[key] = found
        return found

    def transaction(self, transaction: SaftTransaction) -> None:
        decimals = self.decimals
        cached = self._cached_text
        accounts = self._texts.setdefault(MIDDLE2, {})
        day = transaction.date.isoformat()
        transaction_description = text(transaction.description or transaction.id)
        system_day = transaction.system_entry_date.isoformat() if transaction.system_entry_date else day
        posting_day = transaction.gl_posting_date.isoformat() if transaction.gl_posting_date else day
        voucher_type = (f"<VoucherType>{text(transaction.voucher_type, MIDDLE2)}</VoucherType>"
                        if transaction.voucher_type else "")
        parts = [
            f"<Transaction><TransactionID>{text(transaction.id, MIDDLE2)}</TransactionID>"
            f"<Period>{transaction.period}</Period><PeriodYear>{transaction.period_year}</PeriodYear>"
            f"<TransactionDate>{day}</TransactionDate>{voucher_type}"
            f"<Description>{transaction_description}</Description>"
            f"<SystemEntryDate>{system_day}</SystemEntryDate><GLPostingDate>{posting_day}</GLPostingDate>\n"
        ]
        last_description, last_escaped = transaction.description, transaction_description
        append = parts.append
        for line in transaction.lines:
            minor = line.amount_minor
            if minor >= 0:
                side = "Debit"
                magnitude = minor
            else:
                side = "Credit"
                magnitude = -minor
            money = f"{magnitude // 100}.{magnitude % 100:02d}" if decimals == 2 else amount(magnitude, decimals)
            account = accounts.get(line.account_id) or cached(line.account_id, MIDDLE2)
            description = line.description or transaction.description or transaction.id
            if description != last_description:
                last_description, last_escaped = description, text(description)
            party = ""
            if line.customer_id:
                party = f"<CustomerID>{cached(line.customer_id, MIDDLE1)}</CustomerID>"
            elif line.supplier_id:
                party = f"<SupplierID>{cached(line.supplier_id, MIDDLE1)}</SupplierID>"
            value_date = f"<ValueDate>{line.value_date.isoformat()}</ValueDate>" if line.value_date else ""
            currency = ""
            if line.currency and line.currency_amount_minor is not None:
                currency = (f"<CurrencyCode>{line.currency}</CurrencyCode><CurrencyAmount>"
                            f"{amount(line.currency_amount_minor, line.currency_decimals)}</CurrencyAmount>")
            record = line.record_id if line.record_id.isdigit() else text(line.record_id, SHORT)
            append(f"<Line><RecordID>{record}</RecordID><AccountID>{account}</AccountID>"
                   f"{self._analysis(line.analysis) if line.analysis else ''}{value_date}{party}"
                   f"<Description>{last_escaped}</Description><{side}Amount><Amount>{money}</Amount>{currency}"
                   f"</{side}Amount>")
            tax = line.tax
            if tax is not None:
                tax_side = "Debit" if tax.tax_minor >= 0 else "Credit"
                percent = f"<TaxPercentage>{decimal_text(tax.percent)}</TaxPercentage>" if tax.percent is not None \
                    else ""
                base = tax.base_minor
                append(f"<TaxInformation><TaxType>MVA</TaxType><TaxCode>{cached(tax.code, MIDDLE2)}</TaxCode>"
                       f"{percent}<TaxBase>{'-' if base < 0 else ''}{amount(base, decimals)}</TaxBase>"
                       f"<{tax_side}TaxAmount><Amount>{amount(tax.tax_minor, decimals)}</Amount>"
                       f"</{tax_side}TaxAmount></TaxInformation>")
            if line.reference:
                append(f"<ReferenceNumber>{text(line.reference, MIDDLE1)}</ReferenceNumber>")
            if line.due_date:
                append(f"<DueDate>{line.due_date.isoformat()}</DueDate>")
            append("</Line>\n")
        append("</Transaction>\n")
        self.write("".join(parts))

    def end_journal(self) -> None:
        self.write("</Journal>\n")

    def end(self, *, entries_started: bool = True) -> None:
        if entries_started:
            self.write("</GeneralLedgerEntries>\n")
        self.write("</AuditFile>\n")

