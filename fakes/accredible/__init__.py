"""Fake Accredible: the v1 REST API, one backend per region (US, EU) with separate data and keys."""
