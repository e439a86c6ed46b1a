"""The `petrograd` subcommands, one module each: `add_parser(commands)` and `run(args) -> int`.

Headless commands must not import Textual (tests/test_engine_purity.py checks).
"""
