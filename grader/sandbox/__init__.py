"""The sandbox: a fork server that runs student code confined, and the wire format both sides share.

The worker side (``forkserver``, ``supervisor``, ``worker``, ``probes``, ``isolation``) imports only the
standard library, torch, numpy and its sibling modules here; :mod:`grader.sandbox.client` is the trusted side.
"""

__all__: list[str] = []
