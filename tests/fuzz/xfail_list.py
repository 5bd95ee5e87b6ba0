"""THE list of fuzz cases that fail today in modules owned by other helpers (strict xfail).

Each entry: test id -> "owner: <helper>".  When an owner's fix lands, the case XPASSes, which
fails the suite (strict): delete its line here.  Generated from a run of tests/fuzz on the
session's working tree; the lead clears it at integration.
"""

XFAIL: dict[str, str] = {
}


#: tests/fuzz/test_regressions.py: test name (with its [parameter]) -> "owner: <helper>".
REGRESSIONS: dict[str, str] = {
}
