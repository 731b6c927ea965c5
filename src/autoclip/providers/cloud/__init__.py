"""What every cloud provider shares: one HTTP kit (`http`: timeouts, retries with
`Retry-After`, a circuit breaker from `breaker`, secrets kept out of messages), errors
sorted by what the caller should do next (`errors`), and usage with per-content budgets
(`usage`)."""
