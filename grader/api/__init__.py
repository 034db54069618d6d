"""FastAPI adapter: HTTP in, service calls, HTTP out. Errors become status codes only here."""
