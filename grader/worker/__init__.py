"""Celery adapter: thin tasks that take ids; the grading itself is grader.service.grading."""
