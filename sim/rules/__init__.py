"""Participation rules: small registered classes selected by name from the config (the levers)."""

from sim.rules.accreditation import ACCREDITATION, AccreditationContext, accreditation_procedure
from sim.rules.informals import INFORMALS, informals_policy
from sim.rules.speaking import SPEAKING, speaking_allocation

__all__ = ["ACCREDITATION", "AccreditationContext", "accreditation_procedure", "INFORMALS", "informals_policy",
           "SPEAKING", "speaking_allocation"]
