"""Fake Canvas LMS: REST API (``/api/v1``) with Canvas's auth, pagination and error bodies."""
