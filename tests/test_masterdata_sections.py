"""Sales tax groups, reason codes and lease set-up listed, changed and deleted like every other kind (issue 7)."""
from __future__ import annotations

import pytest

from bilag.errors import InvalidInput
from bilag.services import masterdata
from bilag.services.leases import add_leases

from .collect_support import make_collect_company
from .lease_support import ex_l1_lease, make_lease_company
from .test_properties import rows


def test_tax_groups_and_reason_codes_are_listed_in_the_set_up_format(engine):
    company_id = make_collect_company(engine)
    assert masterdata.list_records(engine, company_id, "sales-tax-groups") == [
        {"code": "DOM", "tax_codes": ["ENV2", "VAT12", "VAT25"]}, {"code": "EXPORT", "tax_codes": ["EXP0"]}]
    assert masterdata.show_record(engine, company_id, "item-tax-group", ("FOOD",)) == {
        "code": "FOOD", "tax_codes": ["EXP0", "VAT12"]}
    assert masterdata.show_record(engine, company_id, "reason-code", ("SMALL",)) == {
        "code": "SMALL", "description": "Small balance", "customer": True, "vendor": False, "account": "618200",
        "default": False}


def test_a_second_default_reason_code_is_refused_whichever_way_it_comes(engine):
    company_id = make_collect_company(engine)
    before = masterdata.list_records(engine, company_id, "reason-codes")
    with pytest.raises(InvalidInput, match="BADDEBT and SMALL would both be the default for customers"):
        masterdata.change_record(engine, company_id, "reason-code", ("SMALL",), {"default": "yes"})
    with pytest.raises(InvalidInput, match="BADDEBT and NEW would both be the default for customers"):
        masterdata.add_record(engine, company_id, "reason-code", {"code": "NEW", "customer": True, "default": True})
    with pytest.raises(InvalidInput, match="would both be the default for customers"):
        masterdata.apply_setup(engine, company_id, {"reason_codes": [{"code": "SMALL", "default": True}]})
    assert masterdata.list_records(engine, company_id, "reason-codes") == before
    # Moving the default is two changes in one file: the old one gives it up first.
    changes = masterdata.apply_setup(engine, company_id, {"reason_codes": [{"code": "BADDEBT", "default": False},
                                                                          {"code": "SMALL", "default": True}]})
    assert [(c.key, c.action, c.fields) for c in changes] == [
        ("BADDEBT", "changed", {"default": (True, False)}), ("SMALL", "changed", {"default": (False, True)})]


def test_a_reason_code_account_must_exist_and_a_code_a_parameter_names_is_kept(engine):
    company_id = make_collect_company(engine)
    with pytest.raises(InvalidInput, match="reason-code SMALL: account 777777 is not a main account"):
        masterdata.change_record(engine, company_id, "reason-code", ("SMALL",), {"account": "777777"})
    masterdata.change_record(engine, company_id, "parameter", ("write_off_reason",), {"value": "SMALL"})
    with pytest.raises(InvalidInput, match=r"reason-code SMALL is in use \(parameter write_off_reason\)"):
        masterdata.delete_record(engine, company_id, "reason-code", ("SMALL",))
    assert masterdata.delete_record(engine, company_id, "reason-code", ("VENDOR",)).action == "deleted"


def test_a_tax_group_changes_its_codes_and_an_unknown_code_is_refused(engine):
    company_id = make_collect_company(engine)
    change = masterdata.change_record(engine, company_id, "sales-tax-group", ("EXPORT",),
                                      {"tax_codes": "EXP0,VAT12"})
    assert change.fields == {"tax_codes": (["EXP0"], ["EXP0", "VAT12"])}
    with pytest.raises(InvalidInput, match="sales tax code VAT99 does not exist"):
        masterdata.change_record(engine, company_id, "sales-tax-group", ("EXPORT",), {"tax_codes": "VAT99"})
    assert masterdata.show_record(engine, company_id, "sales-tax-group", ("EXPORT",))["tax_codes"] == ["EXP0", "VAT12"]
    masterdata.add_record(engine, company_id, "item-sales-tax-group", {"code": "BOOKS", "tax_codes": "VAT12"})
    assert masterdata.delete_record(engine, company_id, "item-sales-tax-group", ("BOOKS",)).action == "deleted"


def test_a_tax_group_an_invoice_names_is_not_deleted(engine):
    from bilag.services.invoices import create_invoice

    from .collect_support import invoice

    company_id = make_collect_company(engine)
    create_invoice(engine, company_id, invoice("C-1", "2024-01-10", ("401100-001--", "100.00", "FULL")))
    with pytest.raises(InvalidInput, match=r"sales-tax-group DOM is in use \(invoices\)"):
        masterdata.delete_record(engine, company_id, "sales-tax-group", ("DOM",))
    with pytest.raises(InvalidInput, match=r"item-sales-tax-group FULL is in use \(invoices\)"):
        masterdata.delete_record(engine, company_id, "item-sales-tax-group", ("FULL",))


def test_lease_books_groups_and_profiles_are_master_data(engine):
    company_id = make_lease_company(engine)
    book = masterdata.show_record(engine, company_id, "lease-book", ("IFRS16",))
    assert book == {"id": "IFRS16", "description": "", "framework": "ifrs16", "lease_type": "automatic",
                    "pay_to_vendor": False, "convention": "full_month", "short_term_months": 12, "low_value": "5000",
                    "lease_term_percent": "75", "present_value_percent": "90", "transition": False}
    assert [g["id"] for g in masterdata.list_records(engine, company_id, "lease-groups")] == ["BARE", "CARS"]
    # A group moves to another profile; a profile that does not exist is refused.
    change = masterdata.change_record(engine, company_id, "lease-group", ("BARE",), {"posting_profile": "STD"})
    assert change.fields == {"posting_profile": ("BARE", "STD")}
    with pytest.raises(InvalidInput, match="lease posting profile NOPE does not exist"):
        masterdata.change_record(engine, company_id, "lease-group", ("BARE",), {"posting_profile": "NOPE"})
    # A profile changes in place, with its groups still pointing at it; its accounts must exist.
    masterdata.change_record(engine, company_id, "lease-profile", ("BARE",),
                             {"accounts": '{"right_of_use": "181100"}'})
    with pytest.raises(InvalidInput, match="accounts.right_of_use: main account 999999 does not exist"):
        masterdata.change_record(engine, company_id, "lease-profile", ("STD",),
                                 {"accounts": '{"right_of_use": "999999"}'})
    with pytest.raises(InvalidInput, match=r"lease-posting-profile STD is in use \(lease group BARE, lease group "
                                           r"CARS\)"):
        masterdata.delete_record(engine, company_id, "lease-posting-profile", ("STD",))
    assert masterdata.delete_record(engine, company_id, "lease-posting-profile", ("BARE",)).action == "deleted"


def test_a_lease_book_with_confirmed_leases_changes_only_its_description(engine):
    company_id = make_lease_company(engine)
    add_leases(engine, company_id, [ex_l1_lease()])
    before = rows(engine, "SELECT * FROM lease_book WHERE company_id = :c ORDER BY book_id", c=company_id)
    with pytest.raises(InvalidInput, match=r"lease book IFRS16 has confirmed leases \(L-001\).*not short_term_months"):
        masterdata.change_record(engine, company_id, "lease-book", ("IFRS16",), {"short_term_months": "6"})
    with pytest.raises(InvalidInput, match=r"lease-book IFRS16 is in use \(lease L-001\)"):
        masterdata.delete_record(engine, company_id, "lease-book", ("IFRS16",))
    assert rows(engine, "SELECT * FROM lease_book WHERE company_id = :c ORDER BY book_id", c=company_id) == before
    change = masterdata.change_record(engine, company_id, "lease-book", ("IFRS16",), {"description": "Cars"})
    assert change.fields == {"description": ("", "Cars")}
    assert masterdata.change_record(engine, company_id, "lease-book", ("ASC842",),
                                    {"short_term_months": "6"}).fields == {"short_term_months": (12, 6)}
    with pytest.raises(InvalidInput, match="operating leases exist only under ASC 842"):
        masterdata.change_record(engine, company_id, "lease-book", ("TRANS",), {"lease_type": "operating"})


def test_apply_adds_and_changes_lease_and_tax_set_up(engine):
    company_id = make_lease_company(engine)
    data = {"lease_books": [{"id": "IFRS16", "description": "Main book"}, {"id": "NEW", "framework": "asc842"}],
            "lease_groups": [{"id": "TRUCKS", "posting_profile": "STD"}]}
    changes = masterdata.apply_setup(engine, company_id, data)
    assert [(c.kind, c.key, c.action) for c in changes] == [
        ("lease-book", "IFRS16", "changed"), ("lease-book", "NEW", "added"), ("lease-group", "TRUCKS", "added")]
    assert {c.action for c in masterdata.apply_setup(engine, company_id, data)} == {"unchanged"}
    assert masterdata.fields_of("lease-group") == ["posting_profile", "description"]
