"""The one list of generated and named bad-input cases known to fail (strict xfail).

Each entry: test id -> the reason.  A listed case that passes XPASSes, which fails the suite
(strict): delete its line here.  Empty means every case passes.
"""

XFAIL: dict[str, str] = {
}


#: tests/fuzz/test_named_bad_inputs.py: test name (with its [parameter]) -> the reason it fails.
REGRESSIONS: dict[str, str] = {
}
