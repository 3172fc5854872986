"""`bilag serve` (the HTTP API and the web pages) and `bilag user ...` (users, roles, groups, API tokens)."""
from __future__ import annotations

import typer

from . import render

user_app = typer.Typer(no_args_is_help=True, help="Users of the API and the web pages: roles per company, "
                                                  "user groups, API tokens.")


def _engine():
    from .options import engine

    return engine()


def _password(password: str | None) -> str:
    import os

    if password:
        return password
    if os.environ.get("BILAG_PASSWORD"):
        return os.environ["BILAG_PASSWORD"]
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def user_add(name: str, role: str | None = typer.Option(None, "--role", help="viewer, clerk, accountant or "
                                                                                 "administrator in --company"),
             password: str | None = typer.Option(None, "--password", help="Else BILAG_PASSWORD, else asked."),
             display_name: str = typer.Option("", "--name"),
             locale: str = typer.Option("en", "--locale", help="en, da, nb or sv")):
    """Create a user (the first administrator: `bilag -c USMF user add anna --role administrator`)."""
    from ..services.users import add_user
    from .options import settings

    add_user(_engine(), name, _password(password), display_name=display_name, locale=locale,
             company_id=settings.company, role=role, actor=settings.user)
    render.info(f"user {name} added" + (f" ({role})" if role else ""))


@user_app.command("grant")
def user_grant(name: str, role: str = typer.Argument(..., help="viewer, clerk, accountant or administrator")):
    """Give a user a role in the company of --company (replacing the role they had there)."""
    from ..services.users import grant
    from .options import settings

    company = grant(_engine(), name, settings.company, role, actor=settings.user)
    render.info(f"user {name} is {role} in {company}")


@user_app.command("group")
def user_group(name: str, group: str):
    """Put a user in a user group of the company (period module access names user groups)."""
    from ..services.users import add_to_group
    from .options import settings

    add_to_group(_engine(), name, settings.company, group, actor=settings.user)
    render.info(f"user {name} is in group {group}")


@user_app.command("token")
def user_token(name: str, label: str = typer.Option("", "--label"),
               days: int | None = typer.Option(None, "--days", help="Expires after this many days.")):
    """Create an API token for the user (printed once: send it as `Authorization: Bearer TOKEN`)."""
    from ..services.users import create_token

    typer.echo(create_token(_engine(), name, label, days))


def serve_command(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
                  database: str | None = typer.Option(None, "--database", help="Overrides the global --database."),
                  workers: int = typer.Option(1, "--workers", min=1, max=64,
                                              help="Server processes (PostgreSQL: one per core; they share the "
                                                   "database, sessions and the company cache's version stamp).")):
    """Serve the JSON API (/api/, OpenAPI at /openapi.json) and the web pages (/) with uvicorn."""
    import os

    import uvicorn

    from ..api.app import create_app
    from .options import settings

    if database:
        settings.database = database
    app = create_app(_engine())  # opened and migrated once here, so that a bad URL is a message, not N tracebacks
    render.info(f"bilag serving on http://{host}:{port}/ (API under /api/, OpenAPI at /openapi.json)"
                f"{f' in {workers} processes' if workers > 1 else ''}; Ctrl-C stops")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    app.state.engine.dispose()
    os.environ["BILAG_DATABASE"] = str(app.state.engine.url.render_as_string(hide_password=False))
    uvicorn.run("bilag.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning")
