"""Headless authoring tools: the scene graph, autoplay, exhaustive checks, statistics, test plans.

Like the engine, nothing here imports Textual or Rich (tests/test_engine_purity.py).
"""
