"""Running the pipeline on Temporal, with each step's retry policy and time limit.

:mod:`~stepgen_runtime.temporal.messages` holds the names and data the parts share
and turns a step's execution settings into Temporal options;
:mod:`~stepgen_runtime.temporal.workflow` runs a job's stages in order with approvals
by signal; :mod:`~stepgen_runtime.temporal.activities` runs each stage through the
executor, one attempt per activity attempt; :mod:`~stepgen_runtime.temporal.worker`
serves both on a task queue; :mod:`~stepgen_runtime.temporal.client` starts, signals
and follows workflows; :mod:`~stepgen_runtime.temporal.settings` says where Temporal
is. Importing this package imports nothing of the SDK; its modules do.
"""
