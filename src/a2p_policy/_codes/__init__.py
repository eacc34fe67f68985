"""Error codes: what Twilio's delivery, API and toll-free rejection codes mean
for the policy rules (DND, error rate, retries, resubmission).

Sources: sources.md [policy] ("Spam Message
Handling"), sources.md [tfv-api] ("Rejection
codes and solutions" and the HTTP error table),
sources.md [tfv-rejections], and Twilio's error
dictionary. See :mod:`a2p_policy._codes.tables`.
"""
