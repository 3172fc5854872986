"""`bilag period add-year`: a fiscal year of any start, end and number of periods, added to a company in use
(issue 15). Translation only: services/setup.py adds it."""
from __future__ import annotations

import typer

from . import render
from .options import engine, parse_date, settings


def register(period_app: typer.Typer) -> None:
    @period_app.command("add-year")
    def add_year(start: str = typer.Argument(..., help="The year's first day (YYYY-MM-DD)."),
                 end: str = typer.Argument(..., help="The year's last day (YYYY-MM-DD)."),
                 periods: int | None = typer.Option(None, "--periods", help="Number of periods (default: one per "
                                                                            "month, week or day of the unit)."),
                 unit: str = typer.Option("months", "--unit", help="months, weeks (12 periods: 4-4-5) or days.")):
        """Add a fiscal year (a short year, a 53-week year, quarters ...) after the company's last one."""
        from ..services.setup import add_fiscal_year_to

        added = add_fiscal_year_to(engine(), settings.company, parse_date(start, "START"), parse_date(end, "END"),
                                   periods, unit)
        operating = [p for p in added if p["kind"] == "operating"]
        render.info(f"fiscal year {added[0]['year']}: {len(operating)} periods from {operating[0]['start']} to "
                    f"{operating[-1]['end']}")
