"""What the tests and the benchmarks share: fake platforms, harnesses, the sample staff, a clock.

Nothing here is a test. Test modules and benchmarks import from this package and never from
each other, so a benchmark keeps working when a test file moves and a test reads whole on its
own (``tests/test_import_rules.py`` holds everyone to that).
"""
