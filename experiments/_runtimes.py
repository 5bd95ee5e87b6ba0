"""Measured wall times of the experiments: the one place runtimes live.

``embtheory list`` and ``embtheory reproduce`` read this file; experiment modules do not state
runtimes.  ``QUICK`` holds seconds measured for the quick size (``embtheory reproduce NAME``,
fresh results folder, data and model cached) on :data:`MACHINE`; ``FULL`` holds seconds or a
short note (e.g. where the full size was run).  An experiment missing here shows as
"not measured" (or its old estimate, marked as such) until someone measures it: copy the
``done in ... s`` line of a quick run into ``QUICK``.
"""

MACHINE = ("2-core AMD EPYC CPU shared with other jobs (2026-12-01): every time below was measured under "
           "load (the load average is noted per entry), so an idle machine is faster: re-measure idle")

#: Seconds of the quick size, measured.
QUICK: dict[str, float] = {
    "depth-type1-error": 373.6,  # load average 18-20
    "depth-power-curves": 28.5,  # load average about 2 (revision 3)
    "signrank-frontier": 466.0,  # load average 10-12; 154 s of CPU
    "signrank-critical-n": 1560.0,  # load average 14-21; 164 s of CPU (about 3 min idle)
}

#: Seconds (or a note) of the full size.
FULL: dict[str, float | str] = {
    "depth-type1-error": "not measured (GPU advised)",
    "depth-power-curves": "not measured (GPU advised)",
    "text-limit-small": "as quick (the whole data set)",
}
