"""The one list of fuzz and regression cases known to fail (strict xfail).

Each entry: test id -> the reason.  When the fix lands, the case XPASSes, which fails the suite
(strict): delete its line here.  Empty means every case passes.
"""

XFAIL: dict[str, str] = {
}


#: tests/fuzz/test_regressions.py: test name (with its [parameter]) -> the reason it fails.
REGRESSIONS: dict[str, str] = {
}
