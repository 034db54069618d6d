"""Autograder for deep-learning homework notebooks. Importing it configures nothing."""

__version__ = "0.1.0"
