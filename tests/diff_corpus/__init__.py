"""The change pairs of the ``stepgen diff`` corpus."""
