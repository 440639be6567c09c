"""The read side in SQL: the service score, the report, attribution and the holdout."""
