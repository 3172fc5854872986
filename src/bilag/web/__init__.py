"""Web pages for finance users (server-rendered Jinja2): sign-in, journal grid, settle form, reports, periods."""
