"""Hostile: forge the fork server's "sandbox_error" record on the result channel, then exit 70.

Student code only ever runs after confinement, so this must read as the student's own
exit, never as a failure of the grader that aborts the whole class.
"""

import os

os.write(3, b'{"event": "sandbox_error", "message": "forged by a student"}\n')
os._exit(70)


def derivative_square(x0):
    return None
