"""Consent: records with their proof, the append-only consent ledger, and the
audits of opt-in forms, privacy policies and terms pages (sources.md: consent).

Sources: sources.md [appeal] and
sources.md [appeal].
"""

from a2p_policy._consent.audits import audit_opt_in_form, audit_privacy_policy, audit_terms
from a2p_policy._consent.ledger import (
    ConsentEvent,
    ConsentEventKind,
    ConsentLedger,
    ConsentProof,
    ConsentState,
    ConsentView,
    ProofItem,
)
from a2p_policy._consent.record import ConsentRecord, ConsentScope, ConsentSource
from a2p_policy._usecases import OptInMethod, UseCase

__all__ = [
    "ConsentEvent",
    "ConsentEventKind",
    "ConsentLedger",
    "ConsentProof",
    "ConsentRecord",
    "ConsentScope",
    "ConsentSource",
    "ConsentState",
    "ConsentView",
    "OptInMethod",
    "ProofItem",
    "UseCase",
    "audit_opt_in_form",
    "audit_privacy_policy",
    "audit_terms",
]
