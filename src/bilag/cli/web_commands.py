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
    from ..services.users import create_token, digest, token_id
    from .options import settings

    token = create_token(_engine(), name, label, days, actor=settings.user)
    typer.echo(token)
    render.info(f"token {token_id(digest(token))} of user {name} (revoke it with 'bilag user revoke-token {name} "
                f"{token_id(digest(token))}')")


@user_app.command("tokens")
def user_tokens(name: str, fmt: str = typer.Option("text", "--format", help="text, json or csv.")):
    """The user's API tokens: id, label and expiry (the tokens themselves are not kept)."""
    from ..services.users import list_tokens
    from .options import check_format

    fmt = check_format(fmt)
    tokens = list_tokens(_engine(), name)
    if fmt == "text" and not tokens:
        render.info(f"user {name} has no API tokens")
        return
    render.emit(tokens, ["token", "label", "expires_at"], fmt, title=f"API tokens of {name}")


@user_app.command("revoke-token")
def user_revoke_token(name: str, token: str = typer.Argument(..., help="The token's id (as 'bilag user tokens' "
                                                                         "lists it) or its label.")):
    """Revoke an API token of the user (by id or label); it stops working at once."""
    from ..services.users import revoke_token
    from .options import settings

    revoked = revoke_token(_engine(), name, token, actor=settings.user)
    render.info(f"revoked {len(revoked)} API token(s) of user {name}: {', '.join(r['token'] for r in revoked)}")


@user_app.command("password")
def user_password(name: str, password: str | None = typer.Option(None, "--password",
                                                                  help="Else BILAG_PASSWORD, else asked.")):
    """Set a user's password."""
    from ..services.users import set_password
    from .options import settings

    set_password(_engine(), name, _password(password), actor=settings.user)
    render.info(f"password of user {name} changed")


@user_app.command("locale")
def user_locale(name: str, locale: str = typer.Argument(..., help="en, da, nb or sv")):
    """Set a user's language (the web pages' locale)."""
    from ..services.users import set_locale
    from .options import settings

    set_locale(_engine(), name, locale, actor=settings.user)
    render.info(f"locale of user {name} is {locale}")


def serve_command(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
                  database: str | None = typer.Option(None, "--database", help="Overrides the global --database."),
                  workers: int = typer.Option(1, "--workers", min=1, max=64,
                                              help="Server processes (PostgreSQL: one per core; they share the "
                                                   "database, sessions and the company cache's version stamp).")):
    """Serve the JSON API (/api/, OpenAPI at /openapi.json) and the web pages (/) with uvicorn."""
    import os

    import uvicorn

    from ..api.app import create_app
    from ..store import database as store_database
    from .options import settings

    # "Waiting for another writer" is for a user at a terminal: a server's requests wait without telling, and
    # without a watch timer started per transaction.
    store_database.on_wait = None
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
