"""Org pages, split by sub-domain: people and teams, profile, job descriptions."""
