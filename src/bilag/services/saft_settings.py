"""Use case: set what SAF-T needs and the ledger does not keep — the company's registration number and contact,
an account's grouping (GroupingCategory/GroupingCode), a tax code's standard tax code, a dimension's
AnalysisType. Each setting is checked; an unknown field or code is refused and nothing is written."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from ..errors import InvalidInput
from ..interchange.saft.mapping import grouping_codes, standard_tax_codes
from ..store.companies import load_company, resolve_company_id
from ..store.interchange import load_settings, save_settings

FIELDS = {
    "company": ("saft_company", {"registration_number", "contact_first_name", "contact_last_name", "telephone",
                                 "street", "city", "postal_code", "country"}),
    "account": ("saft_account", {"grouping_category", "grouping_code"}),
    "tax_code": ("saft_tax_code", {"standard_tax_code", "description"}),
    "dimension": ("saft_dimension", {"analysis_type"}),
}


def check_setting(company, what: str, key: str, values: dict) -> tuple[str, dict]:
    if what not in FIELDS:
        raise InvalidInput(f"unknown SAF-T setting '{what}' (one of {', '.join(FIELDS)})", code="unknown_key")
    kind, allowed = FIELDS[what]
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidInput(f"SAF-T {what} {key}: unknown field {', '.join(unknown)} (one of "
                           f"{', '.join(sorted(allowed))})", code="unknown_key")
    values = {name: str(value).strip() for name, value in values.items()}
    if what == "company" and key != company.id:
        raise InvalidInput(f"SAF-T company settings belong to company {company.id}, not {key}", code="bad_setting")
    if what == "account":
        company.chart.main_account(key)
        code = values.get("grouping_code")
        if code is not None:
            category = grouping_codes().get(code)
            if category is None:
                raise InvalidInput(f"SAF-T account {key}: {code} is no GroupingCode of SAF-T 1.30 "
                                   f"(næringsspesifikasjon)", code="unknown_code")
            values.setdefault("grouping_category", category)
    if what == "tax_code":
        if key not in company.tax_codes:
            raise InvalidInput(f"SAF-T tax code {key}: no such sales tax code", code="unknown_code")
        standard = values.get("standard_tax_code")
        if standard is not None and standard not in standard_tax_codes():
            raise InvalidInput(f"SAF-T tax code {key}: {standard} is no StandardTaxCode", code="unknown_code")
    if what == "dimension":
        if key not in company.chart.dimensions:
            raise InvalidInput(f"SAF-T dimension {key}: no such dimension", code="unknown_code")
        if len(values.get("analysis_type", "")) > 9:
            raise InvalidInput(f"SAF-T dimension {key}: an AnalysisType has at most 9 characters",
                               code="bad_setting")
    return kind, values


def set_saft_settings(engine: Engine, company_id: str | None, what: str, key: str, values: dict) -> dict:
    with engine.begin() as connection:
        company_id = resolve_company_id(connection, company_id)
        company = load_company(connection, company_id)
        kind, checked = check_setting(company, what, key, values)
        save_settings(connection, company_id, kind, {key: checked})
        return load_settings(connection, company_id, kind)[key]


def saft_settings(engine: Engine, company_id: str | None) -> dict[str, dict[str, dict]]:
    with engine.connect() as connection:
        company_id = resolve_company_id(connection, company_id)
        return {what: load_settings(connection, company_id, kind) for what, (kind, _) in FIELDS.items()}
