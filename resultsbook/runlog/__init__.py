"""The run logger: what a training script calls to write a native run folder with its provenance.

    >>> import resultsbook
    >>> with resultsbook.Run("runs/", config={"lr": 0.1, "seed": 0}) as run:   # doctest: +SKIP
    ...     run.log(1, loss=0.5)
    ...     run.summary(test_acc=0.91)

Importing this package stays cheap: no numpy, no pandas, no subprocess until a run starts.
"""

from __future__ import annotations

from resultsbook.runlog.run import Run
from resultsbook.runlog.seeding import seed_everything

__all__ = ["Run", "seed_everything"]
