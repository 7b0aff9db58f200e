"""The analysis app: runs kam_analytics over the monthly facts and stores dated results."""

import os

# The model fits make hundreds of tiny BLAS calls; OpenBLAS waking its threads for each one
# made a run three times slower on a two-core machine. One thread is plenty for these sizes.
# This only takes effect if numpy is not loaded yet (it is not while Django sets up the apps).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
