"""Petrograd 1917: a text-adventure about the night the Soviets took power."""

__version__ = "0.1.0"
