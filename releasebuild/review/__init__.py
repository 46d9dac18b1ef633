"""Human review: QA samples for reviewers, sign-off records bound to the sample digest, and their judgement."""
