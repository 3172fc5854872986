"""Sales tax groups × item sales tax groups: the codes of a line are those in both (intersection)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput


@dataclass(frozen=True)
class TaxGroups:
    """The sales tax groups (of customers/vendors) and item sales tax groups (of lines), each a set of codes."""

    sales_tax_groups: dict[str, frozenset[str]] = field(default_factory=dict)
    item_sales_tax_groups: dict[str, frozenset[str]] = field(default_factory=dict)

    def codes_for(self, sales_tax_group: str | None, item_sales_tax_group: str | None) -> tuple[str, ...]:
        """The tax codes of a line, in code order; none when either group is blank (the line is untaxed).

        Naming a group that does not exist, or two groups that have no code in common, is refused: a line
        that should be taxed must not post without its tax.
        """
        if not sales_tax_group or not item_sales_tax_group:
            return ()
        codes = self.sales_tax_groups.get(sales_tax_group)
        if codes is None:
            raise InvalidInput(f"sales tax group {sales_tax_group} does not exist", code="unknown_tax_group")
        item_codes = self.item_sales_tax_groups.get(item_sales_tax_group)
        if item_codes is None:
            raise InvalidInput(f"item sales tax group {item_sales_tax_group} does not exist",
                               code="unknown_tax_group")
        common = codes & item_codes
        if not common:
            raise InvalidInput(
                f"sales tax group {sales_tax_group} ({', '.join(sorted(codes)) or 'no codes'}) and item sales tax "
                f"group {item_sales_tax_group} ({', '.join(sorted(item_codes)) or 'no codes'}) have no sales tax "
                f"code in common", code="no_tax_code_in_intersection")
        return tuple(sorted(common))
