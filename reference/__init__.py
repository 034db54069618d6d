"""Trusted reference implementations and hidden-case generators.

Imported by the grader's process only; never bound into the sandbox. Generators take a
`numpy.random.Generator` (seeded per submission and per check) and return `grader.inputs.Case`s.
"""
