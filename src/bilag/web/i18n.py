"""Languages of the pages: English, Danish, Norwegian Bokmål and Swedish. Labels are translated from the
English text; amounts and dates are shown in the user's locale's format (Babel). Form inputs stay in the
plain format the services read (1234.50, 2024-01-08)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

LANGUAGES = {"en": "English", "da": "Dansk", "nb": "Norsk bokmål", "sv": "Svenska"}

# English text -> (Danish, Norwegian Bokmål, Swedish)
_TEXTS: dict[str, tuple[str, str, str]] = {
    "Journals": ("Kladder", "Journaler", "Journaler"),
    "Trial balance": ("Råbalance", "Saldobalanse", "Råbalans"),
    "Chart of accounts": ("Kontoplan", "Kontoplan", "Kontoplan"),
    "Periods": ("Perioder", "Perioder", "Perioder"),
    "Period close": ("Periodeafslutning", "Periodeavslutning", "Periodavslutning"),
    "Master data": ("Stamdata", "Grunndata", "Grunddata"),
    "Sign in": ("Log ind", "Logg inn", "Logga in"),
    "Sign out": ("Log ud", "Logg ut", "Logga ut"),
    "User": ("Bruger", "Bruker", "Användare"),
    "Password": ("Adgangskode", "Passord", "Lösenord"),
    "Your companies": ("Dine virksomheder", "Dine selskaper", "Dina företag"),
    "New general journal": ("Ny finanskladde", "Ny hovedbokjournal", "Ny redovisningsjournal"),
    "Stored journals and import": ("Gemte kladder og import", "Lagrede journaler og import",
                                   "Sparade journaler och import"),
    "Reports": ("Rapporter", "Rapporter", "Rapporter"),
    "Set-up": ("Opsætning", "Oppsett", "Inställningar"),
    "Ledger journal": ("Finansjournal", "Hovedbokjournal", "Huvudboksjournal"),
    "Chart of accounts and dimensions": ("Kontoplan og dimensioner", "Kontoplan og dimensjoner",
                                         "Kontoplan och dimensioner"),
    "Customers and vendors — open transactions": ("Debitorer og kreditorer — åbne poster",
                                                  "Kunder og leverandører — åpne poster",
                                                  "Kunder och leverantörer — öppna transaktioner"),
    "Settle open transactions": ("Udlign åbne poster", "Utlign åpne poster", "Kvitta öppna transaktioner"),
    "Open transactions": ("Åbne poster", "Åpne poster", "Öppna transaktioner"),
    "Type": ("Type", "Type", "Typ"),
    "Account": ("Konto", "Konto", "Konto"),
    "Name": ("Navn", "Navn", "Namn"),
    "Voucher": ("Bilag", "Bilag", "Verifikation"),
    "Invoice": ("Faktura", "Faktura", "Faktura"),
    "Date": ("Dato", "Dato", "Datum"),
    "Due date": ("Forfaldsdato", "Forfallsdato", "Förfallodatum"),
    "Currency": ("Valuta", "Valuta", "Valuta"),
    "Amount": ("Beløb", "Beløp", "Belopp"),
    "Open": ("Åben", "Åpen", "Öppen"),
    "Debit": ("Debet", "Debet", "Debet"),
    "Credit": ("Kredit", "Kredit", "Kredit"),
    "Balance": ("Saldo", "Saldo", "Saldo"),
    "Posting type": ("Posteringstype", "Posteringstype", "Bokföringstyp"),
    "Accounting amount": ("Beløb i regnskabsvaluta", "Beløp i regnskapsvaluta", "Belopp i redovisningsvaluta"),
    "Mark": ("Markér", "Merk", "Markera"),
    "Cash discount": ("Kontantrabat", "Kontantrabatt", "Kassarabatt"),
    "Cash discount date": ("Kontantrabatdato", "Kontantrabattdato", "Kassarabattdatum"),
    "Amount to settle": ("Beløb der skal udlignes", "Beløp som skal utlignes", "Belopp att kvitta"),
    "Cash discount to take": ("Kontantrabat der skal tages", "Kontantrabatt som skal tas", "Kassarabatt att ta"),
    "Use cash discount": ("Brug kontantrabat", "Bruk kontantrabatt", "Använd kassarabatt"),
    "Preview": ("Vis udkast", "Forhåndsvis", "Förhandsgranska"),
    "Post": ("Bogfør", "Poster", "Bokför"),
    "Validate": ("Valider", "Valider", "Validera"),
    "Save": ("Gem", "Lagre", "Spara"),
    "Add line": ("Tilføj linje", "Legg til linje", "Lägg till rad"),
    "Show": ("Vis", "Vis", "Visa"),
    "From": ("Fra", "Fra", "Från"),
    "As of": ("Pr.", "Per", "Per"),
    "Status": ("Status", "Status", "Status"),
    "Language": ("Sprog", "Språk", "Språk"),
    "Fiscal periods": ("Regnskabsperioder", "Regnskapsperioder", "Räkenskapsperioder"),
    "Change": ("Ændr", "Endre", "Ändra"),
    "Edit": ("Rediger", "Rediger", "Redigera"),
    "Delete": ("Slet", "Slett", "Ta bort"),
    "Add": ("Tilføj", "Legg til", "Lägg till"),
    "Aged balances": ("Aldersfordelt saldo", "Aldersfordelt saldo", "Åldersanalys"),
    "By": ("Efter", "Etter", "Efter"),
    "Document date": ("Bilagsdato", "Dokumentdato", "Dokumentdatum"),
    "Customer": ("Debitor", "Kunde", "Kund"),
    "Total": ("I alt", "Totalt", "Totalt"),
    "Customers in the subledger": ("Debitorer i underreskontroen", "Kunder i reskontroen", "Kunder i reskontran"),
    "in the ledger": ("i finans", "i hovedboken", "i huvudboken"),
    "difference": ("difference", "differanse", "differens"),
    "Collections": ("Inkasso", "Innkreving", "Indrivning"),
    "Period": ("Periode", "Periode", "Period"),
    "Days": ("Dage", "Dager", "Dagar"),
    "Marked in": ("Markeret i", "Merket i", "Markerad i"),
    "Notes": ("Noter", "Notater", "Anteckningar"),
    "Note": ("Note", "Notat", "Anteckning"),
    "Add note": ("Tilføj note", "Legg til notat", "Lägg till anteckning"),
    "No notes yet.": ("Ingen noter endnu.", "Ingen notater ennå.", "Inga anteckningar ännu."),
    "Nothing open at this date.": ("Intet åbent på denne dato.", "Ingenting åpent på denne datoen.", "Inget öppet detta datum."),
    "Write off": ("Afskriv", "Avskriv", "Skriv av"),
    "Reason code": ("Årsagskode", "Årsakskode", "Orsakskod"),
    "Separate sales tax": ("Separat moms", "Separat mva", "Separat moms"),
    "Comment": ("Kommentar", "Kommentar", "Kommentar"),
    "Post at once": ("Bogfør med det samme", "Poster med en gang", "Bokför direkt"),
    # interest notes, collection letters and fees (issue 9)
    "Interest notes, letters and fees": ("Rentenotaer, rykkere og gebyrer", "Rentenotaer, purringer og gebyrer",
                                         "Räntefakturor, påminnelser och avgifter"),
    "Interest notes": ("Rentenotaer", "Rentenotaer", "Räntefakturor"),
    "Collection letters": ("Rykkere", "Purringer", "Betalningspåminnelser"),
    "Interest code": ("Rentekode", "Rentekode", "Räntekod"),
    "Sequence": ("Rykkerforløb", "Purreforløp", "Påminnelseskedja"),
    "Calculate": ("Beregn", "Beregn", "Beräkna"),
    "Fee": ("Gebyr", "Gebyr", "Avgift"),
    "Charge": ("Opkræv", "Belast", "Debitera"),
    "Charged": ("Opkrævet", "Belastet", "Debiterat"),
    "Customers": ("Debitorer", "Kunder", "Kunder"),
    "All customers": ("Alle debitorer", "Alle kunder", "Alla kunder"),
    "Nothing posted yet.": ("Intet bogført endnu.", "Ingenting postert ennå.", "Inget bokfört ännu."),
    "Leases": ("Leasingkontrakter", "Leieavtaler", "Leasingavtal"),
    "Lease": ("Leasingkontrakt", "Leieavtale", "Leasingavtal"),
    "Book": ("Bog", "Bok", "Bok"),
    "Group": ("Gruppe", "Gruppe", "Grupp"),
    "Description": ("Beskrivelse", "Beskrivelse", "Beskrivning"),
    "Commencement": ("Startdato", "Startdato", "Startdatum"),
    "Classification": ("Klassifikation", "Klassifisering", "Klassificering"),
    "Months": ("Måneder", "Måneder", "Månader"),
    "Lease liability": ("Leasingforpligtelse", "Leieforpliktelse", "Leasingskuld"),
    "Right-of-use asset": ("Brugsretsaktiv", "Bruksrettseiendel", "Nyttjanderättstillgång"),
    "Create journal entries": ("Opret posteringer", "Opprett posteringer", "Skapa verifikationer"),
    "Through": ("Til og med", "Til og med", "Till och med"),
    "Create": ("Opret", "Opprett", "Skapa"),
    "Post created lease journals": ("Bogfør oprettede leasingkladder", "Poster opprettede leiejournaler", "Bokför skapade leasingjournaler"),
    "Period end": ("Periodeafslutning", "Periodeavslutning", "Periodbokslut"),
    "Close workspace": ("Lukningsarbejdsområde", "Arbeidsområde for avslutning", "Arbetsyta för bokslut"),
    "Leases and the journal batch": ("Leasingkontrakter og kladdekørsel", "Leieavtaler og journalkjøring", "Leasingavtal och journalkörning"),
    # lease transactions, events and reversal (issue 10)
    "Transactions": ("Transaktioner", "Transaksjoner", "Transaktioner"),
    "Transaction": ("Transaktion", "Transaksjon", "Transaktion"),
    "Month": ("Måned", "Måned", "Månad"),
    "Journal": ("Kladde", "Journal", "Journal"),
    "Reversal": ("Tilbageførsel", "Tilbakeføring", "Återföring"),
    "Revoke reversal": ("Annuller tilbageførsel", "Annuller tilbakeføring", "Upphäv återföring"),
    "Reverse": ("Tilbagefør", "Tilbakefør", "Återför"),
    "No journal entries yet.": ("Ingen posteringer endnu.", "Ingen posteringer ennå.", "Inga verifikationer ännu."),
    "Reversal trace": ("Tilbageførselsspor", "Tilbakeføringsspor", "Återföringsspår"),
    "Trace number": ("Sporingsnummer", "Sporingsnummer", "Spårningsnummer"),
    "Step": ("Trin", "Trinn", "Steg"),
    "Action": ("Handling", "Handling", "Åtgärd"),
    "Reverses": ("Tilbagefører", "Tilbakefører", "Återför"),
    "Lease events": ("Leasinghændelser", "Leiehendelser", "Leasinghändelser"),
    "Impairment": ("Nedskrivning", "Nedskrivning", "Nedskrivning"),
    "Periods remaining": ("Resterende perioder", "Gjenstående perioder", "Återstående perioder"),
    "Modification": ("Ændring", "Endring", "Ändring"),
    "New payments": ("Nye betalinger", "Nye betalinger", "Nya betalningar"),
    "Rate %": ("Rente %", "Rente %", "Ränta %"),
    "Termination": ("Ophør", "Opphør", "Upphörande"),
    "Reverse a transaction": ("Tilbagefør en transaktion", "Tilbakefør en transaksjon", "Återför en transaktion"),
    "(a reversed one again: revokes the reversal)": ("(en tilbageført igen: annullerer tilbageførslen)",
                                                     "(en tilbakeført igjen: annullerer tilbakeføringen)",
                                                     "(en återförd igen: upphäver återföringen)"),
    "Revoked the reversal of": ("Annullerede tilbageførslen af", "Annullerte tilbakeføringen av",
                                "Upphävde återföringen av"),
    "vouchers": ("bilag", "bilag", "verifikationer"),
    "nothing to post": ("intet at bogføre", "ingenting å postere", "inget att bokföra"),
    "Confirm draft leases": ("Bekræft kladdekontrakter", "Bekreft utkast til leieavtaler", "Bekräfta utkast till leasingavtal"),
    "(none ticked: every draft lease)": ("(ingen valgt: alle kladder)", "(ingen valgt: alle utkast)",
                                         "(ingen vald: alla utkast)"),
    "Confirm": ("Bekræft", "Bekreft", "Bekräfta"),
    "Transition": ("Overgang", "Overgang", "Övergång"),
    "Method": ("Metode", "Metode", "Metod"),
}
_INDEX = {"da": 0, "nb": 1, "sv": 2}


def translate(text: str, locale: str) -> str:
    index = _INDEX.get(locale)
    if index is None:
        return text
    return _TEXTS.get(text, (text, text, text))[index]


@lru_cache(maxsize=8)
def _symbols(locale: str) -> tuple[str, str, str]:
    """The locale's group separator, decimal sign and minus sign (Babel), read once per locale."""
    return get_group_symbol(locale=locale), get_decimal_symbol(locale=locale), get_minus_sign_symbol(locale=locale)


def amount(value: object, locale: str) -> str:
    """Decimal text as the locale writes it, keeping its decimals: -1234.50 is -1.234,50 in Danish."""
    if value is None or value == "":
        return ""
    if locale == "en":  # as the services and the CLI write it
        return str(value)
    text = str(value).strip()
    try:
        Decimal(text)
    except InvalidOperation:
        return text
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("+-").partition(".")
    group, decimal, minus = _symbols(locale)
    digits = len(whole)
    grouped = group.join(whole[max(0, end - 3):end] for end in range(digits % 3 or 3, digits + 1, 3))
    return (minus if negative else "") + grouped + (decimal + fraction if fraction else "")


def day(value: object, locale: str) -> str:
    """An ISO date as the locale writes it (English keeps ISO)."""
    if not value or locale == "en":
        return "" if value is None else str(value)
    return _local_date(str(value), locale)


@lru_cache(maxsize=4096)
def _local_date(text: str, locale: str) -> str:
    """Babel's formatting is slow beside a page's other work, and a page shows the same few dates many times."""
    try:
        return format_date(date.fromisoformat(text), format="short", locale=locale)
    except ValueError:
        return text
