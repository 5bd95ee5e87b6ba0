"""Measured wall times of the experiments: the one place runtimes live.

``embtheory list`` and ``embtheory reproduce`` read this file; experiment modules do not state
runtimes.  ``QUICK`` holds seconds measured for the quick size (``embtheory reproduce NAME``,
fresh results folder, data and model cached) on :data:`MACHINE`; ``FULL`` holds seconds or a
short note (e.g. where the full size was run).  An experiment missing here shows as
"not measured" (or its old estimate, marked as such) until someone measures it: copy the
``done in ... s`` line of a quick run into ``QUICK``.
"""

MACHINE = "2-core AMD EPYC CPU shared with other jobs (load noted with each measurement)"

#: Seconds of the quick size, measured.
QUICK: dict[str, float] = {}

#: Seconds (or a note) of the full size.
FULL: dict[str, float | str] = {
    "depth-type1-error": "not measured (GPU advised)",
    "depth-power-curves": "not measured (GPU advised)",
    "text-limit-small": "as quick (the whole data set)",
}
