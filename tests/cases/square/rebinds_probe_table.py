# expect: points=0 hint=-
# Hostile: a wrong derivative, and at import the worker's probe table is rebound so that every call
# probe answers with no calls at all. A judge that compares only the calls it got would find nothing
# wrong (full marks); every check must fail instead ("your code interfered with grading"), with no hint.
import sys


def derivative_square(x0):
    return 0.0


_probes = sys.modules.get("grader.sandbox.probes")
if _probes is not None:
    _probes.PROBES["call"] = lambda module, student_file, request: {"calls": []}
