"""Measured wall times of the experiments: the one place runtimes live.

``embtheory list`` and ``embtheory reproduce`` read this file; experiment modules do not state
runtimes.  ``QUICK`` holds seconds measured for the quick size (``embtheory reproduce NAME``,
fresh results folder, data and model cached) on :data:`MACHINE`; ``FULL`` holds seconds or a
short note (e.g. where the full size was run).  An experiment missing here shows as
"not measured" (or its old estimate, marked as such) until someone measures it: copy the
``done in ... s`` line of a quick run into ``QUICK``.
"""

MACHINE = ("2-core AMD EPYC CPU, otherwise idle (2026-12-01, JAX 0.10.2, one OpenBLAS thread): each time "
           "was measured inside `make reproduce` (cold compilation cache), whose two processes share the "
           "two cores; one experiment run alone is somewhat faster")

#: Seconds of the quick size, measured (the whole `make reproduce`: 9 min 21 s wall).
QUICK: dict[str, float] = {
    "depth-power-curves": 32.3,
    "depth-type1-error": 86.7,
    "qkernels-bandwidth": 19.1,
    "qkernels-fig3": 17.3,
    "qkernels-fig6a": 34.6,
    "qkernels-fig6b": 3.4,
    "qkernels-fig7": 44.8,
    "qkernels-fig8": 49.3,
    "qkernels-fig9": 63.5,
    "qkernels-large-n": 49.4,
    "qkernels-more-qubits": 43.3,
    "signrank-critical-n": 194.6,
    "signrank-frontier": 172.3,
    "signrank-growth-fits": 3.3,
    "signrank-limit-qrels": 0.6,
    "signrank-loss-variants": 60.8,
    "signrank-precision": 54.2,
    "signrank-stop-rule": 31.8,
    "signrank-table1": 0.0,
    "text-dd-plots": 36.0,
    "text-depth-central": 2.6,
    "text-limit-small": 22.2,
    "text-select-kshot": 24.7,
    "text-shift-augment": 19.0,
    "text-shift-corpora": 4.6,
}

#: Seconds of the full size (``--full-cpu``: the whole paper size where a CPU finishes it, else the
#: part each config's ``CPU_NOTE`` names), measured by the runs that filled the reference store
#: (``reference/``) on the same 2-core AMD EPYC on 2026-12-07, one experiment at a time while other
#: jobs shared the two cores (load 4-10): upper bounds for an idle machine.
FULL: dict[str, float | str] = {
    "depth-power-curves": 2840.9,
    "depth-type1-error": 1209.4,
    "qkernels-bandwidth": 24.0,
    "qkernels-fig3": 32.9,
    "qkernels-fig6a": 135.6,
    "qkernels-fig6b": 39.5,
    "qkernels-fig7": 166.7,
    "qkernels-fig8": 97.4,
    "qkernels-large-n": 115.6,
    "qkernels-fig9": "about 8 min (its units' times)",
    "qkernels-more-qubits": "about 2.5 min (its units' times)",
    "signrank-critical-n": "about 27 min",
    "signrank-loss-variants": "about 70 min (its runs on this machine, interrupted and resumed)",
    "signrank-stop-rule": "about 10 min",
    "signrank-frontier": "about 54 min on the shared CPU, under load (CPU part)",
    "signrank-real-problems": "about 60 min on the shared CPU, under load, resumed twice",
    "signrank-growth-fits": 3.9,
    "signrank-limit-qrels": 0.3,
    "signrank-precision": 75.9,
    "signrank-table1": 0.0,
    "text-dd-plots": "3 s measured, after text-depth-central embedded the corpora",
    "text-depth-central": 417.2,
    "text-limit-small": 16.8,
    "text-select-kshot": 85.1,
    "text-shift-augment": 144.0,
    "text-shift-corpora": 69.6,
}
