"""Fake Canvas and fake Accredible (US and EU), served in-process or on loopback sockets.

Public entry points: :func:`fakes.world.build_world` builds the three apps of one world
(shared clock, seeded ids); :mod:`fakes.web.serving` runs them on sockets.
"""
