"""The sandbox: a fork server that runs student code confined, and the wire format both sides share.

The worker side (``forkserver``, ``dispatcher``, ``template``, ``supervisor``, ``worker``, ``probes``,
``isolation``, ``portable_worker``) imports only the standard library, torch, numpy and its sibling modules
here. The trusted side drives it: :mod:`grader.sandbox.client` (the fork server's client),
:mod:`grader.sandbox.portable` (the portable level's runner) and :mod:`grader.sandbox.jobs` (the records both
runners share and the one parse of what came back); only ``client`` imports the grader's errors.
"""

__all__: list[str] = []
