"""Scenario files: the YAML language (``model``, ``steps``), its loader and the runner."""
