"""Consent: records with their proof, the append-only consent ledger, and the
audits of opt-in forms, privacy policies and terms pages (sources.md: consent).

Sources: sources.md [appeal] and
sources.md [appeal].
"""
