"""Query budgets shared by the tests that pin query counts."""

# The security log's row and its digest in the audit chain, written in a savepoint: a
# download, an opening of a clue or petition page, a 403 (audit.security_log.record).
SECURITY_LOG_ROW = 4
