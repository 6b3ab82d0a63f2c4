"""Plenary: an agent-based model of multilateral treaty negotiation and stakeholder participation rules."""
