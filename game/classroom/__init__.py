"""The classroom: assignments, the records students hand in, their verification, class reports.

Headless: nothing here imports Textual, so `petrograd report` starts fast.
"""
