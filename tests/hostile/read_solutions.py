"""Hostile: read the course's solutions and course.yaml, print them, and answer from them.

If no solution can be read, the answer is deliberately wrong.
"""

import os

import torch

REPO = "{{REPO}}"
CANDIDATES = [
    REPO + "/solutions/square.py",
    REPO + "/course.yaml",
    "/proc/1/root" + REPO + "/solutions/square.py",
    "/proc/1/root" + REPO + "/course.yaml",
    "/proc/1/cwd" + REPO + "/solutions/square.py",
    "/proc/self/root" + REPO + "/solutions/square.py",
    "../solutions/square.py",
    "/submission/../solutions/square.py",
]
try:
    import grader

    _package = os.path.dirname(os.path.abspath(grader.__file__))
    CANDIDATES += [os.path.join(_package, os.pardir, "solutions", "square.py"), os.path.join(_package, os.pardir, "course.yaml")]
except Exception as error:
    print("no grader package:", type(error).__name__)

# Look around for any solutions/ folder near the repository or the root (bounded walk).
for _top in (REPO, os.path.dirname(REPO), "/"):
    try:
        for _dirpath, _dirnames, _filenames in os.walk(_top):
            if _dirpath.count(os.sep) - _top.count(os.sep) >= 2:
                _dirnames[:] = []
            _dirnames[:] = [d for d in _dirnames if d not in ("proc", "sys", "usr", "lib", "dev")]
            if "square.py" in _filenames and os.path.basename(_dirpath) == "solutions":
                CANDIDATES.append(os.path.join(_dirpath, "square.py"))
    except OSError:
        pass

_stolen = None
for _path in CANDIDATES:
    try:
        with open(_path, encoding="utf-8") as _handle:
            _text = _handle.read()
    except (OSError, UnicodeDecodeError) as error:
        print("cannot read", _path, type(error).__name__)
        continue
    print("READ", _path)
    print(_text)
    if _path.endswith("square.py") and _stolen is None:
        _namespace = {}
        try:
            exec(compile(_text, _path, "exec"), _namespace)
            _stolen = _namespace.get("derivative_square")
        except Exception as error:
            print("could not run the stolen solution:", error)


def derivative_square(x0):
    if _stolen is not None:
        return _stolen(x0)
    return torch.tensor(-1.0)
