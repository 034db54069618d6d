"""Exports of a GradeReport to other systems' formats."""
