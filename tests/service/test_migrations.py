"""Alembic migrations: from empty to head and back, on SQLite and PostgreSQL, matching the
models exactly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grader.db.migrate import downgrade, upgrade
from grader.db.models import Base


def test_upgrade_from_empty_matches_the_models_and_downgrades(database_url):
    # the fixture has already run `upgrade head` on an empty database
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert diff == []
    assert {"users", "api_tokens", "courses", "enrolments", "assignments", "rubric_versions",
            "submissions", "results", "manual_grades", "regrades"} <= tables
    downgrade(database_url)
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    engine.dispose()
