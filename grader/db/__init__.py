"""Persistence: SQLAlchemy 2 models, keyword-only data functions, Alembic migrations."""
